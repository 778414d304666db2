"""The python-semantic-release adapter: its CLI, run in the project's root."""

from __future__ import annotations

import sys
from pathlib import Path

from wheeltrain.adapters.proc import run
from wheeltrain.core.versioning import BumpLevel
from wheeltrain.errors import StepFailed

__all__ = ["next_version", "stamp_and_tag"]

_PSR = [sys.executable, "-m", "semantic_release"]


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def next_version(root: Path) -> str:
    """What ``semantic-release --noop version --print`` prints: the next version, or the
    current one when nothing is releasable."""
    proc = run([*_PSR, "--noop", "version", "--print"], cwd=root, check=False)
    if proc.returncode != 0:
        raise StepFailed(f"semantic-release could not compute a version: {_last_line(proc.stderr)}")
    return _last_line(proc.stdout)


def stamp_and_tag(root: Path, forced: BumpLevel | None) -> None:
    """Stamp the version, update the changelog, commit and tag locally; push nothing."""
    args = [*_PSR, "version", "--no-push", "--no-vcs-release", "--skip-build"]
    if forced is not None:
        args.append(f"--{forced.label}")
    proc = run(args, cwd=root, check=False)
    if proc.returncode != 0:
        raise StepFailed(f"semantic-release version failed: {_last_line(proc.stderr)}")
