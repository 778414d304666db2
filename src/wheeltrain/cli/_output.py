"""Rendering results as text or JSON, and an argparse that reports through our errors."""

from __future__ import annotations

import argparse
import io
import os
import sys
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from wheeltrain.errors import StepFailed, UsageError

if TYPE_CHECKING:
    from pathlib import Path


def _columns() -> int:
    """The terminal's width as ``shutil.get_terminal_size`` finds it ($COLUMNS, the terminal,
    else 80), without importing shutil and the compression modules it brings: argparse asks
    for a help formatter on every argument it adds, and ``plan`` is a fast command."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 80
    return columns


class HelpFormatter(argparse.HelpFormatter):
    def __init__(
        self,
        prog: str,
        indent_increment: int = 2,
        max_help_position: int = 24,
        width: int | None = None,
    ) -> None:
        super().__init__(
            prog, indent_increment, max_help_position, _columns() - 2 if width is None else width
        )


class ArgumentParser(argparse.ArgumentParser):
    """argparse, but a bad command line raises :class:`UsageError` (exit 2, one line)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def seconds(text: str) -> float:
    """A number of seconds from 0 to a day: finite (no nan, no inf), never negative."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 86_400:  # nan and inf fail both comparisons
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds from 0 to 86400")
    return value


def timeout(text: str) -> float:
    """A timeout: more than 0 seconds, at most a day."""
    value = seconds(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a timeout: give more than 0 seconds")
    return value


def retries(text: str) -> int:
    """How many times to try again: a whole number from 0 to 100."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of retries from 0 to 100")
    return value


def known_secrets() -> list[str]:
    """The environment's credentials in every form they may take in output."""
    from wheeltrain.core.redact import environment_secrets

    return environment_secrets(os.environ)


def scrub(text: str) -> str:
    """``text`` as it may leave wheeltrain: through the one redactor, with the environment's
    credentials."""
    from wheeltrain.core.redact import redact

    return redact(text, known_secrets())


class RedactingStream(io.TextIOBase):
    """A text stream that passes every whole line through the redactor before the stream it
    wraps sees it (a secret is never split between two writes of one line). Each thread
    gathers its own line, and a whole line is written at once: lines that threads print at
    the same time (parallel smoke tests) are never glued together."""

    def __init__(self, stream: TextIO, secrets: list[str]) -> None:
        import threading

        self.stream = stream
        self.secrets = secrets
        self.local = threading.local()
        self.lock = threading.Lock()

    @property
    def pending(self) -> str:
        return getattr(self.local, "pending", "")

    @pending.setter
    def pending(self, value: str) -> None:
        self.local.pending = value

    def _out(self, text: str) -> None:
        from wheeltrain.core.redact import redact

        if text:
            shown = redact(text, self.secrets)
            with self.lock:
                self.stream.write(shown)
                self.stream.flush()

    def write(self, text: str) -> int:
        self.pending += text
        if "\n" in self.pending:
            done, _, self.pending = self.pending.rpartition("\n")
            self._out(done + "\n")
        return len(text)

    def flush(self) -> None:
        self._out(self.pending)
        self.pending = ""
        self.stream.flush()

    def isatty(self) -> bool:
        return self.stream.isatty()

    def fileno(self) -> int:
        return self.stream.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self.stream.encoding


def github_output(values: dict[str, str]) -> None:
    """Append ``values`` to the file named by ``$GITHUB_OUTPUT`` (a step's outputs).

    Multi-line values use a random delimiter, so no text inside them can end the value early.
    """
    import secrets

    path = os.environ.get("GITHUB_OUTPUT")
    if not path:
        raise UsageError("--github-output: $GITHUB_OUTPUT is not set (run it in a workflow)")
    lines = []
    for key, value in values.items():
        value = scrub(value)
        if "\n" in value or "\r" in value:
            delimiter = f"wheeltrain_{secrets.token_hex(16)}"
            lines.append(f"{key}<<{delimiter}\n{value}\n{delimiter}\n")
        else:
            lines.append(f"{key}={value}\n")
    try:
        with open(path, "a", encoding="utf-8", errors="backslashreplace") as fh:  # noqa: PTH123
            fh.write("".join(lines))
            fh.flush()
    except OSError as exc:  # a folder, a missing folder, a full disk
        raise StepFailed(
            f"cannot write the step outputs to $GITHUB_OUTPUT ({path}): {exc.strerror or exc}"
        ) from None


def out_folder(value: str, flag: str) -> Path:
    """The folder a command writes into (made when missing): a path that is a file, or
    that cannot be made, is bad input in one line."""
    from pathlib import Path

    path = Path(value)
    if path.exists() and not path.is_dir():
        raise UsageError(f"{flag} {value}: a file is there, not a folder; name a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(
            f"{flag} {value}: cannot make the folder ({exc.strerror or exc})"
        ) from None
    return path


def emit(
    args: argparse.Namespace,
    text: str,
    data: dict[str, Any],
    outputs: dict[str, str] | None = None,
) -> None:
    """Print ``data`` as JSON with ``--json``, else ``text``; with ``--github-output`` also
    write ``outputs`` for the workflow."""
    if getattr(args, "github_output", False):
        if outputs is None:
            raise UsageError("--github-output: this command has no outputs")
        github_output(outputs)
    if getattr(args, "json", False):
        import json

        json.dump(data, sys.stdout, indent=2, sort_keys=False)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
