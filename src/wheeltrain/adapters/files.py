"""Writing files so that no failure leaves one empty or half-written."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from wheeltrain.errors import StepFailed, UsageError

if TYPE_CHECKING:  # pathlib and tempfile are imported when a file is written: `plan` writes none
    from pathlib import Path

__all__ = ["cache_root", "machine_lock", "write_atomic"]


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file beside it, renamed into place once
    it is whole: the file is either its old self or the new one. Text is encoded first, so an
    encoding error changes nothing."""
    import tempfile
    from pathlib import Path

    try:
        body = data.encode("utf-8") if isinstance(data, str) else data
    except UnicodeEncodeError:
        raise UsageError(
            f"{path.name}: the text to write holds bytes that are not UTF-8 (an argument "
            "given in another encoding?): nothing was written"
        ) from None
    folder = path.parent if str(path.parent) else Path()
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise StepFailed(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        os.fchmod(fd, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        with os.fdopen(fd, "wb") as fh:
            fh.write(body)
            fh.flush()
            os.fsync(fh.fileno())
        Path(temporary).replace(path)
        # what a killed writer of this file left (SIGKILL runs no cleanup) goes now
        for stale in folder.glob(f".{glob_escape(path.name)}.*.tmp"):
            stale.unlink(missing_ok=True)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise StepFailed(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def glob_escape(name: str) -> str:
    """``name`` with glob's special characters taken literally."""
    import glob

    return glob.escape(name)


def cache_root() -> Path:
    """wheeltrain's folder on this machine: ``$WHEELTRAIN_CACHE_DIR``, else
    ``~/.cache/wheeltrain`` (compiler caches, locks)."""
    from pathlib import Path

    from wheeltrain.adapters.proc import getenv

    base = getenv("WHEELTRAIN_CACHE_DIR")
    if base:
        return Path(base)
    home = getenv("HOME")  # inside a rehearsal: its own home
    return (Path(home) if home else Path.home()) / ".cache" / "wheeltrain"


@contextmanager
def machine_lock(
    key: str,
    what: str,
    *,
    wait: float = 3600.0,
    progress: Callable[[str], None] = lambda _: None,
    sleep: Callable[[float], None] | None = None,
) -> Iterator[None]:
    """Hold the machine-wide lock named by ``key`` (any text) for the block: a second
    wheeltrain that asks for the same key waits for the first (``what`` says for what), up to
    ``wait`` seconds. The lock is the kernel's (``flock``): a killed holder releases it."""
    import fcntl
    import hashlib
    import time

    folder = cache_root() / "locks"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder / f"{hashlib.sha256(key.encode()).hexdigest()[:16]}.lock",
                     os.O_RDWR | os.O_CREAT, 0o644)  # fmt: skip
    except OSError as exc:
        raise StepFailed(f"cannot take the lock in {folder}: {exc.strerror or exc}") from None
    try:
        waited = 0.0
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if waited == 0.0:
                    progress(f"another wheeltrain is busy with {what}: waiting for it to finish")
                if waited >= wait:
                    raise StepFailed(
                        f"another wheeltrain held {what} for {wait:.0f} s: retry when it ends"
                    ) from None
                (sleep or time.sleep)(0.5)
                waited += 0.5
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
