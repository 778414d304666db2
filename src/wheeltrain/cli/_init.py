"""`wheeltrain init` and `wheeltrain trusted-publishers`."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import wheeltrain
from wheeltrain.cli._matrix import load_config
from wheeltrain.cli._output import emit
from wheeltrain.errors import ConfigError, UsageError
from wheeltrain.stages import edge

if TYPE_CHECKING:
    from wheeltrain.stages.commands.init import InitReport

#: wheeltrain.stages.commands.init.PROFILES, without importing the templates machinery for every command
PROFILES = ("mooncake", "single")


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "init",
        parents=[common],
        help="write the release workflows, commit rules and configuration into a repository",
        description="Write .github/workflows/{monthly-release,hotfix-release,release}.yaml, the "
        "composite actions they share, .cz.toml, .pre-commit-config.yaml, RELEASE_QUICKSTART.md, "
        "docs/RELEASE_PLAN.md, scripts/release_manager.py, and the [tool.semantic_release] and "
        "[tool.wheeltrain] tables. Existing files are kept "
        "unless --force; an existing workflow for pushed tags is left in charge of them.",
    )
    p.add_argument("--profile", choices=PROFILES, default="single", help="the variant table")
    p.add_argument("--force", action="store_true", help="overwrite what exists")
    p.add_argument(
        "--install",
        default=None,
        metavar="SPEC",
        help="what the workflows install as wheeltrain: a requirement by name (pinned from "
        "the index), or a wheel, folder, URL or VCS reference (its wheel kept beside the lock); "
        "default: exactly this wheeltrain, from the index it came from or bundled",
    )
    p.add_argument("--branch", default="main", help="the release branch (default: main)")
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="make every check and say what would be written, write nothing (no lock either)",
    )
    p.add_argument(
        "--history",
        action="store_true",
        help="read what each distribution has really shipped from the index (PyPI unless "
        "--history-index-url) and list every difference from the table it writes; without a "
        "profile, the table follows the project's latest release",
    )
    p.add_argument(
        "--history-index-url",
        metavar="URL",
        default="https://pypi.org/simple/",
        help="the index --history reads (default: PyPI)",
    )
    p.add_argument(
        "--no-config", action="store_true", help="write the files only, leave pyproject.toml"
    )
    p.add_argument(
        "--no-lock",
        action="store_true",
        help="do not resolve the workflows' requirements now (run `wheeltrain lock` later)",
    )
    p.add_argument(
        "--lock-index-url",
        metavar="URL",
        default="https://pypi.org/simple/",
        help="the index the workflows' requirements are resolved from (default: PyPI)",
    )
    p.set_defaults(handler=cmd_init)

    p = subparsers.add_parser(
        "lock",
        parents=[common],
        help="pin what the workflows install, every file's sha256 included",
        description="Resolve the install requirement (and what it needs) for CPython on x86_64 "
        "and aarch64 Linux runners and write .github/wheeltrain/requirements.txt for `pip "
        "install --require-hashes`. A requirement by name is pinned itself; a wheel file, or the "
        "wheel built from a folder, URL or VCS reference, is kept beside the lock and pinned by "
        "its sha256, so the workflows need no index that has wheeltrain ('.' in wheeltrain's "
        "own repository: its checkout).",
    )
    p.add_argument(
        "--install",
        metavar="SPEC",
        help="what the workflows install as wheeltrain (default: the lock file's own, else "
        "this version by name)",
    )
    p.add_argument(
        "--index-url",
        metavar="URL",
        default="https://pypi.org/simple/",
        help="resolve from this index (default: PyPI)",
    )
    p.add_argument("--python", default="3.12", help="the runners' CPython (default: 3.12)")
    p.add_argument(
        "--dry-run", action="store_true", help="resolve and say what would be pinned; write nothing"
    )
    p.set_defaults(handler=cmd_lock)

    p = subparsers.add_parser(
        "trusted-publishers",
        parents=[common],
        help="the PyPI trusted publishers to register, one per distribution and workflow",
    )
    p.add_argument("--repository", metavar="OWNER/NAME", help="default: from the remote URL")
    p.set_defaults(handler=cmd_trusted_publishers)


def cmd_init(args: argparse.Namespace) -> int:
    from wheeltrain.stages.commands.init import init

    root = Path(args.project)
    install = args.install
    report = init(
        root,
        profile=args.profile,
        install=install or f"wheeltrain=={wheeltrain.__version__}",
        force=args.force,
        branch=args.branch,
        config=not args.no_config,
        history=edge.index(args.history_index_url) if args.history else None,
        dry_run=args.dry_run,
    )
    if not args.no_lock and not args.dry_run:
        _init_lock(root, install, args.lock_index_url, report, force=args.force)
    verb = "would write" if args.dry_run else "wrote"
    lines = [f"{verb} {rel}" for rel in report.written]
    lines += [f"kept  {rel} (exists; --force overwrites)" for rel in report.kept]
    lines += [f"note: {note}" for note in report.notes]
    if report.found:
        lines += ["", "found in the repository:"]
        for what, items in report.found.items():
            if any(" " in item for item in items):  # sentences: one per line
                lines += [f"  {what}:", *(f"    - {item}" for item in items)]
            else:
                lines.append(f"  {what}: {', '.join(items)}")
    lines += ["", "left for the maintainer:"]
    lines += [f"  {n}. {item}" for n, item in enumerate(report.todo, 1)]
    emit(args, "\n".join(lines), report.as_dict())
    return 0


def _init_lock(
    root: Path, install: str | None, index_url: str, report: InitReport, *, force: bool
) -> None:
    """The workflows' requirements file, made by init; a failure to resolve (no network) is
    left to the maintainer, never a half-written file."""
    from wheeltrain.errors import StepFailed
    from wheeltrain.stages.commands.lock import LOCK_FILE, lock

    out = _lock_path(root)
    if out.exists() and not force:
        report.kept.append(LOCK_FILE)
        return
    try:
        _, _, bundled = lock(install, index_url=index_url, out=out)
    except StepFailed as exc:
        report.notes.append(f"{LOCK_FILE} not written: {exc}")
        report.todo.append(
            f"run `wheeltrain lock` where the package index answers and commit {LOCK_FILE} "
            "(and the wheel it keeps beside it): the workflows install only hash-checked "
            "versions and stop without it"
        )
        return
    report.written.append(LOCK_FILE)
    if bundled is not None:
        rel = f"{LOCK_FILE.rsplit('/', 1)[0]}/{bundled.name}"
        report.written.append(rel)
        report.todo.append(
            f"commit {rel} with {LOCK_FILE}: this wheeltrain is on no index, so the workflows "
            "install that wheel (hash-checked)"
        )


def _lock_path(root: Path) -> Path:
    from wheeltrain.stages.commands.lock import LOCK_FILE

    return edge.repository_root(root) / LOCK_FILE


def cmd_lock(args: argparse.Namespace) -> int:
    from wheeltrain.core.lockfile import spec_of_lock
    from wheeltrain.stages.commands.lock import LOCK_FILE, lock

    out = _lock_path(Path(args.project))
    spec = args.install
    if spec is None and out.exists():
        spec = spec_of_lock(out.read_text(encoding="utf-8"))
    pins, self_pinned, bundled = lock(
        spec,
        index_url=args.index_url,
        python=args.python,
        out=out,
        progress=lambda line: print(line, file=sys.stderr, flush=True),
        dry_run=args.dry_run,
    )
    if bundled is not None:
        how = f"its wheel kept beside the lock ({bundled.name}, hash-checked): commit both"
    elif self_pinned:
        how = "pinned in it"
    else:
        how = "the checkout itself, its dependencies pinned"
    emit(
        args,
        f"{'would write' if args.dry_run else 'wrote'} {LOCK_FILE}: {len(pins)} "
        f"distribution(s) for CPython {args.python} on x86_64 "
        f"and aarch64; {spec or 'this wheeltrain'}: {how}",
        {
            "file": str(out),
            "dry_run": args.dry_run,
            "install": spec,
            "self_pinned": self_pinned,
            "bundled": None if bundled is None else str(bundled),
            "pins": [
                {"name": p.name, "version": p.version, "sha256": list(p.hashes)} for p in pins
            ],
        },
    )
    return 0


def cmd_trusted_publishers(args: argparse.Namespace) -> int:
    from wheeltrain.stages.commands.init import trusted_publishers, workflow_files

    project = edge.project(Path(args.project))
    config = load_config(project)
    repository = args.repository
    if repository is None:
        match = re.match(r"^https://github\.com/([^/]+/[^/]+?)/?$", project.repo_url or "")
        if match is None:
            raise ConfigError(
                "cannot tell the GitHub repository from [tool.semantic_release.remote].url: "
                "pass --repository OWNER/NAME"
            )
        repository = match[1]
    elif not re.match(r"^[\w.-]+/[\w.-]+$", repository):
        raise UsageError(f"--repository {repository!r} is not OWNER/NAME")
    rows = trusted_publishers(
        [(v.distribution, v.releases) for v in config.variants],
        repository,
        workflow_files(Path(args.project)),
    )
    lines = [
        "Register on PyPI, and for the nightly on TestPyPI (project → Settings → Publishing",
        "→ Add a new publisher → GitHub):",
        "",
        "| index | project | owner | repository | workflow | environment |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {'TestPyPI' if r['index'] == 'testpypi' else 'PyPI'} | {r['distribution']} | "
        f"{r['owner']} | {r['repository']} | {r['workflow']} | {r['environment']} |"
        for r in rows
    ]
    lines += [
        "",
        "For a project that does not exist on PyPI yet, add it as a pending publisher.",
        "Create the GitHub environments `pypi` and `testpypi` (Settings → Environments) and,",
        "if you like, require a reviewer on `pypi`: every release's publish job waits for it.",
    ]
    emit(args, "\n".join(lines), {"repository": repository, "publishers": rows})
    return 0
