"""`wheeltrain init` and `wheeltrain trusted-publishers`."""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

import wheeltrain
from wheeltrain.adapters.project import load_project
from wheeltrain.cli._matrix import load_config
from wheeltrain.cli._output import emit
from wheeltrain.errors import ConfigError, UsageError

#: wheeltrain.stages.init.PROFILES, without importing the templates machinery for every command
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
        help="what the workflows pip-install to get wheeltrain (default: this version, pinned)",
    )
    p.add_argument("--branch", default="main", help="the release branch (default: main)")
    p.add_argument(
        "--no-config", action="store_true", help="write the files only, leave pyproject.toml"
    )
    p.set_defaults(handler=cmd_init)

    p = subparsers.add_parser(
        "trusted-publishers",
        parents=[common],
        help="the PyPI trusted publishers to register, one per distribution and workflow",
    )
    p.add_argument("--repository", metavar="OWNER/NAME", help="default: from the remote URL")
    p.set_defaults(handler=cmd_trusted_publishers)


def cmd_init(args: argparse.Namespace) -> int:
    from wheeltrain.stages.init import init

    root = Path(args.project)
    install = args.install or f"wheeltrain=={wheeltrain.__version__}"
    report = init(
        root,
        profile=args.profile,
        install=install,
        force=args.force,
        branch=args.branch,
        config=not args.no_config,
    )
    lines = [f"wrote {rel}" for rel in report.written]
    lines += [f"kept  {rel} (exists; --force overwrites)" for rel in report.kept]
    lines += [f"note: {note}" for note in report.notes]
    if report.found:
        lines += ["", "found in the repository:"]
        lines += [f"  {what}: {', '.join(items)}" for what, items in report.found.items()]
    lines += ["", "left for the maintainer:"]
    lines += [f"  {n}. {item}" for n, item in enumerate(report.todo, 1)]
    emit(args, "\n".join(lines), report.as_dict())
    return 0


def cmd_trusted_publishers(args: argparse.Namespace) -> int:
    from wheeltrain.stages.init import trusted_publishers

    project = load_project(Path(args.project))
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
    rows = trusted_publishers([v.distribution for v in config.variants], repository)
    lines = [
        "Register on PyPI (project → Settings → Publishing → Add a new publisher → GitHub):",
        "",
        "| PyPI project | owner | repository | workflow | environment |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['distribution']} | {r['owner']} | {r['repository']} | {r['workflow']} | "
        f"{r['environment']} |"
        for r in rows
    ]
    lines += [
        "",
        "For a project that does not exist on PyPI yet, add it as a pending publisher.",
        "Create the GitHub environment `pypi` (Settings → Environments) and, if you like,",
        "require a reviewer there: every publish job waits for that approval.",
    ]
    emit(args, "\n".join(lines), {"repository": repository, "publishers": rows})
    return 0
