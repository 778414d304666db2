"""The one subprocess helper: argument lists only, our own error on failure."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import IO, TYPE_CHECKING

from wheeltrain.errors import StepFailed, UsageError

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["child_environment", "getenv", "last_line", "run", "run_logged", "start"]

VERBOSE = os.environ.get("WHEELTRAIN_VERBOSE") == "1"

#: Values every child started inside :func:`child_environment` gets on top of its environment.
_OVERLAY: dict[str, str] = {}


@contextlib.contextmanager
def child_environment(values: Mapping[str, str]) -> Iterator[None]:
    """Give every process started inside the block ``values`` (the rehearsal's homes, caches
    and temporary folder) without writing this process's ``os.environ``: a child started with
    no ``env`` gets this process's environment with ``values`` on top; one started with an
    ``env`` gets ``values`` for each name it passes on unchanged from this process (a name it
    sets itself, or leaves out, stays as the caller made it)."""
    saved = dict(_OVERLAY)
    _OVERLAY.update(values)
    try:
        yield
    finally:
        _OVERLAY.clear()
        _OVERLAY.update(saved)


def getenv(name: str, default: str | None = None) -> str | None:
    """``name`` as the tools wheeltrain starts see it now (inside :func:`child_environment`,
    its value), for the few things this process keeps where those tools do (its cache)."""
    return _OVERLAY.get(name, os.environ.get(name, default))


def _child_env(env: Mapping[str, str] | None) -> dict[str, str] | None:
    if not _OVERLAY:
        return dict(env) if env is not None else None
    if env is None:
        return {**os.environ, **_OVERLAY}
    merged = dict(env)
    for name, value in _OVERLAY.items():
        if name in merged and merged[name] == os.environ.get(name):
            merged[name] = value
    return merged


def run(
    args: Sequence[str],
    *,
    cwd: Path | str | None = None,
    env: Mapping[str, str] | None = None,
    check: bool = True,
    input_text: str | None = None,
    timeout: float | None = None,
    what: str | None = None,
    die_with_parent: bool = False,
) -> subprocess.CompletedProcess[str]:
    """Run ``args``; on failure raise :class:`StepFailed` carrying the command's stderr. A
    child that must not outlive wheeltrain (an upload) is run with ``die_with_parent``."""
    _no_nul(args)
    if VERBOSE:
        print("+ " + " ".join(args), file=sys.stderr)
    try:
        proc = subprocess.run(
            list(args),
            cwd=cwd,
            env=_child_env(env),
            input=input_text,
            capture_output=True,
            text=True,
            preexec_fn=_death_signal() if die_with_parent else None,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError:
        raise StepFailed(
            f"{args[0]} is not installed or not on PATH: install it and retry"
        ) from None
    except PermissionError:
        raise StepFailed(f"{args[0]} cannot be run (permission denied)") from None
    except subprocess.TimeoutExpired:
        raise StepFailed(f"{what or args[0]} did not finish within {timeout:.0f} s") from None
    if check and proc.returncode != 0:
        raise StepFailed(f"{what or ' '.join(args[:3])} failed: {last_line(proc)}")
    return proc


_PRCTL: Callable[[], object] | None = None


def _death_signal() -> Callable[[], object] | None:
    """What a child runs before exec to get SIGTERM when its parent dies (Linux's
    PR_SET_PDEATHSIG). Resolved here, in the parent: the child, forked from a process that may
    run threads, then only calls a C function and imports nothing."""
    global _PRCTL
    if sys.platform != "linux":
        return None
    if _PRCTL is None:
        try:
            import ctypes
            import functools
            import signal

            prctl = ctypes.CDLL(None, use_errno=True).prctl
            _PRCTL = functools.partial(prctl, 1, int(signal.SIGTERM), 0, 0, 0)  # 1: PDEATHSIG
        except (OSError, AttributeError):
            return None
    return _PRCTL


def start(
    args: Sequence[str],
    *,
    cwd: Path | str | None = None,
    env: Mapping[str, str] | None = None,
    stdout: int | IO[bytes] | None = subprocess.PIPE,
    stderr: int | IO[bytes] | None = subprocess.PIPE,
    die_with_parent: bool = False,
) -> subprocess.Popen[bytes]:
    """Start ``args`` without waiting (a server, a stream); a child that must not outlive
    wheeltrain is started with ``die_with_parent``."""
    _no_nul(args)
    if VERBOSE:
        print("+ " + " ".join(args), file=sys.stderr)
    try:
        return subprocess.Popen(
            list(args),
            cwd=cwd,
            env=_child_env(env),
            stdout=stdout,
            stderr=stderr,
            preexec_fn=_death_signal() if die_with_parent else None,
        )
    except FileNotFoundError:
        raise StepFailed(
            f"{args[0]} is not installed or not on PATH: install it and retry"
        ) from None


def run_logged(
    args: Sequence[str],
    log: Path,
    *,
    cwd: Path | str | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
    what: str | None = None,
    on_line: Callable[[str], None] = lambda _: None,
    die_with_parent: bool = False,
) -> subprocess.CompletedProcess[str]:
    """Run a long command with its output (stdout and stderr, merged) written to ``log`` as it
    comes, each line also handed to ``on_line`` (progress); returns the whole output as
    ``stdout``. The log survives however the command ends."""
    import threading
    import time

    log.parent.mkdir(parents=True, exist_ok=True)
    proc = start(
        args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        die_with_parent=die_with_parent,
    )  # fmt: skip
    lines: list[str] = []
    timer: threading.Timer | None = None
    if timeout is not None:
        timer = threading.Timer(timeout, proc.kill)
        timer.daemon = True
        timer.start()
    began = time.monotonic()
    try:
        if proc.stdout is None:  # pragma: no cover - start() was given PIPE
            raise StepFailed(f"{what or args[0]} started without an output pipe")
        with log.open("w", encoding="utf-8", errors="replace") as fh:
            for raw in proc.stdout:
                line = raw.decode("utf-8", errors="replace")
                fh.write(line)
                fh.flush()
                lines.append(line)
                on_line(line.rstrip("\n"))
        code = proc.wait()
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    finally:
        if timer is not None:
            timer.cancel()
        if proc.stdout is not None:
            proc.stdout.close()
    if timeout is not None and time.monotonic() - began >= timeout and code < 0:
        raise StepFailed(f"{what or args[0]} did not finish within {timeout:.0f} s; log: {log}")
    return subprocess.CompletedProcess(list(args), code, "".join(lines), "")


def _no_nul(args: Sequence[str]) -> None:
    """No operating system passes a NUL character in an argument: that is bad input."""
    for arg in args:
        if "\x00" in arg:
            raise UsageError(f"{arg!r} holds a NUL character: no command can take it")


def last_line(proc: subprocess.CompletedProcess[str]) -> str:
    """The last non-empty line a failed command printed (stderr first), for a one-line error."""
    for text in (proc.stderr, proc.stdout):
        lines = [line for line in (text or "").strip().splitlines() if line.strip()]
        if lines:
            return lines[-1].strip()
    return f"exit code {proc.returncode}"
