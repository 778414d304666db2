"""Smoke tests: install a released variant from the index into a fresh virtual environment and
run its import and smoke command.

pip sees only the index it is given: no user or site configuration (``PIP_CONFIG_FILE`` is
``/dev/null``, every other ``PIP_*`` variable is dropped but the certificate bundle). A variant
with no CUDA in its build is tested with no CUDA in reach either: no ``LD_LIBRARY_PATH``, no
``CUDA_HOME``, no CUDA folders on ``PATH``, ``CUDA_VISIBLE_DEVICES`` empty.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
import zipfile
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wheeltrain.adapters.proc import last_line, run
from wheeltrain.core.config import Variant
from wheeltrain.errors import StepFailed

__all__ = [
    "SmokeJob",
    "SmokeResult",
    "fetch_dependencies",
    "install_system_packages",
    "pip_env",
    "requirements_of",
    "smoke_box",
    "smoke_many",
    "smoke_one",
]


def pip_env(*, without_cuda: bool = False, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a pip that must see only the index on its command line."""
    source = dict(os.environ if base is None else base)
    env = {k: v for k, v in source.items() if not k.startswith("PIP_")}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_CACHE_DIR="1")
    if "PIP_CERT" in source:
        env["PIP_CERT"] = source["PIP_CERT"]
    env.pop("PYTHONPATH", None)
    if without_cuda:
        for key in ("LD_LIBRARY_PATH", "CUDA_HOME", "CUDA_PATH"):
            env.pop(key, None)
        env["PATH"] = os.pathsep.join(
            p for p in env.get("PATH", "").split(os.pathsep) if "cuda" not in p.lower()
        )
        env["CUDA_VISIBLE_DEVICES"] = ""
    return env


@dataclass(frozen=True)
class Box:
    """A running container a smoke test executes in: ``engine exec`` into ``name`` with only
    ``env`` (the host's environment never enters it)."""

    engine: str
    name: str
    env: tuple[tuple[str, str], ...]

    def argv(self, args: Sequence[str], cwd: Path | None) -> list[str]:
        where = ["-w", str(cwd)] if cwd is not None else []
        pairs = [a for k, v in self.env for a in ("-e", f"{k}={v}")]
        return [self.engine, "exec", *where, *pairs, self.name, *args]


def _runner(
    box: Box | None, env: dict[str, str]
) -> Callable[..., subprocess.CompletedProcess[str]]:
    """``run`` on this machine with ``env``, or inside ``box``."""

    def here(args: Sequence[str], *, cwd: Path | None = None, **kw: Any) -> Any:
        if box is None:
            return run(args, env=env, cwd=cwd, **kw)
        from wheeltrain.adapters.container import engine_env

        return run(box.argv(args, cwd), env=engine_env(box.engine), **kw)

    return here


@dataclass(frozen=True)
class SmokeResult:
    variant: str
    python: str
    ok: bool
    installed: str | None
    upgraded_from: str | None
    output: str
    problem: str | None

    def as_dict(self) -> dict[str, object]:
        return {
            "variant": self.variant,
            "python": self.python,
            "ok": self.ok,
            "installed": self.installed,
            "upgraded_from": self.upgraded_from,
            "output": self.output,
            "problem": self.problem,
        }


def smoke_one(
    variant: Variant,
    python_exe: str,
    python: str,
    version: str,
    index_url: str,
    *,
    upgrade_from: str | None = None,
    timeout: float = 300.0,
    progress: Callable[[str], None] = lambda _: None,
    find_links: Path | None = None,
    dependencies_url: str | None = None,
    box: Box | None = None,
) -> SmokeResult:
    """Install ``variant``'s distribution at ``version`` with ``python_exe`` and run its checks
    (inside ``box`` when given: a container with no more than the variant needs).

    With ``upgrade_from``, first install that release, then ``pip install --upgrade`` and
    expect ``version``: the path hotfix users take. With ``dependencies_url``, only the
    distribution's own files come from ``index_url`` (a nightly index) and everything it
    needs from ``dependencies_url`` (PyPI), as a user installs a nightly.
    """
    env = pip_env(without_cuda=variant.cuda is None)

    def result(ok: bool, installed: str | None, output: str, problem: str | None) -> SmokeResult:
        return SmokeResult(variant.name, python, ok, installed, upgrade_from, output, problem)

    with tempfile.TemporaryDirectory(prefix=f"wheeltrain-smoke-{variant.name}-") as tmp:
        home = Path(tmp)
        env_dir = home / "venv"
        where = f" in the container {box.name}" if box else ""
        progress(f"smoke {variant.name} on CPython {python}: fresh virtual environment{where}")
        try:
            if box is not None:
                env = dict(box.env)
                _runner(box, env)(["mkdir", "-p", str(home)], check=True, timeout=60)
            return _smoke_in(
                home,
                env_dir,
                env,
                variant,
                python_exe,
                version,
                index_url,
                upgrade_from,
                timeout,
                result,
                find_links,
                dependencies_url,
                box,
            )
        except StepFailed as exc:  # a command that hung or could not start
            return result(False, None, "", str(exc))


def _smoke_in(
    home: Path,
    env_dir: Path,
    env: dict[str, str],
    variant: Variant,
    python_exe: str,
    version: str,
    index_url: str,
    upgrade_from: str | None,
    timeout: float,
    result: Callable[[bool, str | None, str, str | None], SmokeResult],
    find_links: Path | None = None,
    dependencies_url: str | None = None,
    box: Box | None = None,
) -> SmokeResult:
    run = _runner(box, env)
    proc = run(
        [python_exe, "-m", "venv", str(env_dir)],
        check=False,
        timeout=timeout,
        what="python -m venv",
    )
    if proc.returncode != 0:
        return result(False, None, "", f"python -m venv failed: {last_line(proc)}")
    py = str(env_dir / "bin" / "python")

    dist = variant.distribution
    own = home / "own"
    links = find_links
    if dependencies_url is not None:
        # the release's own files from its index, with nothing else: the rest from
        # dependencies_url, so no dependency can come from the nightly index
        for wanted in filter(None, (upgrade_from, version)):
            proc = run(
                [py, "-m", "pip", "download", "--quiet", "--no-deps", "--index-url", index_url,
                 "--dest", str(own), f"{dist}=={wanted}"],
                cwd=home, timeout=timeout, check=False, what="pip download",
            )  # fmt: skip
            if proc.returncode != 0:
                return result(False, None, "", f"pip download {dist}=={wanted}: {last_line(proc)}")
        links = own

    def pip(*args: str) -> subprocess.CompletedProcess[str]:
        return run(
            [
                py,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--index-url",
                dependencies_url or index_url,
                *(("--find-links", str(links)) if links is not None else ()),
                *args,
            ],
            cwd=home,
            timeout=timeout,
            check=False,
            what="pip install",
        )

    if upgrade_from is not None:
        proc = pip(f"{dist}=={upgrade_from}")
        if proc.returncode != 0:
            return result(False, None, "", f"installing {dist}=={upgrade_from}: {last_line(proc)}")
        proc = pip("--upgrade", dist)
    else:
        proc = pip(f"{dist}=={version}")
    if proc.returncode != 0:
        return result(False, None, "", f"pip install {dist}: {last_line(proc)}")
    proc = run(
        [py, "-c", f"import importlib.metadata as m; print(m.version({dist!r}))"],
        cwd=home,
        timeout=timeout,
        check=False,
    )
    installed = proc.stdout.strip() or None
    if installed != version:
        how = f"pip install --upgrade from {upgrade_from}" if upgrade_from else "pip"
        return result(False, installed, "", f"{how} gave {installed}, expected {version}")
    proc = run(
        [py, "-c", f"import {variant.import_name}"],
        cwd=home,
        timeout=timeout,
        check=False,
        what=f"import {variant.import_name}",
    )
    if proc.returncode != 0:
        return result(False, installed, "", f"import {variant.import_name}: {last_line(proc)}")
    output = ""
    if variant.smoke:
        # the smoke command runs in a shell with the fresh environment activated: ``python``
        # and the distribution's scripts are the installed ones, and ``&&`` chains steps
        bin_dir = env_dir / "bin"
        path = f"{bin_dir}:{env.get('PATH', os.defpath)}"
        activated = f"VIRTUAL_ENV={shlex.quote(str(env_dir))} PATH={shlex.quote(path)}; export VIRTUAL_ENV PATH; "
        proc = run(
            ["sh", "-c", activated + variant.smoke],
            cwd=home,
            timeout=timeout,
            check=False,
            what="the smoke command",
        )
        output = proc.stdout.strip()
        if proc.returncode != 0:
            return result(False, installed, output, f"smoke command failed: {last_line(proc)}")
    return result(True, installed, output, None)


@dataclass(frozen=True)
class SmokeJob:
    variant: Variant
    python_exe: str
    python: str
    upgrade_from: str | None = None


def smoke_many(
    jobs: list[SmokeJob],
    version: str,
    index_url: str,
    *,
    workers: int = 2,
    progress: Callable[[str], None] = lambda _: None,
    find_links: Path | None = None,
    dependencies_url: str | None = None,
    boxes: Mapping[str, Box] | None = None,
) -> list[SmokeResult]:
    """:func:`smoke_one` for every job, ``workers`` at a time; results in the jobs' order.
    With ``boxes`` (variant name -> container), each variant's jobs run in its container.

    Each job has its own virtual environment, so they do not interfere; most of their time is
    spent waiting for venv and pip.
    """
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = [
            pool.submit(
                smoke_one,
                job.variant,
                job.python_exe,
                job.python,
                version,
                index_url,
                upgrade_from=job.upgrade_from,
                progress=progress,
                find_links=find_links,
                dependencies_url=dependencies_url,
                box=(boxes or {}).get(job.variant.name),
            )
            for job in jobs
        ]
        return [f.result() for f in futures]


#: Where a CUDA variant's smoke container finds ``libcuda.so.1``: the toolkit's link stub
#: stands in for the driver, as on a build machine without a GPU.
STUB_DIR = "/opt/wheeltrain/cuda-stub"


@contextmanager
def smoke_box(
    variant: Variant, python_exes: Sequence[str], find_links: Path | None = None
) -> Iterator[Box]:
    """A container for ``variant``'s smoke tests: wheeltrain's local builder image (Debian,
    no CUDA) with the CPythons and ``find_links`` mounted at their own paths. A variant built
    without CUDA gets no CUDA library at all, so a wheel that needs one fails to import; a
    CUDA variant gets this machine's toolkit, read-only, and the driver's link stub."""
    import secrets

    from wheeltrain.adapters import container

    exes = {str(i): exe for i, exe in enumerate(python_exes)}
    image, prefixes = container.builder_image()
    mounts: list[str] = []
    for prefix in container.python_prefixes(exes).values():
        if prefix not in prefixes.values():
            mounts += ["-v", f"{prefix}:{prefix}:ro"]
    if find_links is not None:
        where = find_links.resolve()
        mounts += ["-v", f"{where}:{where}:ro"]
    env = {
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "HOME": "/root",
        "PIP_CONFIG_FILE": "/dev/null",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_NO_CACHE_DIR": "1",
        "PIP_CERT": container.CA_BUNDLE,
    }
    cuda_setup: list[str] = []
    if variant.cuda is None:
        env["CUDA_VISIBLE_DEVICES"] = ""
    else:
        toolkit = Path("/usr/local/cuda").resolve()
        mounts += ["-v", f"{toolkit}:/usr/local/cuda:ro"]
        env["CUDA_HOME"] = "/usr/local/cuda"
        env["LD_LIBRARY_PATH"] = f"/usr/local/cuda/lib64:{STUB_DIR}"
        stub = next(
            (
                f"/usr/local/cuda/{p.relative_to(toolkit)}"
                for p in sorted(toolkit.glob("**/stubs/libcuda.so"))
            ),
            None,
        )
        if stub is not None:
            cuda_setup = [
                "sh",
                "-c",
                f"mkdir -p {STUB_DIR} && ln -sf {stub} {STUB_DIR}/libcuda.so.1",
            ]
        elif (made := container.cuda_driver_stub(toolkit)) is not None:
            mounts += ["-v", f"{made}:{STUB_DIR}:ro"]
    args = container.create_args(prefixes, mounts)
    with container.running_box(image, args, token=secrets.token_hex(6)) as (engine, name):
        box = Box(engine, name, tuple(sorted(env.items())))
        if cuda_setup:
            _runner(box, env)(cuda_setup, check=True, timeout=60)
        if variant.runtime_packages:
            install_system_packages(variant.runtime_packages, box=box)
        yield box


def install_system_packages(packages: Sequence[str], *, box: Box | None = None) -> None:
    """``apt-get install`` the ``packages`` a variant's users install themselves, in ``box`` or
    on this machine (with ``sudo`` when not root); one line on failure."""
    if not packages:
        return
    script = (
        "export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && "
        "apt-get install -y -qq --no-install-recommends " + " ".join(map(shlex.quote, packages))
    )
    argv = ["sh", "-c", script]
    if box is None and os.geteuid() != 0:
        argv = ["sudo", "-n", *argv]
    proc = _runner(box, dict(box.env) if box else dict(os.environ))(
        argv, check=False, timeout=1200, what="apt-get install"
    )
    if proc.returncode != 0:
        raise StepFailed(
            f"installing the runtime packages {' '.join(packages)} failed: {last_line(proc)}"
        )


def requirements_of(wheels: Sequence[Path], own: Collection[str]) -> list[str]:
    """The ``Requires-Dist`` lines of the built wheels, but those on the release's own
    distributions (``own``, canonical names): what an index must also hold to install them."""
    from email.parser import HeaderParser

    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    found: dict[str, None] = {}
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as zf:
            names = [
                n for n in zf.namelist() if n.endswith(".dist-info/METADATA") and n.count("/") == 1
            ]
            if len(names) != 1:
                continue
            text = zf.read(names[0]).decode("utf-8", "replace")
        for line in HeaderParser().parsestr(text).get_all("Requires-Dist") or []:
            try:
                requirement = Requirement(line)
            except InvalidRequirement:
                continue  # check's twine check names a broken METADATA
            if canonicalize_name(requirement.name) not in own:
                found[str(requirement)] = None
    return list(found)


def fetch_dependencies(
    requirements: Sequence[str],
    pythons: Sequence[str],
    dest: Path,
    *,
    timeout: float = 900.0,
    progress: Callable[[str], None] = lambda _: None,
) -> int:
    """Download ``requirements`` as each interpreter of ``pythons`` would install them (its own
    markers and wheels), from the index pip is configured with, into ``dest``; returns how many
    files ``dest`` gained. For an index that holds only the release (a rehearsal's)."""
    before = set(dest.iterdir()) if dest.is_dir() else set()
    for python_exe in pythons:
        progress(f"dependencies for {python_exe}: pip download of {len(requirements)}")
        proc = run(
            [python_exe, "-m", "pip", "download", "--quiet", "--dest", str(dest), *requirements],
            env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
            timeout=timeout,
            check=False,
            what="pip download",
        )
        if proc.returncode != 0:
            raise StepFailed(
                f"the release's dependencies could not be downloaded with {python_exe}: "
                f"{last_line(proc)}"
            )
    return len(set(dest.iterdir()) - before)
