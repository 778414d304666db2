"""The one subprocess helper: argument lists only, our own error on failure."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from wheeltrain.errors import StepFailed

__all__ = ["last_line", "run"]

VERBOSE = os.environ.get("WHEELTRAIN_VERBOSE") == "1"


def run(
    args: Sequence[str],
    *,
    cwd: Path | str | None = None,
    env: Mapping[str, str] | None = None,
    check: bool = True,
    input_text: str | None = None,
    timeout: float | None = None,
    what: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``args``; on failure raise :class:`StepFailed` carrying the command's stderr."""
    if VERBOSE:
        print("+ " + " ".join(args), file=sys.stderr)
    try:
        proc = subprocess.run(
            list(args),
            cwd=cwd,
            env=dict(env) if env is not None else None,
            input=input_text,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError:
        raise StepFailed(
            f"{args[0]} is not installed or not on PATH: install it and retry"
        ) from None
    except subprocess.TimeoutExpired:
        raise StepFailed(f"{what or args[0]} did not finish within {timeout:.0f} s") from None
    if check and proc.returncode != 0:
        raise StepFailed(f"{what or ' '.join(args[:3])} failed: {last_line(proc)}")
    return proc


def last_line(proc: subprocess.CompletedProcess[str]) -> str:
    """The last non-empty line a failed command printed (stderr first), for a one-line error."""
    for text in (proc.stderr, proc.stdout):
        lines = [line for line in (text or "").strip().splitlines() if line.strip()]
        if lines:
            return lines[-1].strip()
    return f"exit code {proc.returncode}"
