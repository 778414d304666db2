"""`wheeltrain rehearse`: the whole release run against an embedded local index."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from wheeltrain.cli._output import emit

DEFAULT_PROJECT = "."


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "rehearse",
        help="rehearse a monthly release and a hotfix end to end on a local index",
        description="On a throwaway clone of the project and a real PyPI-compatible server on "
        "127.0.0.1: a monthly release (plan, semantic-release, build, check, publish, verify, "
        "smoke), then a hotfix post1 on the hotfix branch (the same, plus the upgrade path). "
        "Nothing is written outside a temporary folder; nothing is pushed.",
    )
    p.add_argument(
        "--project",
        default=DEFAULT_PROJECT,
        metavar="PATH",
        help="the project to rehearse (default: the current directory, as every command; "
        "wheeltrain's own example: examples/transfer-engine)",
    )
    p.add_argument("--python", action="append", default=[], help="only these CPythons (repeat)")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder, print it")
    p.add_argument(
        "--nightly",
        action="store_true",
        help="rehearse a nightly instead: X.Y.(Z+1).devYYYYMMDD of every variant, then a night "
        "with no new commit that publishes nothing",
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(handler=cmd_rehearse)


def cmd_rehearse(args: argparse.Namespace) -> int:
    from wheeltrain.stages.commands.rehearse import machine, rehearse, render

    report = rehearse(
        Path(args.project),
        pythons=args.python,
        keep=args.keep,
        nightly=args.nightly,
        progress=lambda line: print(line, file=sys.stderr, flush=True),
    )
    emit(args, render(report), {"machine": machine(), **report.as_dict()})
    return 0
