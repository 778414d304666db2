"""Variants x Python versions x architectures: the build matrix and the files a release must
contain. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from wheeltrain.core.config import TrainConfig, Variant, canonical_name
from wheeltrain.errors import ConfigError

__all__ = [
    "BuildTarget",
    "ExpectedFile",
    "expected_files",
    "select_targets",
    "variant_targets",
    "wheel_stem",
]


def wheel_stem(distribution: str) -> str:
    """The distribution as wheel and sdist file names spell it (``mooncake_transfer_engine``)."""
    return canonical_name(distribution).replace("-", "_")


def cp(python: str) -> str:
    return "cp" + python.replace(".", "")


def cibw_environment(values: Sequence[tuple[str, str]]) -> str:
    """``CIBW_ENVIRONMENT`` text that keeps shell expansion (``PATH="/x:$PATH"`` reaches the
    build as the expanded path): values are double-quoted, with only ``"``, ``\\`` and
    backticks escaped."""
    out = []
    for key, value in values:
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("`", "\\`")
        out.append(f'{key}="{escaped}"')
    return " ".join(out)


@dataclass(frozen=True)
class BuildTarget:
    variant: Variant
    python: str
    arch: str

    @property
    def identifier(self) -> str:
        """cibuildwheel's build identifier, e.g. ``cp310-manylinux_x86_64``; a pure
        variant's one build is ``py3-none-any``."""
        if self.variant.kind == "pure":
            return "py3-none-any"
        return f"{cp(self.python)}-manylinux_{self.arch}"

    def environment(self) -> str:
        """``CIBW_ENVIRONMENT``: the variant's build environment on this arch."""
        return cibw_environment(self.variant.environment_for(self.arch))

    def matrix_entry(self, config: TrainConfig) -> dict[str, str]:
        return {
            "variant": self.variant.name,
            "distribution": self.variant.distribution,
            "python": self.python,
            "arch": self.arch,
            "runner": config.runner(self.arch),
            "image": self.variant.image_for(self.arch),
            "CIBW_BUILD": self.identifier,
            "CIBW_ARCHS": self.arch,
            "CIBW_ENVIRONMENT": self.environment(),
        }


@dataclass(frozen=True)
class ExpectedFile:
    variant: str
    distribution: str
    version: str
    kind: str  # "wheel" or "sdist"
    python: str | None = None  # "3.12"; "py3" for a pure wheel
    arch: str | None = None  # "x86_64"; "any" for a pure wheel
    max_platform: str | None = None
    abi: str | None = None  # "abi3" for an abi3 wheel, else the interpreter's own

    @property
    def key(self) -> tuple[str, str, str | None, str | None]:
        """What identifies the file whatever its exact platform tag."""
        return (canonical_name(self.distribution), self.kind, self.python, self.arch)

    @property
    def filename(self) -> str:
        """The file name, with the highest allowed platform tag for wheels."""
        stem = wheel_stem(self.distribution)
        if self.kind == "sdist":
            return f"{stem}-{self.version}.tar.gz"
        if self.python == "py3":
            return f"{stem}-{self.version}-py3-none-any.whl"
        tag = cp(str(self.python))
        abi = self.abi or tag
        return f"{stem}-{self.version}-{tag}-{abi}-{self.max_platform}_{self.arch}.whl"

    def as_dict(self) -> dict[str, object]:
        return {
            "variant": self.variant,
            "distribution": self.distribution,
            "version": self.version,
            "kind": self.kind,
            "python": self.python,
            "arch": self.arch,
            "max_platform": self.max_platform,
            "abi": self.abi,
            "filename": self.filename,
        }


def select_targets(
    config: TrainConfig,
    event: str,
    *,
    variants: Sequence[str] = (),
    pythons: Sequence[str] = (),
    archs: Sequence[str] = (),
) -> list[BuildTarget]:
    """The builds an event releases, optionally narrowed to some variants, Pythons, archs."""
    chosen = config.for_event(event)
    if variants:
        for name in variants:
            variant = config.variant(name)
            if variant not in chosen:
                raise ConfigError(
                    f"variant {name!r} is not released by the {event} event "
                    f"(its releases: {', '.join(variant.releases)})"
                )
        chosen = tuple(v for v in chosen if v.name in variants)
    return [t for v in chosen for t in variant_targets(v, pythons, archs)]


def variant_targets(
    variant: Variant, pythons: Sequence[str] = (), archs: Sequence[str] = ()
) -> list[BuildTarget]:
    """One variant's builds, narrowed to ``pythons`` and ``archs`` when given: a build per
    CPython and arch; an abi3 variant one per arch (with its lowest CPython, whose tag the
    wheel carries, selected by any of its CPythons); a pure variant one in all (on its first
    arch)."""
    py_ok = [py for py in variant.python if not pythons or py in pythons]
    arch_ok = [arch for arch in variant.archs if not archs or arch in archs]
    if variant.kind == "platform":
        return [BuildTarget(variant, py, arch) for py in py_ok for arch in arch_ok]
    lowest = variant.lowest_python
    if not py_ok:  # the one build serves every CPython of the variant: any of them selects it
        return []
    if variant.kind == "abi3":
        return [BuildTarget(variant, lowest, arch) for arch in arch_ok]
    return [BuildTarget(variant, lowest, variant.archs[0])] if arch_ok else []


def expected_files(
    config: TrainConfig, targets: Iterable[BuildTarget], version: str, *, sdist: bool = True
) -> list[ExpectedFile]:
    """Every file the release must contain: one wheel per target, plus the sdists that the
    ``sdist`` setting asks for (for the variants among the targets)."""
    out = [_expected_wheel(t, version) for t in targets]
    if sdist:
        seen = {t.variant.name: t.variant for t in targets}
        out += [
            ExpectedFile(name, seen[name].distribution, version, "sdist")
            for name in config.sdist
            if name in seen
        ]
    return out


def _expected_wheel(target: BuildTarget, version: str) -> ExpectedFile:
    variant = target.variant
    if variant.kind == "pure":
        return ExpectedFile(
            variant.name, variant.distribution, version, "wheel", "py3", "any", None, "none"
        )
    return ExpectedFile(
        variant.name,
        variant.distribution,
        version,
        "wheel",
        target.python,
        target.arch,
        variant.max_platform,
        "abi3" if variant.kind == "abi3" else None,
    )
