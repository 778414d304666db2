"""The ``wheeltrain`` command line. ``main(argv) -> int`` is the only place errors become codes."""

from __future__ import annotations

import argparse
import contextlib
import re
import signal
import sys
import threading
from collections.abc import Iterator, Sequence

from wheeltrain.cli._output import ArgumentParser
from wheeltrain.errors import UsageError, WheeltrainError

__all__ = ["build_parser", "console_main", "main"]

#: The modules that add commands (each has ``register(subparsers, common)``), in the order
#: ``--help`` lists them, with the commands each adds. A command imports only its own module:
#: start-up is most of a fast command's time.
_COMMAND_MODULES: dict[str, tuple[str, ...]] = {
    "_manager": ("current", "bump", "post", "changelog", "verify", "validate"),
    "_monthly": ("plan", "release", "nightly"),
    "_hotfix": ("hotfix",),
    "_matrix": ("matrix", "build", "check"),
    "_publish": ("publish", "smoke", "download"),
    "_receipt": ("receipt",),
    "_rehearse": ("rehearse",),
    "_init": ("init", "trusted-publishers", "lock"),
    "_notify": ("notify",),
    "_status": ("status", "yank", "report"),
}


class _VersionAction(argparse.Action):
    """``--version``, reading the installed version only when asked."""

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        import wheeltrain

        print(f"{parser.prog} {wheeltrain.__version__}")
        parser.exit()


def _modules_for(argv: Sequence[str] | None) -> list[str]:
    """The command modules ``argv`` needs: the one that owns its command, or all of them."""
    words = list(sys.argv[1:] if argv is None else argv)
    if words and not words[0].startswith("-"):
        for module, commands in _COMMAND_MODULES.items():
            if words[0] in commands:
                return [module]
    return list(_COMMAND_MODULES)


def build_parser(
    prog: str = "wheeltrain", modules: Sequence[str] | None = None, only: str | None = None
) -> argparse.ArgumentParser:
    common = ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", help="print a machine-readable result")
    common.add_argument(
        "--project",
        metavar="PATH",
        default=".",
        help="the project's root (default: the current directory)",
    )
    common.add_argument(
        "--github-output",
        action="store_true",
        help="also write the result as step outputs to the file named by $GITHUB_OUTPUT",
    )
    parser = ArgumentParser(
        prog=prog,
        description="A release train for Python projects that ship several wheel variants.",
    )
    parser.add_argument("--version", action=_VersionAction, nargs=0, help="print the version")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in modules if modules is not None else _COMMAND_MODULES:
        __import__(f"wheeltrain.cli.{name}")  # importlib itself costs a fast command's start
        module = sys.modules[f"wheeltrain.cli.{name}"]
        if only is not None and name == "_monthly":  # the hot path: one parser, not three
            module.register(subparsers, common, only=only)
        else:
            module.register(subparsers, common)
    return parser


class Terminated(BaseException):
    """SIGTERM arrived (a cancelled CI job, ``kill``): unwinds like Ctrl-C, so every
    ``finally`` runs (temporary folders removed, the embedded index stopped)."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated


@contextlib.contextmanager
def _sigterm_unwinds() -> Iterator[None]:
    """SIGTERM handled like SIGINT while a command runs (main thread only; restored after)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: Sequence[str] | None = None, prog: str = "wheeltrain") -> int:
    with _sigterm_unwinds():
        return _main(argv, prog)


def _text_arguments(words: Sequence[str]) -> None:
    """Every argument is text: bytes that were not UTF-8 (kept by Python as surrogates) are
    bad input, refused before any work, never written into a file half-way."""
    for number, word in enumerate(words, 1):
        try:
            word.encode("utf-8")
        except UnicodeEncodeError:
            shown = word.encode("utf-8", "backslashreplace").decode("ascii", "backslashreplace")
            raise UsageError(
                f"argument {number} ({shown[:60]}) holds bytes that are not UTF-8: give it as "
                "UTF-8 text"
            ) from None


def _replace_unshowable() -> None:
    """Output never fails on the terminal's encoding (a C locale, PYTHONIOENCODING=ascii):
    what it cannot show is replaced."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):
                reconfigure(errors="replace")


def _main(argv: Sequence[str] | None, prog: str) -> int:
    _replace_unshowable()
    from wheeltrain.cli._output import RedactingStream, known_secrets

    secrets = known_secrets()
    saved = sys.stdout, sys.stderr
    # the output boundary: every line printed passes the one redactor
    sys.stdout = RedactingStream(saved[0], secrets)
    sys.stderr = RedactingStream(saved[1], secrets)
    try:
        return _run(argv, prog)
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        sys.stdout, sys.stderr = saved


def _run(argv: Sequence[str] | None, prog: str) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    modules = _modules_for(words)
    only = words[0] if len(modules) == 1 else None  # the command the line names
    parser = build_parser(prog, modules, only)
    try:
        _text_arguments(words)
        if words.count("--") > 1:  # argparse hands an empty list to a positional then
            raise UsageError(f"'--' may appear once (see `{prog} --help`)")
        args = parser.parse_args(argv)
        _started()
        _check_before_work(args)
        code: int = args.handler(args)
        return code
    except WheeltrainError as exc:
        return _error(prog, exc.message, exc.exit_code, words)
    except BrokenPipeError:  # `wheeltrain changelog | head`: the reader has what it wanted
        _stdout_gone()
        return 0
    except OSError as exc:  # a path the file system refuses, wherever it was met
        code, message = _os_error(exc)
        return _error(prog, message, code, words)
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except Terminated:
        print(f"{prog}: terminated", file=sys.stderr)
        return 143


def _started() -> None:
    """The command runs: the cycle collector is on again if starting switched it off."""
    global _STARTING
    if _STARTING:
        import gc

        _STARTING = False
        gc.enable()


def _stdout_gone() -> None:
    """Standard output's reader left: what is still buffered goes nowhere (no second broken
    pipe when Python flushes it at exit)."""
    import os

    if sys.__stdout__ is None:
        return
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.__stdout__.fileno())
        os.close(devnull)


def _error(prog: str, message: str, code: int, words: Sequence[str]) -> int:
    """Report an error in one line on stderr; under ``--json`` also as a JSON object on
    stdout (``error``, ``exit_code``), so a script reads every result the same way."""
    line = one_line(message)
    print(f"{prog}: error: {line}", file=sys.stderr)
    if "--json" in words:
        import json

        print(json.dumps({"error": line, "exit_code": code}))
    return code


def _os_error(exc: OSError) -> tuple[int, str]:
    """An operating-system error as an exit code and one line: a path that cannot be used as
    given (too long, not a folder, missing, refused, read-only) is bad input; anything else
    (a full disk, an I/O error) is a failed step."""
    import errno

    bad_path = {
        errno.ENAMETOOLONG, errno.ENOTDIR, errno.EISDIR, errno.ENOENT, errno.EACCES,
        errno.EPERM, errno.ELOOP, errno.EROFS, errno.EINVAL, errno.EEXIST,
    }  # fmt: skip
    where = f"{exc.filename}: " if exc.filename is not None else ""
    what = exc.strerror or type(exc).__name__
    if exc.errno in bad_path:
        return 2, f"{where}{what}: give a path that can be used"
    return 1, f"{where}{what}"


#: The commands that write step outputs with --github-output (tests/unit keeps it true).
WITH_OUTPUTS = frozenset(
    {
        "wheeltrain.cli._hotfix.cmd_plan",
        "wheeltrain.cli._hotfix.cmd_release",
        "wheeltrain.cli._manager.cmd_current",
        "wheeltrain.cli._matrix.cmd_matrix",
        "wheeltrain.cli._monthly.cmd_nightly",
        "wheeltrain.cli._monthly.cmd_plan",
        "wheeltrain.cli._monthly.cmd_release_monthly",
        "wheeltrain.cli._publish.cmd_publish",
        "wheeltrain.cli._receipt.cmd_receipt",
    }
)
#: Options whose value may not be empty: an empty one would silently mean the default.
_NOT_EMPTY = ("version", "remote", "branch", "project", "index_url", "repository_url", "dest",
              "out", "dist", "date", "base", "tag", "variant", "python")  # fmt: skip


def _check_before_work(args: argparse.Namespace) -> None:
    """What can be known wrong from the command line and the environment alone is bad input
    before any work: an empty value, and --github-output where it cannot be written."""
    for name in _NOT_EMPTY:
        value = getattr(args, name, None)
        values = value if isinstance(value, list) else [value]
        if any(isinstance(v, str) and not v.strip() for v in values):
            raise UsageError(f"--{name.replace('_', '-')} is empty: give a value or leave it out")
    if not getattr(args, "github_output", False):
        return
    handler = getattr(args, "handler", None)
    if (
        f"{getattr(handler, '__module__', '')}.{getattr(handler, '__name__', '')}"
        not in WITH_OUTPUTS
    ):
        raise UsageError("--github-output: this command has no outputs")
    import os

    path = os.environ.get("GITHUB_OUTPUT")
    if not path:
        raise UsageError("--github-output: $GITHUB_OUTPUT is not set (run it in a workflow)")
    folder = os.path.dirname(os.path.abspath(path))  # noqa: PTH120, PTH100 - no pathlib here
    if os.path.isdir(path) or not os.path.isdir(folder) or not os.access(folder, os.W_OK):  # noqa: PTH112
        raise UsageError(
            f"--github-output: $GITHUB_OUTPUT ({path}) is not a file that can be written"
        )


# control characters and every other character str.splitlines() breaks a line at
_CONTROL = r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]"  # compiled when an error is shown


def one_line(message: str) -> str:
    """An error message as one printable line: credentials redacted, control characters and
    undecodable bytes shown as escapes, line breaks as spaces."""
    from wheeltrain.core.redact import redact

    text = redact(message).replace("\r\n", " ").replace("\n", " ").replace("\r", " ")
    text = re.sub(_CONTROL, lambda m: m[0].encode("unicode_escape").decode("ascii"), text)
    # a word longer than a line (a 300-character path, a URL) keeps its start and its end
    text = re.sub(_LONG_WORD, lambda m: f"{m[0][:100]}…{m[0][-60:]}", text)
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


_LONG_WORD = r"\S{201,}"


#: Set by :func:`console_main` while the command line starts with the cycle collector off.
_STARTING = False


def console_main() -> None:
    # Starting a command imports its modules and builds its parser: tens of thousands of
    # objects that all stay alive, which the cycle collector would walk again and again for
    # nothing. It is off until the command itself runs (see _run).
    global _STARTING
    import gc

    if gc.isenabled():
        gc.disable()
        _STARTING = True
    raise SystemExit(main())
