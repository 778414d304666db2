"""`wheeltrain plan` and `wheeltrain release monthly`."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from wheeltrain.cli._output import emit
from wheeltrain.core.planning import MonthlyPlan
from wheeltrain.core.versioning import BumpLevel
from wheeltrain.stages.release import monthly

if TYPE_CHECKING:
    from wheeltrain.stages.edge import IndexClient

LEVELS = ("auto", "major", "minor", "patch")
PRE = ("a", "b", "rc")


def _forced(args: argparse.Namespace) -> BumpLevel | None:
    return None if args.level == "auto" else BumpLevel.from_name(args.level)


def register(subparsers: Any, common: argparse.ArgumentParser, only: str | None = None) -> None:
    """The commands of this module (``only``: just that one, when the command line names it:
    `plan` runs on every push, and each parser built costs its start)."""
    for name, add in (
        ("plan", _register_plan),
        ("release", _register_release),
        ("nightly", _register_nightly),
    ):
        if only is None or only == name:
            add(subparsers, common)


def _register_plan(subparsers: Any, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "plan",
        parents=[common],
        help="decide the monthly release: last release, level, next version, notes",
        description="Classify the commits since the latest final release tag reachable from "
        "HEAD and decide the next version. Nothing releasable: says so, exit 0.",
    )
    p.add_argument("--level", choices=LEVELS, default="auto", help="force a level (default: auto)")
    _pre_args(p)
    p.set_defaults(handler=cmd_plan)


def _register_release(subparsers: Any, common: argparse.ArgumentParser) -> None:
    release = subparsers.add_parser("release", help="cut a release")
    kinds = release.add_subparsers(dest="kind", metavar="KIND", required=True)
    p = kinds.add_parser(
        "monthly",
        parents=[common],
        help="stamp, changelog, commit and tag the monthly release (semantic-release checks it)",
        description="Plan; have `semantic-release --noop version --print` prove the plan where "
        "it can see the base; stamp every version location, update CHANGELOG.md, commit it "
        "(commit_message) and tag it; check that tag, files and plan agree; then push the commit "
        "and tag atomically (unless --no-push). Anything that fails before the push is undone.",
    )
    p.add_argument("--level", choices=LEVELS, default="auto", help="force a level (default: auto)")
    p.add_argument("--dry-run", action="store_true", help="print the plan, change nothing")
    p.add_argument("--no-push", action="store_true", help="commit and tag locally only")
    p.add_argument("--remote", default="origin", help="where to push (default: origin)")
    _pre_args(p)
    p.set_defaults(handler=cmd_release_monthly)


def _register_nightly(subparsers: Any, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "nightly",
        parents=[common],
        help="plan tonight's nightly: X.Y.(Z+1).devYYYYMMDD of every variant, or nothing",
        description="The nightly is the next patch of the last final release as a dev release "
        "dated today (UTC), built from HEAD for every variant and published to a test index. "
        "Nothing new since the last nightly's commit, or tonight's version on the index "
        "already: release=false, exit 0.",
    )
    p.add_argument("--date", metavar="YYYYMMDD", help="the dev number (default: today, UTC)")
    p.add_argument(
        "--last-commit",
        metavar="SHA",
        help="the commit the last nightly was built from (none: since the last release)",
    )
    p.add_argument("--index-url", metavar="URL", help="a simple index whose versions count")
    p.add_argument(
        "--repository", choices=("pypi", "testpypi"), help="a known index whose versions count"
    )
    p.set_defaults(handler=cmd_nightly, pre="nightly")


def cmd_nightly(args: argparse.Namespace) -> int:
    from wheeltrain.stages.release import nightly

    plan = nightly.make_plan(
        args.project,
        date=args.date,
        last_commit=args.last_commit,
        index=_index(args),
    )
    head = (
        f"nightly {plan.version}: {plan.reason}" if plan.release else f"no nightly: {plan.reason}"
    )
    emit(
        args,
        head + f"\nbase: {plan.base or '(no release yet)'}",
        plan.as_dict(),
        {
            "release": "true" if plan.release else "false",
            "version": plan.version,
            "event": "nightly",
        },
    )
    return 0


def _pre_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--pre",
        choices=PRE,
        help="a PEP 440 pre-release of the planned version: X.Y.ZaN, bN or rcN (tag vX.Y.ZrcN)",
    )
    p.add_argument(
        "--index-url",
        metavar="URL",
        help="with --pre: a simple index whose versions count as taken too (default: none)",
    )
    p.add_argument(
        "--repository",
        choices=("pypi", "testpypi"),
        help="with --pre: a known index whose versions count as taken too",
    )


def _index(args: argparse.Namespace) -> IndexClient | None:
    """The index whose versions count as taken (with --pre or a nightly, and an index)."""
    if args.pre is None or not (args.index_url or args.repository):
        return None
    from wheeltrain.stages import edge

    return edge.index(args.index_url, args.repository)


def render_plan(plan: MonthlyPlan) -> str:
    last = plan.last_release or "(none)"
    if plan.last_tag and plan.last_release != plan.last_tag:
        last += f" (the line of {plan.last_tag})"
    if plan.last_tag and not plan.base_reachable:
        last += f"; {plan.last_tag} sits on a release branch, not in this branch's history"
    lines = [f"last release: {last}"]
    if not plan.release:
        lines.append(f"no release: {plan.reason}")
        lines.append(f"{len(plan.commits)} commit(s) since, none releasable")
        return "\n".join(lines)
    lines.append(f"level: {plan.level.label if plan.level else '?'} ({plan.reason})")
    for commit in plan.causes:
        lines.append(f"  {commit.short} {commit.message.splitlines()[0]}")
    lines.append(f"next version: {plan.next_version} (tag {plan.next_tag})")
    lines.append("")
    lines.append(plan.notes.rstrip("\n"))
    return "\n".join(lines)


def cmd_plan(args: argparse.Namespace) -> int:
    plan = monthly.make_plan(args.project, _forced(args), pre=args.pre, index=_index(args))
    emit(args, render_plan(plan), plan.as_dict(), _plan_outputs(plan))
    return 0


def _plan_outputs(plan: MonthlyPlan) -> dict[str, str]:
    return {
        "release": "true" if plan.release else "false",
        "version": plan.next_version or "",
        "tag": plan.next_tag or "",
        "level": plan.level.label if plan.level else "",
        "notes": plan.notes,
    }


def cmd_release_monthly(args: argparse.Namespace) -> int:
    from pathlib import Path

    root = Path(args.project)
    from wheeltrain.stages import edge

    where = edge.checkout(root, adopted=False)  # loaded once, handed to every step
    plan = monthly.make_plan(where, _forced(args), pre=args.pre, index=_index(args))
    if args.dry_run:
        text = render_plan(plan)
        checked = monthly.check_release(where, plan, push=not args.no_push, remote=args.remote)
        if plan.release:
            forced = "" if args.level == "auto" else f" --{args.level}"
            how = f"cut {plan.next_version} (stamp, write the changelog, commit and tag)"
            if checked is not None and checked.proof == "semantic-release":
                how += (
                    f" (`semantic-release --noop version --print{forced}` agrees: "
                    f"{plan.next_version})"
                )
            elif checked is not None and checked.unproven:
                how += f" without semantic-release's check ({checked.unproven})"
            text += f"\n\ndry run: would {how}, check {plan.next_tag}, " + (
                "and stop (--no-push)" if args.no_push else f"then push it to {args.remote}"
            )
        emit(args, text, {"dry_run": True, "plan": plan.as_dict()}, _plan_outputs(plan))
        return 0
    result = monthly.release(where, plan, push=not args.no_push, remote=args.remote)
    outputs = {
        "release": "true" if result.version else "false",
        "version": result.version or "",
        "tag": result.tag or "",
        "notes": result.plan.notes,
    }
    if result.resumed:
        done = "pushed it now" if result.pushed else "nothing to do (--no-push)"
        emit(
            args,
            f"{result.version} was tagged before (tag {result.tag} at HEAD): {done}",
            {"dry_run": False, **result.as_dict()},
            outputs,
        )
        return 0
    if not result.plan.release:
        emit(args, render_plan(result.plan), {"dry_run": False, **result.as_dict()}, outputs)
        return 0
    pushed = "pushed" if result.pushed else "not pushed (--no-push)"
    if result.proven_by:
        pushed += f"; {result.proven_by} agreed with the plan"
    emit(
        args,
        f"released {result.version}: commit {str(result.commit)[:7]}, tag {result.tag}, {pushed}",
        {"dry_run": False, **result.as_dict()},
        outputs,
    )
    return 0
