"""The python-semantic-release adapter: its CLI, run in the project's root."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from wheeltrain.adapters.proc import run
from wheeltrain.core.redact import redact
from wheeltrain.core.versioning import BumpLevel
from wheeltrain.errors import StepFailed

__all__ = ["error_lines", "next_version"]

_PSR = [sys.executable, "-m", "semantic_release"]
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_NOISE = re.compile(r"very verbose mode|^usage:|^Try '", re.IGNORECASE)


def error_lines(text: str, limit: int = 3) -> str:
    """semantic-release's own error lines (not its advice to re-run with ``-vv``), on one
    line, without colour codes or credentials."""
    lines = [_ANSI.sub("", line).strip() for line in text.splitlines()]
    lines = [line for line in lines if line and not _NOISE.search(line)]
    errors = [line for line in lines if "error" in line.lower()] or lines[-1:]
    text = "; ".join(dict.fromkeys(errors[-limit:]))
    return redact(text)[:400] or "no message"


def next_version(root: Path, forced: BumpLevel | None) -> str:
    """The version semantic-release would release at HEAD (``--noop version --print``, its
    last line: the current version when it would release nothing). Nothing is changed."""
    args = [*_PSR, "--noop", "version", "--print"]
    if forced is not None:
        args.append(f"--{forced.label}")
    proc = run(
        args, cwd=root, check=False, timeout=600, what="semantic-release --noop version --print"
    )
    if proc.returncode != 0:
        raise StepFailed(f"semantic-release could not check the plan: {error_lines(proc.stderr)}")
    lines = proc.stdout.strip().splitlines()
    return lines[-1].strip() if lines else ""
