"""The one subprocess helper: argument lists only, our own error on failure."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from wheeltrain.errors import StepFailed

__all__ = ["run"]

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
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        last = detail[-1] if detail else f"exit code {proc.returncode}"
        raise StepFailed(f"{what or ' '.join(args[:3])} failed: {last}")
    return proc
