"""``wheeltrain lock``: what the workflows install, resolved once and pinned with hashes.

pip resolves (``pip install --dry-run --report``) for each runner platform with no user or
machine configuration, against one index; the report names every file and its sha256.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from wheeltrain.adapters.files import write_atomic
from wheeltrain.adapters.proc import last_line, run
from wheeltrain.core.lockfile import LOCK_ARCHS, RUNNING, Pin, merge_pins, render_lock
from wheeltrain.errors import StepFailed, UsageError

__all__ = ["LOCK_FILE", "lock", "requirements_for", "running_wheeltrain"]

#: Where init and lock keep the workflows' requirements file.
LOCK_FILE = ".github/wheeltrain/requirements.txt"
#: manylinux tags a runner's pip accepts, newest first (pip does not widen --platform itself).
_MANYLINUX = ("manylinux_2_28", "manylinux_2_17", "manylinux2014", "manylinux_2_5", "manylinux1")


def requirements_for(spec: str) -> tuple[list[str], bool]:
    """What to resolve for the install requirement ``spec``, and whether ``spec`` itself is
    among it: a requirement by name (``wheeltrain==0.2.0``) is locked with its dependencies;
    a URL, a VCS reference or a path is installed as given, so the dependencies of this
    wheeltrain are locked for it."""
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        parsed = Requirement(spec)
    except InvalidRequirement:
        parsed = None
    if parsed is not None and parsed.url is None:
        return [spec], True
    import importlib.metadata

    declared = importlib.metadata.requires("wheeltrain") or []
    needed = [r for r in declared if "extra ==" not in r.replace('"', "'")]
    return needed, False


def _resolve(requirements: list[str], index_url: str, python: str, arch: str) -> list[Pin]:
    with tempfile.TemporaryDirectory(prefix="wheeltrain-lock-") as tmp:
        report = Path(tmp) / "report.json"
        platforms = [arg for tag in _MANYLINUX for arg in ("--platform", f"{tag}_{arch}")]
        env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
        env.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1")
        if "PIP_CERT" in os.environ:
            env["PIP_CERT"] = os.environ["PIP_CERT"]
        # markers (python_version) are pip's own interpreter's: resolve with that CPython
        # where this machine has it
        from wheeltrain.adapters.builder import find_python

        interpreter = find_python(python) or sys.executable
        proc = run(
            [
                interpreter, "-m", "pip", "install", "--dry-run", "--ignore-installed",
                "--quiet", "--report", str(report), "--index-url", index_url,
                "--only-binary=:all:", *platforms, "--python-version", python,
                "--implementation", "cp", "--target", str(Path(tmp) / "unused"), *requirements,
            ],
            env=env,
            check=False,
            timeout=600,
            what="pip install --dry-run",
        )  # fmt: skip
        if proc.returncode != 0:
            raise StepFailed(
                f"pip could not resolve what the workflows install for CPython {python} on "
                f"{arch} from {index_url}: {last_line(proc)}"
            )
        data = json.loads(report.read_text(encoding="utf-8"))
    pins = []
    for item in data.get("install", []):
        meta = item.get("metadata", {})
        info = item.get("download_info", {})
        digest = info.get("archive_info", {}).get("hashes", {}).get("sha256")
        if not digest:
            raise StepFailed(
                f"{meta.get('name')} {meta.get('version')}: {index_url} gives no sha256 for "
                f"{info.get('url')}: lock against an index that does"
            )
        pins.append(Pin(str(meta["name"]), str(meta["version"]), (digest,)))
    return pins


def running_wheeltrain() -> tuple[str, str]:
    """Where the wheeltrain that runs now came from, as pip recorded it (PEP 610): ``("index",
    "wheeltrain==X")`` when from an index, ``("wheel", PATH)`` from a wheel file that is still
    there, ``("build", SOURCE)`` from a folder (an editable checkout) or a URL."""
    import importlib.metadata
    import urllib.parse
    import urllib.request

    dist = importlib.metadata.distribution("wheeltrain")
    text = dist.read_text("direct_url.json")
    if not text:
        return "index", f"wheeltrain=={dist.version}"
    try:
        data = json.loads(text)
        url = str(data["url"])
    except (ValueError, KeyError, TypeError):
        return "index", f"wheeltrain=={dist.version}"
    if url.startswith("file://"):
        path = urllib.request.url2pathname(urllib.parse.urlparse(url).path)
        if "archive_info" in data and path.endswith(".whl") and Path(path).is_file():
            return "wheel", path
        if "dir_info" in data and Path(path).is_dir():
            return "build", path
    vcs = data.get("vcs_info")
    if isinstance(vcs, dict) and vcs.get("vcs") and vcs.get("commit_id"):
        return "build", f"{vcs['vcs']}+{url}@{vcs['commit_id']}"
    return "build", url


def _build_wheel(source: str, dest: Path) -> Path:
    """``pip wheel --no-deps SOURCE``: the one wheel of a folder, URL or VCS reference."""
    dest.mkdir(parents=True, exist_ok=True)
    proc = run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(dest),
         source],
        check=False, timeout=600, what="pip wheel",
    )  # fmt: skip
    made = sorted(dest.glob("*.whl"))
    if proc.returncode != 0 or len(made) != 1:
        raise StepFailed(f"could not build a wheel of {source}: {last_line(proc)}")
    return made[0]


def _requires(wheel: Path) -> list[str]:
    """The wheel's own ``Requires-Dist`` (extras left out): what its lock must pin."""
    import email.parser
    import zipfile

    try:
        with zipfile.ZipFile(wheel) as archive:
            name = next(
                n
                for n in archive.namelist()
                if n.count("/") == 1 and n.endswith(".dist-info/METADATA")
            )
            meta = email.parser.BytesParser().parsebytes(archive.read(name))
    except (OSError, zipfile.BadZipFile, StopIteration):
        raise UsageError(f"{wheel} is not a wheel with metadata") from None
    declared = meta.get_all("Requires-Dist") or []
    return [r for r in declared if "extra ==" not in r.replace('"', "'")]


def _is_requirement_by_name(spec: str) -> bool:
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        return Requirement(spec).url is None
    except InvalidRequirement:
        return False


def lock(
    spec: str | None,
    *,
    index_url: str = "https://pypi.org/simple/",
    python: str = "3.12",
    out: Path,
    progress: Callable[[str], None] = lambda _: None,
    dry_run: bool = False,
) -> tuple[list[Pin], bool, Path | None]:
    """Resolve what the workflows install and write the requirements file ``out``; returns
    the pins, whether wheeltrain itself is pinned by name, and the wheel bundled beside the
    lock (``None`` when wheeltrain comes from the index).

    ``spec`` is a requirement by name (pinned from the index, with what it needs), a wheel
    file, or a folder, URL or VCS reference (built into a wheel); either of the last two is
    kept beside the lock and installed hash-checked like every pin, so the workflows need no
    index that has wheeltrain. ``None``: the wheeltrain that runs now, exactly."""
    if spec is not None and (not spec.strip() or "\n" in spec):
        raise UsageError("--install must be one pip requirement, URL or path")
    label = spec or RUNNING
    with tempfile.TemporaryDirectory(prefix="wheeltrain-bundle-") as tmp:
        wheel: Path | None = None
        if spec is None:
            kind, value = running_wheeltrain()
            if kind == "index":
                spec = value
            elif kind == "wheel":
                wheel = Path(value)
            else:
                progress(f"building wheeltrain's wheel from {value}")
                wheel = _build_wheel(value, Path(tmp))
        elif not _is_requirement_by_name(spec):
            path = Path(spec)
            wheel = path if spec.endswith(".whl") and path.is_file() else None
            if wheel is None:
                progress(f"building the wheel of {spec}")
                wheel = _build_wheel(spec, Path(tmp))
        if wheel is None:
            requirements, self_pinned = requirements_for(spec or "wheeltrain")
        else:
            requirements, self_pinned = _requires(wheel), False
        if spec == ".":
            # wheeltrain's own repository: the workflows install the checkout they run on,
            # after the pins (its dependencies)
            wheel = None
        by_arch = {}
        for arch in LOCK_ARCHS:
            progress(
                f"resolving {len(requirements)} requirement(s) for CPython {python} on {arch} "
                f"from {index_url} (pip download, every file hashed)"
            )
            by_arch[arch] = _resolve(requirements, index_url, python, arch)
        pins = merge_pins(by_arch)
        bundled = None
        kept: Path | None = None
        if dry_run:
            return pins, self_pinned, None if wheel is None else out.parent / wheel.name
        out.parent.mkdir(parents=True, exist_ok=True)
        if wheel is not None:
            import hashlib
            import shutil

            kept = out.parent / wheel.name
            if wheel.resolve() != kept.resolve():
                shutil.copyfile(wheel, kept)
            # an older bundled wheel of the same project is replaced, never kept beside it
            for old in out.parent.glob(f"{kept.name.split('-', 1)[0]}-*.whl"):
                if old.name != kept.name:
                    old.unlink()
            digest = hashlib.sha256(kept.read_bytes()).hexdigest()
            bundled = (f"{LOCK_FILE.rsplit('/', 1)[0]}/{kept.name}", digest)
        write_atomic(out, render_lock(pins, spec=label, python=python, bundled=bundled))
    return pins, self_pinned, kept
