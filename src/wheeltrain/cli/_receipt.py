"""`wheeltrain receipt`: every file of a release proven on the index, by its attestation."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from wheeltrain.cli._output import emit, seconds, timeout
from wheeltrain.core.config import ARCHS, EVENTS
from wheeltrain.errors import UsageError

#: What a known index's simple API is (PyPI's file list with PEP 740 provenance URLs)
SIMPLE = {"pypi": "https://pypi.org/simple/", "testpypi": "https://test.pypi.org/simple/"}


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "receipt",
        parents=[common],
        help="prove every file of a release on the index by its attestation, and record it",
        description="For every distribution and file the release must have: the file list "
        "from the index's simple API (asked past any cache), each sha256, and each file's PEP "
        "740 provenance, whose attestations are verified with pypi-attestations against the "
        "expected publisher: the repository, the workflow file, the GitHub environment and the "
        "ref the release was signed on. A file not listed yet is waited for (--wait). Exit 0 "
        "when every file is proven, 1 with one line per problem otherwise. --out writes the "
        "receipt (JSON) that the GitHub Release carries and `verify --receipt` reads.",
    )
    p.add_argument("version", help="the release, e.g. 0.4.0 or 0.4.0.post1")
    p.add_argument(
        "--event",
        choices=EVENTS,
        help="which release's files (default: hotfix for X.Y.Z.postN, else monthly)",
    )
    p.add_argument("--variant", action="append", default=[], help="only this variant (repeat)")
    p.add_argument("--python", action="append", default=[], help="only this Python, e.g. 3.12")
    p.add_argument("--arch", action="append", default=[], choices=ARCHS, help="only this arch")
    p.add_argument(
        "--kind",
        action="append",
        default=[],
        choices=("wheel", "sdist"),
        help="only the wheels or only the sdists (repeat; default: both), e.g. when another "
        "workflow publishes the sdist",
    )
    p.add_argument("--index-url", metavar="URL", help="a simple index (default: PyPI's)")
    p.add_argument("--repository", choices=tuple(SIMPLE), help="a known index (default: pypi)")
    p.add_argument(
        "--github-repository",
        metavar="OWNER/NAME",
        help="the repository that must have signed every file (default: $GITHUB_REPOSITORY)",
    )
    p.add_argument(
        "--workflow",
        action="append",
        default=[],
        metavar="FILE",
        help="a workflow file that may have published, e.g. release.yaml (repeat: a release "
        "that a re-run of another workflow finished has files of both)",
    )
    p.add_argument(
        "--environment",
        metavar="NAME",
        help="the GitHub environment of the publish job, e.g. pypi (default: not checked)",
    )
    p.add_argument(
        "--ref",
        action="append",
        default=[],
        metavar="REF",
        help="a git ref the signing run may have run on (repeat; a pattern such as "
        "refs/heads/hotfix/* too; default: the release's tag, refs/tags/<tag>); a dispatched "
        "workflow signs on its branch, e.g. refs/heads/main",
    )
    p.add_argument(
        "--no-attestations",
        action="store_true",
        help="record files and sha256 only: for a release uploaded with an API token, which "
        "PyPI stores without attestations (the receipt says so)",
    )
    p.add_argument(
        "--wait",
        type=seconds,
        default=300.0,
        metavar="SECONDS",
        help="how long to wait for files the index does not list yet (default 300)",
    )
    p.add_argument(
        "--offline",
        action="store_true",
        help="verify with the Sigstore trust root the installed library ships, without "
        "refreshing it over the network",
    )
    p.add_argument("--out", metavar="FILE", help="write the receipt (JSON) here")
    p.add_argument("--timeout", type=timeout, default=20.0, help="seconds per request (default 20)")
    p.set_defaults(handler=cmd_receipt)


def cmd_receipt(args: argparse.Namespace) -> int:
    from wheeltrain.stages.pipeline import receipt as stage

    if args.index_url and args.repository:
        raise UsageError("--index-url and --repository name the same thing: give one")
    if args.timeout <= 0:
        raise UsageError("--timeout must be a positive number of seconds")
    if args.no_attestations and (args.workflow or args.environment or args.ref):
        raise UsageError(
            "--no-attestations checks no publisher: leave out --workflow, --environment and --ref"
        )
    if not args.no_attestations and not args.workflow:
        raise UsageError(
            "name the publishing workflow (--workflow release.yaml), or give --no-attestations "
            "for a release uploaded with an API token"
        )
    repository = None
    if not args.no_attestations:
        repository = args.github_repository or os.environ.get("GITHUB_REPOSITORY")
        if not repository:
            raise UsageError(
                "name the repository that signs the release: --github-repository OWNER/NAME "
                "($GITHUB_REPOSITORY is not set)"
            )
    out = Path(args.out) if args.out else None
    if out is not None and out.is_dir():
        raise UsageError(f"--out {out}: a folder is there; name a file")
    index_url = args.index_url or SIMPLE[args.repository or "pypi"]
    result = stage.receipt_for(
        Path(args.project),
        args.version,
        event=args.event,
        variants=args.variant,
        pythons=args.python,
        archs=args.arch,
        kinds=args.kind or ("wheel", "sdist"),
        index_url=index_url,
        repository=repository,
        workflows=args.workflow,
        environment=args.environment,
        refs=args.ref,
        wait=args.wait,
        offline=args.offline,
        timeout=args.timeout,
        progress=lambda line: None if args.json else print(line, file=sys.stderr, flush=True),
    )
    if out is not None:
        stage.write_receipt(result, out)
    lines = []
    for item in result.files:
        who = ", ".join(
            f"{i.workflow}@{i.ref}" + (f" [{i.environment}]" if i.environment else "")
            for i in item.identities
            if i.workflow
        )
        size = "size unknown" if item.size is None else f"{item.size:,} B"
        lines.append(f"  {item.filename}  {size:>14}  {who or '-'}")
    if result.complete:
        head = (
            f"receipt: {len(result.files)} file(s) of the {result.event} release "
            f"{result.version} on {result.index}, {result.bytes:,} bytes"
            + (
                f", every one attested by {result.publisher.repository} "
                + " or ".join(result.publisher.workflows)
                if result.publisher
                else " (attestations not required)"
            )
        )
    else:
        head = (
            f"receipt of {result.version} incomplete: {len(result.problems)} problem(s) on "
            f"{result.index}:\n" + "\n".join(f"  {p}" for p in result.problems)
        )
    if not result.complete and lines:
        lines.insert(0, "the files the index lists, and who signed each:")
    if out is not None:
        lines.append(f"receipt written to {out}")
    emit(
        args,
        "\n".join([head, *lines]),
        result.as_dict(),
        {"complete": str(result.complete).lower(), "files": str(len(result.files))},
    )
    return 0 if result.complete else 1
