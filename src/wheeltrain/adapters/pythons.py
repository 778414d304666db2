"""The CPythons of this machine: on PATH, or installed by pyenv (each asked its version)."""

from __future__ import annotations

import os
import shutil
from functools import cache
from pathlib import Path

from wheeltrain.adapters.proc import run
from wheeltrain.errors import StepFailed

__all__ = ["find_python"]


@cache
def find_python(version: str, *, self_contained: bool = False) -> str | None:
    """A CPython ``version`` (``3.12``) on this machine: on PATH, or installed by pyenv.

    ``self_contained``: only an interpreter in a prefix of its own (pyenv's), which a
    container can mount at the same path; a system Python under ``/usr`` is not one.
    """
    candidates = [] if self_contained else [shutil.which(f"python{version}")]
    roots = [os.environ.get("PYENV_ROOT"), str(Path.home() / ".pyenv")]
    for root in filter(None, roots):
        versions = Path(root) / "versions"
        if versions.is_dir():
            for d in sorted(versions.glob(f"{version}.*"), reverse=True):
                candidates.append(str(d / "bin" / f"python{version}"))
    for exe in filter(None, candidates):
        try:
            proc = run(
                [exe, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                timeout=30,
                check=False,
            )
        except StepFailed:
            continue
        if proc.returncode == 0 and proc.stdout.strip() == version:
            return exe
    return None
