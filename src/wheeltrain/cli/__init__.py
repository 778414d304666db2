"""The ``wheeltrain`` command line. ``main(argv) -> int`` is the only place errors become codes."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import wheeltrain
from wheeltrain.cli import (
    _hotfix,
    _init,
    _manager,
    _matrix,
    _monthly,
    _publish,
    _rehearse,
)
from wheeltrain.cli._output import ArgumentParser
from wheeltrain.errors import WheeltrainError

__all__ = ["build_parser", "console_main", "main"]

#: Modules that add commands; each has ``register(subparsers, common)``.
_COMMAND_MODULES = (_manager, _monthly, _hotfix, _matrix, _publish, _rehearse, _init)


class _VersionAction(argparse.Action):
    """``--version``, reading the installed version only when asked."""

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        print(f"{parser.prog} {wheeltrain.__version__}")
        parser.exit()


def build_parser(prog: str = "wheeltrain") -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
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
    for module in _COMMAND_MODULES:
        module.register(subparsers, common)
    return parser


def main(argv: Sequence[str] | None = None, prog: str = "wheeltrain") -> int:
    parser = build_parser(prog)
    try:
        args = parser.parse_args(argv)
        code: int = args.handler(args)
        return code
    except WheeltrainError as exc:
        print(f"{prog}: error: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `wheeltrain changelog | head`
        return 0


def console_main() -> None:
    raise SystemExit(main())
