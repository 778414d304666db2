"""`wheeltrain hotfix plan|start|release`: PEP 440 post releases from a release tag."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wheeltrain.cli._output import emit
from wheeltrain.core.text import fold
from wheeltrain.errors import UsageError

if TYPE_CHECKING:
    from wheeltrain.core.hotfix import HotfixPlan
    from wheeltrain.stages.common import Checkout


def _post(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        raise UsageError(f"--post {text!r} is not a whole number") from None


def _add_plan_options(p: argparse.ArgumentParser, *, release: bool) -> None:
    p.add_argument("--base", required=True, metavar="X.Y.Z", help="the final release to fix")
    p.add_argument("--post", metavar="N", help="the post number (default: the next free one)")
    p.add_argument(
        "--description",
        required=release,
        default="",
        metavar="TEXT",
        help="what the hotfix fixes, for the changelog and release notes (kept as text)",
    )
    p.add_argument("--ref", default="HEAD", help="the commit to release (default: HEAD)")
    p.add_argument(
        "--index-url",
        metavar="URL",
        help="also count post releases already on this simple index as taken",
    )
    p.add_argument(
        "--allow-features",
        action="store_true",
        help="release even when feat or breaking commits are among the changes",
    )


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    group = subparsers.add_parser("hotfix", help="post releases X.Y.Z.postN of a release")
    verbs = group.add_subparsers(dest="verb", metavar="VERB", required=True)

    p = verbs.add_parser(
        "plan",
        parents=[common],
        help="check a hotfix and say what it will be and who receives it",
        description="Validate the base, pick or check the post number, list the commits since "
        "the previous release of the line, refuse features, and say who will receive it.",
    )
    _add_plan_options(p, release=False)
    p.set_defaults(handler=cmd_plan)

    p = verbs.add_parser(
        "start",
        parents=[common],
        help="create the maintenance branch hotfix/vX.Y.Z from the release tag",
    )
    p.add_argument(
        "--base", required=True, metavar="X.Y.Z", help="the final release the branch starts from"
    )
    p.add_argument("--switch", action="store_true", help="check the branch out as well")
    p.add_argument(
        "--dry-run", action="store_true", help="say where the branch would start, change nothing"
    )
    p.add_argument(
        "--remote",
        default="origin",
        help="a maintenance branch this remote has is taken from it (default: origin)",
    )
    p.set_defaults(handler=cmd_start)

    p = verbs.add_parser(
        "release",
        parents=[common],
        help="stamp, changelog, commit, tag and branch the post release",
        description="Stamp X.Y.Z.postN wherever [tool.semantic_release] says the version lives, "
        "put a section at the top of the changelog, commit it (commit_message), tag "
        "it, create the tracking branch hotfix/vX.Y.Z.postN, then push all three atomically "
        "(unless --no-push).",
    )
    _add_plan_options(p, release=True)
    p.add_argument("--dry-run", action="store_true", help="print the plan, change nothing")
    p.add_argument("--no-push", action="store_true", help="commit, tag and branch locally only")
    p.add_argument("--remote", default="origin", help="where to push (default: origin)")
    p.set_defaults(handler=cmd_release)


def _plan(args: argparse.Namespace, where: Checkout | None = None) -> HotfixPlan:
    from wheeltrain.stages.release import hotfix as hotfix_release

    return hotfix_release.make_plan(
        where if where is not None else Path(args.project),
        args.base,
        post=_post(args.post),
        description=args.description,
        ref=args.ref,
        index_url=args.index_url,
        allow_features=args.allow_features,
    )


def render(plan: HotfixPlan) -> str:
    lines = [
        f"hotfix: {plan.version} (tag {plan.tag}), post release {plan.post} of {plan.base_tag}",
        f"changes since {plan.previous_tag}: {len(plan.commits)} commit(s)",
    ]
    lines += [f"  {c.short} {c.message.splitlines()[0]}" for c in plan.commits]
    lines += [
        f"branches: fixes on {plan.maintenance_branch}, release tracked on {plan.tracking_branch}",
        *fold(f"who receives it: {plan.audience}"),
        *(fold(plan.configuration) if plan.configuration else []),
        "",
        plan.notes.rstrip("\n"),
    ]
    return "\n".join(lines)


def _outputs(version: str, tag: str, tracking: str, notes: str) -> dict[str, str]:
    return {"version": version, "tag": tag, "tracking_branch": tracking, "notes": notes}


def cmd_plan(args: argparse.Namespace) -> int:
    plan = _plan(args)
    emit(
        args,
        render(plan),
        plan.as_dict(),
        _outputs(plan.version, plan.tag, plan.tracking_branch, plan.notes),
    )
    return 0


def cmd_start(args: argparse.Namespace) -> int:
    from wheeltrain.stages.release import hotfix as hotfix_release

    branch, created, start_tag = hotfix_release.start(
        Path(args.project), args.base, switch=args.switch, remote=args.remote, dry_run=args.dry_run
    )
    if start_tag == f"{args.remote}/{branch}":
        what = f"taken from {start_tag}"
    else:
        what = f"created at {start_tag}" if created else "exists already"
    if args.dry_run:
        what = "would be " + what.replace("exists already", "used as it is")
    hint = (
        ""
        if args.switch or args.dry_run
        else f"; `git switch {branch}` and cherry-pick the fix onto it"
    )
    emit(
        args,
        f"{branch} {what}{hint}",
        {"branch": branch, "created": created, "start": start_tag, "dry_run": args.dry_run},
    )
    return 0


def cmd_release(args: argparse.Namespace) -> int:
    from wheeltrain.stages.release import hotfix as hotfix_release

    if not args.description.strip():
        raise UsageError("--description is empty: say in a sentence what the hotfix fixes")
    from wheeltrain.stages import edge

    root = edge.checkout(Path(args.project))  # loaded once, handed to every step
    done = (
        None
        if args.dry_run
        else hotfix_release.resume(
            root, args.base, post=_post(args.post), push=not args.no_push, remote=args.remote
        )
    )
    if done is not None:  # an earlier run cut this hotfix at HEAD: finished here
        cut = done.cut
        where = "pushed" if done.pushed else "not pushed (--no-push)"
        emit(
            args,
            f"{cut.version} was cut before (tag {cut.tag} at HEAD): finished it, {where}",
            done.as_dict(),
        )
        return 0
    plan = _plan(args, root)
    if args.dry_run:
        emit(
            args,
            render(plan) + f"\n\ndry run: would commit `{plan.subject}`, tag "
            f"{plan.tag} and create {plan.tracking_branch}",
            {"dry_run": True, "plan": plan.as_dict()},
            _outputs(plan.version, plan.tag, plan.tracking_branch, plan.notes),
        )
        return 0
    result = hotfix_release.release(root, plan, push=not args.no_push, remote=args.remote)
    where = "pushed" if result.pushed else "not pushed (--no-push)"
    emit(
        args,
        f"released {plan.version}: commit {result.commit[:7]}, tag {plan.tag}, branch "
        f"{plan.tracking_branch}, {where}\n" + "\n".join(fold(f"who receives it: {plan.audience}")),
        {"dry_run": False, "resumed": False, **result.as_dict()},
        _outputs(plan.version, plan.tag, plan.tracking_branch, plan.notes),
    )
    return 0
