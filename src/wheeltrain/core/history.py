"""What each distribution has really shipped, read from its file names on the index, and where
that differs from the ``[tool.wheeltrain]`` table: the facts a maintainer decides with when a
project with a past adopts wheeltrain. Pure: the caller lists the files."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from packaging.version import InvalidVersion, Version

from wheeltrain.core.config import TrainConfig, platform_version, split_platform
from wheeltrain.core.filenames import InvalidFilename, parse_filename

__all__ = ["Shipped", "differences", "proposal", "shipped"]


@dataclass(frozen=True)
class Release:
    """One version of one distribution: the CPythons, architectures and platform tags of
    its wheels."""

    version: Version
    pythons: frozenset[str]
    archs: frozenset[str]
    platforms: frozenset[str]
    sdist: bool


@dataclass(frozen=True)
class Shipped:
    distribution: str
    releases: tuple[Release, ...]  # oldest first

    @property
    def latest(self) -> Release | None:
        final = [r for r in self.releases if not r.version.is_prerelease] or list(self.releases)
        return final[-1] if final else None

    def as_dict(self) -> dict[str, object]:
        return {
            "distribution": self.distribution,
            "releases": [
                {
                    "version": str(r.version),
                    "python": sorted(r.pythons, key=_py_key),
                    "archs": sorted(r.archs),
                    "platforms": sorted(r.platforms),
                    "sdist": r.sdist,
                }
                for r in self.releases
            ],
        }


def _py_key(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split("."))


def _python_of(interpreter: str) -> str | None:
    """``cp312`` -> ``3.12``; anything but a CPython 3 tag -> None."""
    if interpreter.startswith("cp3") and interpreter[3:].isascii() and interpreter[3:].isdigit():
        return f"3.{interpreter[3:]}"
    return None


def shipped(distribution: str, filenames: Iterable[str]) -> Shipped:
    """Group ``filenames`` (every file of ``distribution`` on the index) by version."""
    found: dict[Version, tuple[set[str], set[str], set[str], list[bool]]] = {}
    for name in filenames:
        try:
            parsed = parse_filename(name)
        except InvalidFilename:
            continue
        try:
            version = Version(str(parsed.version))
        except InvalidVersion:
            continue
        pythons, archs, platforms, sdist = found.setdefault(version, (set(), set(), set(), [False]))
        if parsed.kind == "sdist":
            sdist[0] = True
            continue
        for tag in parsed.tags:
            if (py := _python_of(tag.interpreter)) is not None:
                pythons.add(py)
            if tag.platform != "any":
                base, arch = split_platform(tag.platform)
                archs.add(arch)
                platforms.add(base)
    releases = tuple(
        Release(v, frozenset(p), frozenset(a), frozenset(pl), s[0])
        for v, (p, a, pl, s) in sorted(found.items())
    )
    return Shipped(distribution, releases)


def _span(versions: Sequence[Version], among: Sequence[Version]) -> str:
    """``versions`` (a subset of ``among``, both sorted) in a few words: listed when few, else
    as runs of consecutive versions of ``among`` ("0.3.7 to 0.3.12 (12 versions)")."""
    texts = [str(v) for v in versions]
    if len(texts) <= 4:
        return ", ".join(texts)
    position = {v: i for i, v in enumerate(among)}
    runs: list[list[Version]] = []
    for v in versions:
        if runs and position.get(v, -2) == position.get(runs[-1][-1], -5) + 1:
            runs[-1].append(v)
        else:
            runs.append([v])
    parts = [f"{r[0]} to {r[-1]}" if len(r) > 2 else ", ".join(map(str, r)) for r in runs]
    if len(parts) > 4:
        parts = [*parts[:3], "…", parts[-1]]
    return f"{'; '.join(parts)} ({len(texts)} versions)"


def differences(config: TrainConfig, history: Mapping[str, Shipped]) -> list[str]:
    """Where the table and the index disagree, one line each; ``history`` maps a variant's
    name to what its distribution shipped (a variant never published is said so)."""
    lines: list[str] = []
    main = config.variants[0].name if config.variants else None
    main_versions = (
        {r.version for r in history[main].releases}
        if main is not None and main in history
        else set()
    )
    for variant in config.variants:
        past = history.get(variant.name)
        name = f"{variant.name} ({variant.distribution})"
        if past is None or not past.releases:
            lines.append(f"{name}: nothing on the index yet; its first release creates it")
            continue
        latest = past.latest
        if latest is None:  # pragma: no cover - releases is not empty
            continue
        every = [r.version for r in past.releases]
        table_py = set(variant.python)
        added = sorted(table_py - latest.pythons, key=_py_key)
        dropped = sorted(latest.pythons - table_py, key=_py_key)
        if added:
            lines.append(
                f"{name}: the table builds CPython {', '.join(added)}, which {latest.version} "
                "(the latest release) did not ship"
            )
        if dropped:
            lines.append(
                f"{name}: {latest.version} shipped CPython {', '.join(dropped)}, which the "
                "table no longer builds"
            )
        for arch in variant.archs:
            without = [r.version for r in past.releases if r.archs and arch not in r.archs]
            if without:
                lines.append(
                    f"{name}: the table builds {arch}; the index has none for {_span(without, every)}"
                )
        for arch in sorted(latest.archs - set(variant.archs)):
            lines.append(
                f"{name}: {latest.version} shipped {arch} wheels, which the table does not build"
            )
        allowed = platform_version(variant.max_platform)
        newer = sorted(
            p for p in latest.platforms if (v := platform_version(p)) and allowed and v > allowed
        )
        if newer:
            lines.append(
                f"{name}: {latest.version} is tagged {', '.join(newer)}, newer than the table's "
                f"max-platform {variant.max_platform}"
            )
        if "monthly" not in variant.releases and variant.name != main and main_versions:
            shared = sorted(r.version for r in past.releases if r.version in main_versions)
            if shared:
                lines.append(
                    f"{name}: released by hand only in the table, yet the index has it with "
                    f"the {main} releases {_span(shared, every)}"
                )
    return lines


def proposal(past: Shipped) -> dict[str, object]:
    """The table a project without a profile starts from: the CPythons and architectures its
    latest release shipped, and that release's newest platform tag."""
    latest = past.latest
    if latest is None or not latest.pythons:
        return {}
    table: dict[str, object] = {"python": sorted(latest.pythons, key=_py_key)}
    if latest.archs:
        table["archs"] = sorted(latest.archs)
    tags = [p for p in latest.platforms if platform_version(p) is not None]
    if tags:
        newest = max(tags, key=lambda p: platform_version(p) or (0, 0))
        glibc = platform_version(newest) or (2, 28)
        table["max-platform"] = f"manylinux_{glibc[0]}_{glibc[1]}"
    return table
