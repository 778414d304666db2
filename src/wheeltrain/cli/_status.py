"""``status`` (what the index has of each variant) and ``yank`` (rolling a release back)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from wheeltrain.cli._matrix import load_config
from wheeltrain.cli._output import emit, seconds, timeout
from wheeltrain.core.text import fold
from wheeltrain.errors import StepFailed, UsageError
from wheeltrain.stages import edge


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "status",
        parents=[common],
        help="which versions the index has of each variant, and where they drift apart",
        description="For each variant's distribution, which versions the index has and how "
        "complete each is against the matrix; names the drift: a version some variants have "
        "and others lack, missing files, files of a Python or platform the matrix does not "
        "build, wheels newer than the variant's max-platform, partly yanked releases.",
    )
    p.add_argument("version", nargs="?", metavar="VERSION", help="only this version")
    _index_args(p)
    p.add_argument(
        "--last",
        type=_count,
        default=10,
        metavar="N",
        help="the N newest versions (default: 10)",
    )
    p.add_argument("--all", action="store_true", help="every version on the index")
    p.set_defaults(handler=cmd_status)

    p = subparsers.add_parser(
        "yank",
        parents=[common],
        help="roll a release back: the pages to yank it on, then watch until every file is",
        description="PyPI has no API to yank or delete a release. yank prints, per "
        "distribution, the page to yank VERSION on and the reason to paste, then asks the "
        "index until every variant's files show yanked (PEP 592), naming what is still live. "
        "Never delete a release: a deleted file name can never be uploaded again.",
    )
    p.add_argument("version", metavar="VERSION", help="the version to yank on every variant")
    p.add_argument("--reason", required=True, help="why, in one line (users see it in pip)")
    _index_args(p)
    p.add_argument(
        "--wait",
        type=seconds,
        default=900.0,
        metavar="SECONDS",
        help="how long to watch for the yank (default: 900; 0 asks once)",
    )
    p.add_argument(
        "--interval",
        type=seconds,
        default=15.0,
        metavar="SECONDS",
        help="how often to ask the index (default: 15)",
    )
    p.add_argument(
        "--dry-run", action="store_true", help="print the pages and the reason, watch nothing"
    )
    p.set_defaults(handler=cmd_yank)

    p = subparsers.add_parser(
        "report",
        parents=[common],
        help="a static HTML release dashboard from the index's own data",
        description="Write DIR/index.html: releases over time by kind (monthly, hotfix, pre, "
        "nightly), files and bytes per release and variant, and the lag between the first "
        "and the last variant's upload of each version, drawn by matplotlib into one page "
        "that needs no network. Needs the report extra: pip install 'wheeltrain[report]'.",
    )
    p.add_argument("--out", required=True, metavar="DIR", help="the folder to write into")
    p.add_argument(
        "--receipt",
        action="append",
        default=[],
        metavar="FILE",
        help="a release receipt (`wheeltrain receipt --out`) to show: its files and who "
        "published each (repeat)",
    )
    _index_args(p)
    p.set_defaults(handler=cmd_report)


def _index_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--index-url", metavar="URL", help="a simple index, e.g. http://host/simple/")
    p.add_argument(
        "--repository",
        choices=("pypi", "testpypi"),
        help="a known index (default: pypi, read through its JSON API)",
    )
    p.add_argument("--timeout", type=timeout, default=20.0, help=argparse.SUPPRESS)


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 100_000:
        raise argparse.ArgumentTypeError(f"{text!r} is not a count from 1 to 100000")
    return value


def _client(args: argparse.Namespace) -> Any:
    return edge.index(args.index_url, args.repository, timeout=args.timeout, attempts=3)


def _version(text: str) -> Any:
    from packaging.version import InvalidVersion, Version

    try:
        if len(text) > 200:  # no version is that long; Python refuses huge numbers anyway
            raise InvalidVersion(text)
        return Version(text)
    except (InvalidVersion, ValueError):
        shown = text if len(text) <= 40 else text[:40] + "..."
        raise UsageError(
            f"{shown!r} is not a PEP 440 version, e.g. 0.3.14 or 0.3.13.post1"
        ) from None


def cmd_status(args: argparse.Namespace) -> int:
    from wheeltrain.core.status import project_status
    from wheeltrain.stages.commands.status import listing

    config = load_config(edge.project(Path(args.project)))
    wanted = [str(_version(args.version))] if args.version else []
    client = _client(args)
    files = listing(client, config)
    states = project_status(config, files, wanted, last=None if args.all else args.last)
    if args.version and not any(v.files for s in states for v in s.variants):
        raise UsageError(
            f"{client.where} has no files of {args.version} for any variant: "
            "check the version (`wheeltrain status` lists what there is)"
        )
    if not states:
        raise UsageError(
            f"{client.where} has no files of {', '.join(files)}: is the project published there?"
        )
    names = [v.name for v in config.variants]
    header = ["version", "kind", *names]
    rows = [[s.version, s.kind, *(v.cell for v in s.variants)] for s in states]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        f"{client.where}: " + ", ".join(f"{v.name} = {v.distribution}" for v in config.variants),
        "",
        *(
            "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
            for r in [header, *rows]
        ),
    ]
    drift = [d for s in states for d in s.drift]
    lines += ["", "drift:" if drift else "no drift: every variant has every version, complete"]
    lines += [f"  {d}" for d in drift]
    lines.append(
        "cells: present/expected files against today's matrix; +N files the matrix does not "
        "build; ! wheels newer than max-platform; - no files"
    )
    emit(
        args,
        "\n".join(lines),
        {
            "index": client.where,
            "variants": {v.name: v.distribution for v in config.variants},
            "versions": [s.as_dict() for s in states],
            "drift": drift,
        },
    )
    return 0


def cmd_yank(args: argparse.Namespace) -> int:
    from wheeltrain.stages.commands.status import prepare_yank, watch_yank

    reason = args.reason.strip()
    if not reason or "\n" in reason or "\r" in reason or len(reason) > 500:
        raise UsageError(
            "--reason must be one line of 1 to 500 characters: why users should not install it"
        )
    version = _version(args.version)
    config = load_config(edge.project(Path(args.project)))
    client = _client(args)
    request = prepare_yank(client, config, version)
    first, pages, released = request.states, request.pages, request.released
    lines = fold(
        f"yank {version} by hand: the index has no API for it. For each distribution, open "
        "the page, choose Yank and paste the reason:"
    )
    for name in released:
        count = next(s.files for s in first if s.distribution == name)
        where = pages[name] or "the index's own interface"
        lines.append(f"  {name}: {where} ({count} file(s))")
    lines += fold(f"reason: {reason}")
    lines += fold(
        "Yank, never delete: a deleted file name can never be uploaded again, and pip users "
        "pinned to it break; a yanked release stays installable for exact pins only."
    )
    out = sys.stderr if args.json else sys.stdout
    print("\n".join(lines), file=out, flush=True)
    data: dict[str, object] = {
        "version": str(version),
        "reason": reason,
        "pages": pages,
        "dry_run": args.dry_run,
    }
    if args.dry_run:
        emit(args, "dry run: nothing watched", {**data, "states": [s.as_dict() for s in first]})
        return 0
    states = watch_yank(
        client, released, version, wait=args.wait, interval=args.interval, progress=_say
    )
    data["states"] = [s.as_dict() for s in states]
    live = [s for s in states if s.live]
    total = sum(s.files for s in states)
    if not live:
        emit(args, f"all {total} file(s) of {version} show yanked on {client.where}", data)
        return 0
    # the file names are in the JSON (--json); the text says how many, one line each
    lines = [f"still live on {client.where} (not yet yanked):"]
    lines += [f"  {s.distribution}: {len(s.live)} of {s.files} file(s)" for s in live]
    emit(args, "\n".join(lines), data)
    return 1


def cmd_report(args: argparse.Namespace) -> int:
    from wheeltrain.cli._output import out_folder
    from wheeltrain.core.report import release_rows
    from wheeltrain.stages.commands.report import render_page
    from wheeltrain.stages.commands.status import listing

    config = load_config(edge.project(Path(args.project)))
    if Path(args.out).exists() and not Path(args.out).is_dir():
        raise UsageError(f"--out {args.out}: a file is there, not a folder; name a folder")
    from wheeltrain.stages.pipeline.receipt import read_receipt

    receipts = [read_receipt(Path(r)) for r in args.receipt]
    client = _client(args)
    rows = release_rows(config, listing(client, config))
    if not rows:
        raise UsageError(
            f"{client.where} has no files of "
            + ", ".join(v.distribution for v in config.variants)
            + ": is the project published there?"
        )
    text = render_page(rows, config, client.where, receipts)  # drawn before anything is written
    page = out_folder(args.out, "--out") / "index.html"
    try:
        edge.write(page, text)
    except OSError as exc:
        raise StepFailed(f"cannot write {page}: {exc.strerror or exc}") from None
    kinds = ", ".join(
        f"{n} {k}"
        for k in ("monthly", "hotfix", "pre", "nightly")
        if (n := sum(1 for r in rows if r.kind == k))
    )
    emit(
        args,
        f"wrote {page}: {len(rows)} version(s) ({kinds}), "
        f"{sum(r.files for r in rows)} file(s) from {client.where}",
        {"page": str(page), "index": client.where, "releases": [r.as_dict() for r in rows]},
    )
    return 0


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
