"""Writing files so that no failure leaves one empty or half-written."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from wheeltrain.errors import StepFailed, UsageError

if TYPE_CHECKING:  # pathlib and tempfile are imported when a file is written: `plan` writes none
    from pathlib import Path

__all__ = ["write_atomic"]


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
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise StepFailed(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
