"""``[tool.wheeltrain]``: the variant table, validated once into frozen values. Pure.

Every default is written down in :data:`DEFAULTS` (and :data:`VARIANT_DEFAULTS`); unknown keys
and bad values are refused with one line that names the key and what is allowed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from wheeltrain.errors import ConfigError

__all__ = [
    "ARCHS",
    "DEFAULTS",
    "EVENTS",
    "KINDS",
    "RELEASES",
    "VARIANT_DEFAULTS",
    "TrainConfig",
    "Variant",
    "canonical_name",
    "parse_config",
    "platform_version",
    "split_platform",
]

#: What a variant's ``releases`` may name.
RELEASES = ("monthly", "hotfix", "tag", "manual")
#: The events a matrix is made for: the releases, and the nightly, which builds every variant.
EVENTS = (*RELEASES, "nightly")
ARCHS = ("x86_64", "aarch64")
PYTHONS = ("3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14")

#: The defaults of ``[tool.wheeltrain]``: one place.
DEFAULTS: dict[str, Any] = {
    "python": ["3.10", "3.11", "3.12", "3.13", "3.14"],
    "archs": ["x86_64", "aarch64"],
    "runners": {"x86_64": "ubuntu-24.04", "aarch64": "ubuntu-24.04-arm"},
    "sdist": [],
    # how many new projects PyPI lets one account or address create in 24 hours
    "new-projects-per-day": 4,
    # the project's git submodules are part of its source: workflows check them out, and a
    # build refuses a checkout where one is missing
    "submodules": False,
}

#: The defaults of each ``[tool.wheeltrain.variants.NAME]`` table.
VARIANT_DEFAULTS: dict[str, Any] = {
    "releases": ["monthly", "hotfix", "tag", "manual"],
    "environment": {},
    "image": "quay.io/pypa/manylinux_2_28_{arch}",
    "forbid-libraries": [],
    "max-platform": "manylinux_2_28",
    "cuda": None,
    "smoke": None,
    # what the wheels are: "platform" (one per CPython and arch), "abi3" (one per arch, built
    # for the lowest CPython of the variant, for all newer ones) or "pure" (one py3-none-any)
    "kind": "platform",
    # the largest file an upload may send, in MiB: PyPI's default limit (a project can be
    # granted more); check stops a larger file before anything is tagged or uploaded
    "max-file-size-mb": 100,
    # the project's total size on the index, in GiB: PyPI's default limit (a project can be
    # granted more); publish stops a release that would cross it before anything is public
    "max-project-size-gb": 10,
    # cibuildwheel settings of this variant (unset: the project's [tool.cibuildwheel] ones)
    "before-all": None,
    "before-build": None,
    "test-command": None,
    "test-requires": [],
    "arch-environment": {},  # arch -> { NAME = "value" }, added to environment for that arch
    # auditwheel: libraries never bundled (default: the CUDA set for CUDA variants, else none)
    "repair-exclude": None,
    # check: shared libraries every wheel must need (default: libcudart.so.<major> with cuda)
    "require-libraries": None,
    # the GPU architectures a CUDA variant's wheels carry ("8.0", "9.0", ...); check lists
    # what the wheels really hold against them where cuobjdump is installed
    "cuda-archs": [],
    # "ccache": one compiler cache per variant and architecture, shared by its CPython builds
    # and kept between workflow runs
    "compiler-cache": None,
    # Debian/Ubuntu packages a user of the variant installs (what the repair leaves out, such as
    # the RDMA userspace): installed into the smoke container, and on the runner by
    # ``smoke --system-packages``
    "runtime-packages": [],
    # required: "distribution", "import-name"; optional overrides: "python", "archs"
}

#: Libraries a CUDA wheel of the torch ecosystem must not carry: the driver and the runtime
#: come from the system or from torch's own wheels, the RDMA userspace from the system.
CUDA_EXCLUDES = (
    "libcuda.so*",
    "libcudart.so*",
    "libnvrtc*",
    "libtorch*",
    "libc10*",
    "libibverbs.so*",
    "librdmacm.so*",
    "libmlx5.so*",
)
#: The kinds of wheel a variant can ship.
KINDS = ("platform", "abi3", "pure")
_VARIANT_KEYS = {*VARIANT_DEFAULTS, "distribution", "import-name", "python", "archs"}
_TOP_KEYS = {*DEFAULTS, "variants", "variant-defaults"}
#: What ``[tool.wheeltrain.variant-defaults]`` may set for every variant.
_SHARED_KEYS = set(VARIANT_DEFAULTS)
COMPILER_CACHES = ("ccache",)
_PACKAGE = re.compile(r"^[a-z0-9][a-z0-9+.-]+$")
_CUDA_ARCH = re.compile(r"^\d+\.\d+[af]?$")
_PLATFORM = re.compile(r"^manylinux_(\d+)_(\d+)$")
_LEGACY = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


_PLATFORM_TAG = re.compile(
    r"^(?P<base>manylinux_\d+_\d+|musllinux_\d+_\d+|manylinux1|manylinux2010|manylinux2014|"
    r"linux)_(?P<arch>.+)$"
)


_NAME = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)


def canonical_name(name: str) -> str:
    """A distribution name normalised as PEP 503 says (``packaging.utils``)."""
    from packaging.utils import canonicalize_name

    return str(canonicalize_name(name))


def split_platform(plat: str) -> tuple[str, str]:
    """``manylinux_2_28_x86_64`` -> (``manylinux_2_28``, ``x86_64``)."""
    match = _PLATFORM_TAG.match(plat)
    return (match["base"], match["arch"]) if match else (plat, plat)


def platform_version(tag: str) -> tuple[int, int] | None:
    """glibc version of a manylinux platform tag (without the arch): ``manylinux_2_28`` ->
    (2, 28); legacy aliases included; ``None`` for anything else."""
    if tag in _LEGACY:
        return _LEGACY[tag]
    match = _PLATFORM.match(tag)
    return (int(match[1]), int(match[2])) if match else None


@dataclass(frozen=True)
class Variant:
    name: str
    distribution: str
    import_name: str
    releases: tuple[str, ...]
    environment: tuple[tuple[str, str], ...]
    images: tuple[tuple[str, str], ...]  # arch -> container image
    forbid_libraries: tuple[str, ...]
    max_platform: str
    cuda: str | None
    smoke: str | None
    python: tuple[str, ...]
    archs: tuple[str, ...]
    before_all: str | None = None
    before_build: str | None = None
    test_command: str | None = None
    test_requires: str | None = None
    arch_environment: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()
    repair_exclude: tuple[str, ...] | None = None
    require_libraries: tuple[str, ...] | None = None
    kind: str = "platform"
    max_file_size_mb: float = 100
    max_project_size_gb: float = 10
    cuda_archs: tuple[str, ...] = ()
    compiler_cache: str | None = None
    runtime_packages: tuple[str, ...] = ()

    @property
    def lowest_python(self) -> str:
        """The oldest CPython of the variant: an abi3 wheel's tag (``cp310-abi3``)."""
        return min(self.python, key=lambda v: tuple(int(p) for p in v.split(".")))

    def image_for(self, arch: str) -> str:
        return dict(self.images)[arch]

    def environment_for(self, arch: str) -> tuple[tuple[str, str], ...]:
        """The build environment on ``arch``: ``environment`` and that arch's additions."""
        return (*self.environment, *dict(self.arch_environment).get(arch, ()))

    @property
    def never_bundled(self) -> tuple[str, ...]:
        """What auditwheel must not graft into this variant's wheels (``repair-exclude``; by
        default the CUDA driver, runtime, torch and RDMA libraries for a CUDA variant)."""
        if self.repair_exclude is not None:
            return self.repair_exclude
        return CUDA_EXCLUDES if self.cuda is not None else ()

    @property
    def required_libraries(self) -> tuple[str, ...]:
        """Shared libraries each wheel must need: a CUDA X.Y variant links ``libcudart.so.X``
        (a CPU-only build under a CUDA name, or the wrong CUDA major, is stopped)."""
        if self.require_libraries is not None:
            return self.require_libraries
        if self.cuda is not None:
            return (f"libcudart.so.{self.cuda.split('.')[0]}",)
        return ()

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "kind": self.kind,
            "max-file-size-mb": self.max_file_size_mb,
            "max-project-size-gb": self.max_project_size_gb,
            "cuda-archs": list(self.cuda_archs),
            "compiler-cache": self.compiler_cache,
            "runtime-packages": list(self.runtime_packages),
            "distribution": self.distribution,
            "import-name": self.import_name,
            "releases": list(self.releases),
            "environment": dict(self.environment),
            "image": dict(self.images),
            "forbid-libraries": list(self.forbid_libraries),
            "max-platform": self.max_platform,
            "cuda": self.cuda,
            "smoke": self.smoke,
            "python": list(self.python),
            "archs": list(self.archs),
            "before-all": self.before_all,
            "before-build": self.before_build,
            "test-command": self.test_command,
            "test-requires": self.test_requires,
            "arch-environment": {a: dict(env) for a, env in self.arch_environment},
            "repair-exclude": None if self.repair_exclude is None else list(self.repair_exclude),
            "require-libraries": list(self.required_libraries),
        }


@dataclass(frozen=True)
class TrainConfig:
    python: tuple[str, ...]
    archs: tuple[str, ...]
    runners: tuple[tuple[str, str], ...]
    sdist: tuple[str, ...]
    variants: tuple[Variant, ...]
    new_projects_per_day: int = 4
    submodules: bool = False

    def runner(self, arch: str) -> str:
        return dict(self.runners)[arch]

    def variant(self, name: str) -> Variant:
        for v in self.variants:
            if v.name == name:
                return v
        names = [v.name for v in self.variants]
        raise ConfigError(
            f"no variant {name!r}{_hint(name, names)}: variants are {', '.join(names)}"
        )

    def for_event(self, event: str) -> tuple[Variant, ...]:
        if event not in EVENTS:
            raise ConfigError(f"unknown event {event!r}: use one of {', '.join(EVENTS)}")
        if event == "nightly":
            return self.variants
        return tuple(v for v in self.variants if event in v.releases)


def _hint(key: str, allowed: Any) -> str:
    import difflib

    close = difflib.get_close_matches(key, list(allowed), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _check_keys(where: str, table: Mapping[str, Any], allowed: set[str]) -> None:
    for key in table:
        if key not in allowed:
            raise ConfigError(
                f"{where}: unknown key {key!r}{_hint(key, allowed)}; allowed: "
                + ", ".join(sorted(allowed))
            )


def _str_list(where: str, value: Any, choices: tuple[str, ...] | None = None) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where} must be a list of strings")
    if choices is not None:
        for v in value:
            if v not in choices:
                raise ConfigError(f"{where}: {v!r} is not one of {', '.join(choices)}")
    if len(set(value)) != len(value):
        raise ConfigError(f"{where} lists a value twice")
    return tuple(value)


def _string(where: str, value: Any, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where} must be a non-empty string")
    return value


def parse_config(data: Mapping[str, Any]) -> TrainConfig:
    """Validate the ``[tool.wheeltrain]`` table (``data``) into a :class:`TrainConfig`."""
    where = "[tool.wheeltrain]"
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where} must be a table")
    _check_keys(where, data, _TOP_KEYS)
    merged = {**DEFAULTS, **data}
    python = _str_list(f"{where}.python", merged["python"], PYTHONS)
    archs = _str_list(f"{where}.archs", merged["archs"], ARCHS)
    runners_raw = merged["runners"]
    if not isinstance(runners_raw, Mapping):
        raise ConfigError(f"{where}.runners must be a table of arch = runner label")
    runners = {**DEFAULTS["runners"], **runners_raw}
    for arch, label in runners.items():
        if arch not in ARCHS:
            raise ConfigError(f"{where}.runners: {arch!r} is not one of {', '.join(ARCHS)}")
        _string(f"{where}.runners.{arch}", label)
    variants_raw = data.get("variants")
    if not isinstance(variants_raw, Mapping) or not variants_raw:
        raise ConfigError(
            f"{where} has no variants: add a [tool.wheeltrain.variants.NAME] table per distribution"
        )
    shared = data.get("variant-defaults", {})
    if not isinstance(shared, Mapping):
        raise ConfigError(f"{where}.variant-defaults must be a table")
    _check_keys(f"{where}.variant-defaults", shared, _SHARED_KEYS)
    variants = tuple(
        _parse_variant(name, table, python, archs, shared) for name, table in variants_raw.items()
    )
    dists = [canonical_name(v.distribution) for v in variants]
    if len(set(dists)) != len(dists):
        raise ConfigError(f"{where}.variants: two variants publish the same distribution")
    sdist = _str_list(f"{where}.sdist", merged["sdist"], tuple(v.name for v in variants))
    per_day = merged["new-projects-per-day"]
    if isinstance(per_day, bool) or not isinstance(per_day, int) or not 1 <= per_day <= 1000:
        raise ConfigError(f"{where}.new-projects-per-day must be a whole number from 1, e.g. 4")
    submodules = merged["submodules"]
    if not isinstance(submodules, bool):
        raise ConfigError(f"{where}.submodules must be true or false")
    return TrainConfig(
        python=python,
        archs=archs,
        runners=tuple(sorted(runners.items())),
        sdist=sdist,
        variants=variants,
        new_projects_per_day=per_day,
        submodules=submodules,
    )


def _images(where: str, value: Any, archs: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """``image``: one string (``{arch}`` is replaced) or a table of arch = image."""
    if isinstance(value, str) and value.strip():
        return tuple((arch, value.replace("{arch}", arch)) for arch in archs)
    if isinstance(value, Mapping):
        missing = [arch for arch in archs if arch not in value]
        if missing:
            raise ConfigError(f"{where}.image has no image for {', '.join(missing)}")
        return tuple((arch, str(_string(f"{where}.image.{arch}", value[arch]))) for arch in archs)
    raise ConfigError(f"{where}.image must be a string (with {{arch}}) or a table of arch = image")


def _parse_variant(
    name: str,
    table: Any,
    python: tuple[str, ...],
    archs: tuple[str, ...],
    shared: Mapping[str, Any] | None = None,
) -> Variant:
    where = f"[tool.wheeltrain.variants.{name}]"
    if not re.match(r"^[a-z0-9][a-z0-9-]*$", name):
        raise ConfigError(f"{where}: variant names are lowercase letters, digits and '-'")
    if not isinstance(table, Mapping):
        raise ConfigError(f"{where} must be a table")
    _check_keys(where, table, _VARIANT_KEYS)
    merged = {**VARIANT_DEFAULTS, **(shared or {}), **table}
    for required in ("distribution", "import-name"):
        if required not in table:
            raise ConfigError(f"{where} needs {required!r}")
    distribution = str(_string(f"{where}.distribution", merged["distribution"]))
    if not _NAME.match(distribution):
        raise ConfigError(f"{where}.distribution {distribution!r} is not a valid name")
    import_name = str(_string(f"{where}.import-name", merged["import-name"]))
    if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$", import_name):
        raise ConfigError(f"{where}.import-name {import_name!r} is not a Python module name")
    environment = _environment(f"{where}.environment", merged["environment"])
    arch_env = merged["arch-environment"]
    if not isinstance(arch_env, Mapping):
        raise ConfigError(f"{where}.arch-environment must be a table of arch = {{ NAME = value }}")
    for arch in arch_env:
        if arch not in ARCHS:
            raise ConfigError(
                f"{where}.arch-environment: {arch!r} is not one of {', '.join(ARCHS)}"
            )
    arch_environment = tuple(
        (arch, tuple(sorted(_environment(f"{where}.arch-environment.{arch}", value).items())))
        for arch, value in sorted(arch_env.items())
    )
    exclude = merged["repair-exclude"]
    required = merged["require-libraries"]
    max_platform = str(_string(f"{where}.max-platform", merged["max-platform"]))
    if platform_version(max_platform) is None:
        raise ConfigError(
            f"{where}.max-platform {max_platform!r} is not a manylinux tag: write it like "
            "manylinux_2_28"
        )
    cuda = _string(f"{where}.cuda", merged["cuda"], optional=True)
    if cuda is not None and not re.match(r"^\d+\.\d+$", cuda):
        raise ConfigError(f"{where}.cuda {cuda!r} must be MAJOR.MINOR, e.g. '12.8'")
    v_python = _str_list(f"{where}.python", merged.get("python", list(python)), PYTHONS)
    v_archs = _str_list(f"{where}.archs", merged.get("archs", list(archs)), ARCHS)
    if not v_python or not v_archs:
        raise ConfigError(f"{where}: python and archs must not be empty")
    kind = merged["kind"]
    if kind not in KINDS:
        raise ConfigError(f"{where}.kind {kind!r} is not one of {', '.join(KINDS)}")
    if kind == "pure" and cuda is not None:
        raise ConfigError(f"{where}: a pure variant has no compiled code, so no cuda")
    max_size = merged["max-file-size-mb"]
    if (
        isinstance(max_size, bool)
        or not isinstance(max_size, (int, float))
        or not 0 < max_size < 1_000_000
    ):
        raise ConfigError(f"{where}.max-file-size-mb must be a positive number of MiB, e.g. 100")
    project_size = merged["max-project-size-gb"]
    if (
        isinstance(project_size, bool)
        or not isinstance(project_size, (int, float))
        or not 0 < project_size < 1_000_000
    ):
        raise ConfigError(f"{where}.max-project-size-gb must be a positive number of GiB, e.g. 10")
    return Variant(
        name=name,
        distribution=distribution,
        import_name=import_name,
        releases=_str_list(f"{where}.releases", merged["releases"], RELEASES),
        environment=tuple(sorted(environment.items())),
        images=_images(where, merged["image"], v_archs),
        forbid_libraries=_str_list(f"{where}.forbid-libraries", merged["forbid-libraries"]),
        max_platform=max_platform,
        cuda=cuda,
        smoke=_string(f"{where}.smoke", merged["smoke"], optional=True),
        python=v_python,
        archs=v_archs,
        before_all=_string(f"{where}.before-all", merged["before-all"], optional=True),
        before_build=_string(f"{where}.before-build", merged["before-build"], optional=True),
        test_command=_string(f"{where}.test-command", merged["test-command"], optional=True),
        test_requires=" ".join(_str_list(f"{where}.test-requires", merged["test-requires"]))
        or None,
        arch_environment=arch_environment,
        repair_exclude=None if exclude is None else _str_list(f"{where}.repair-exclude", exclude),
        require_libraries=None
        if required is None
        else _str_list(f"{where}.require-libraries", required),
        kind=kind,
        max_file_size_mb=max_size,
        max_project_size_gb=project_size,
        cuda_archs=_cuda_archs(where, merged["cuda-archs"], cuda),
        compiler_cache=_compiler_cache(where, merged["compiler-cache"], kind),
        runtime_packages=_packages(where, merged["runtime-packages"]),
    )


def _packages(where: str, value: Any) -> tuple[str, ...]:
    names = _str_list(f"{where}.runtime-packages", value)
    for name in names:
        if not _PACKAGE.match(name):
            raise ConfigError(f"{where}.runtime-packages: {name!r} is not a Debian package name")
    return names


def with_environment(variant: Variant, overrides: Mapping[str, str]) -> Variant:
    """``variant`` with ``overrides`` set in its build environment on every architecture (a
    name given here replaces the variant's own and its per-architecture values)."""
    if not overrides:
        return variant
    from dataclasses import replace

    environment = {**dict(variant.environment), **overrides}
    arch_environment = tuple(
        (arch, tuple((k, v) for k, v in values if k not in overrides))
        for arch, values in variant.arch_environment
    )
    return replace(
        variant,
        environment=tuple(sorted(environment.items())),
        arch_environment=arch_environment,
    )


def with_max_platform(config: TrainConfig, tag: str) -> TrainConfig:
    """``config`` with every variant's ``max-platform`` set to ``tag`` (``check
    --max-platform``); a tag that is not ``manylinux_X_Y`` is bad input."""
    from dataclasses import replace

    if platform_version(tag) is None:
        raise ConfigError(f"--max-platform {tag!r} is not a manylinux tag like manylinux_2_28")
    return replace(config, variants=tuple(replace(v, max_platform=tag) for v in config.variants))


def parse_assignment(text: str) -> tuple[str, str]:
    """``NAME=value`` (``--env``) -> (NAME, value); bad input raises ConfigError."""
    name, sep, value = text.partition("=")
    if not sep or not _ENV_NAME.match(name):
        raise ConfigError(f"--env {text!r}: give NAME=value, NAME a variable name")
    return name, value


def _cuda_archs(where: str, value: Any, cuda: str | None) -> tuple[str, ...]:
    archs = _str_list(f"{where}.cuda-archs", value)
    for arch in archs:
        if not _CUDA_ARCH.match(arch):
            raise ConfigError(f"{where}.cuda-archs: {arch!r} is not a GPU architecture like '9.0'")
    if archs and cuda is None:
        raise ConfigError(f'{where}.cuda-archs needs cuda = "X.Y" (a CUDA variant)')
    return archs


def _compiler_cache(where: str, value: Any, kind: str) -> str | None:
    if value is None:
        return None
    if value not in COMPILER_CACHES:
        raise ConfigError(
            f"{where}.compiler-cache {value!r} is not one of {', '.join(COMPILER_CACHES)}"
        )
    if kind == "pure":
        raise ConfigError(f"{where}.compiler-cache: a pure variant compiles nothing")
    return str(value)


def _environment(where: str, value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping) or not all(isinstance(v, str) for v in value.values()):
        raise ConfigError(f'{where} must be a table of NAME = "value" strings')
    for key in value:
        if not _ENV_NAME.match(str(key)):
            raise ConfigError(f"{where}: {key!r} is not an environment variable name")
    return dict(value)
