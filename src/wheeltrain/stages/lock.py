"""``wheeltrain lock``: what the workflows install, resolved once and pinned with hashes.

pip resolves (``pip install --dry-run --report``) for each runner platform with no user or
machine configuration, against one index; the report names every file and its sha256.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

from wheeltrain.adapters.proc import last_line, run
from wheeltrain.core.lockfile import LOCK_ARCHS, Pin, merge_pins, render_lock
from wheeltrain.errors import StepFailed, UsageError

__all__ = ["LOCK_FILE", "lock", "requirements_for"]

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


def lock(
    spec: str,
    *,
    index_url: str = "https://pypi.org/simple/",
    python: str = "3.12",
    out: Path,
) -> tuple[list[Pin], bool]:
    """Resolve ``spec`` for every runner platform and write the requirements file ``out``;
    returns the pins and whether ``spec`` itself is pinned in it."""
    if not spec.strip() or "\n" in spec:
        raise UsageError("--install must be one pip requirement, URL or path")
    requirements, self_pinned = requirements_for(spec)
    by_arch = {arch: _resolve(requirements, index_url, python, arch) for arch in LOCK_ARCHS}
    pins = merge_pins(by_arch)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_lock(pins, spec=spec, python=python), encoding="utf-8")
    return pins, self_pinned
