"""The release manager's commands: current, bump, post, changelog, verify, validate."""

from __future__ import annotations

import argparse
import difflib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wheeltrain.cli._output import emit, retries, seconds, timeout
from wheeltrain.core import tags as tagsmod
from wheeltrain.core.changelog import render_notes
from wheeltrain.core.config import ARCHS, EVENTS
from wheeltrain.core.versioning import BumpLevel, bump, parse, post, validate_for_release
from wheeltrain.errors import StepFailed, UsageError
from wheeltrain.stages import edge

if TYPE_CHECKING:
    from wheeltrain.stages.edge import Git, Project


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "current",
        parents=[common],
        help="show the project's version and its latest release tag",
        description="Show the version in pyproject.toml, the latest release tag reachable "
        "from HEAD, and whether they agree.",
    )
    p.add_argument("--check", action="store_true", help="exit 1 when they disagree")
    p.set_defaults(handler=cmd_current)

    p = subparsers.add_parser(
        "bump",
        parents=[common],
        help="bump [project].version by a level",
        description="Print old -> new; without --dry-run rewrite [project].version in "
        "pyproject.toml, leaving every other byte as it was.",
    )
    p.add_argument(
        "level", choices=[lv.label for lv in reversed(BumpLevel)], help="which part to raise"
    )
    p.add_argument("--dry-run", action="store_true", help="print the change, write nothing")
    p.set_defaults(handler=cmd_bump)

    p = subparsers.add_parser(
        "post",
        parents=[common],
        help="the post release (hotfix) version of a final release",
        description="Print BASE.postN, e.g. `post 0.4.0 1` -> 0.4.0.post1. Pure: reads nothing.",
    )
    p.add_argument("base_version", help="the final release, e.g. 0.4.0")
    p.add_argument("post_number", help="the post number, e.g. 1 for 0.4.0.post1")
    p.set_defaults(handler=cmd_post)

    p = subparsers.add_parser(
        "changelog",
        parents=[common],
        help="Markdown release notes from the commits since a tag",
        description="Group the commits since TAG (default: the latest release tag reachable "
        "from HEAD) by Conventional Commit type.",
    )
    p.add_argument("--since", metavar="TAG", help="start after this tag")
    p.add_argument("--ref", default="HEAD", help="end at this ref (default: HEAD)")
    p.add_argument(
        "--all",
        action="store_true",
        dest="all_releases",
        help="the whole history, one section per release tag, newest first",
    )
    p.set_defaults(handler=cmd_changelog)

    p = subparsers.add_parser(
        "verify",
        parents=[common],
        help="does a version of a package exist on the index, and with which files",
        description="Exit 0 when PACKAGE==VERSION is on the index, 1 when it is not, "
        "2 for bad input.",
    )
    p.add_argument(
        "target",
        nargs="*",
        metavar="PACKAGE VERSION",
        help="the distribution and version; with --all-variants only the version; with "
        "--receipt nothing",
    )
    p.add_argument(
        "--index-url",
        metavar="URL",
        help="a PEP 503 / PEP 691 simple index root (default: PyPI's JSON API, or the root in $WHEELTRAIN_PYPI_JSON_URL)",
    )
    p.add_argument(
        "--all-variants",
        action="store_true",
        help="check the whole release: every variant of [tool.wheeltrain] has VERSION with "
        "exactly the expected files",
    )
    p.add_argument("--event", choices=EVENTS, help="with --all-variants: which release (monthly)")
    p.add_argument("--variant", action="append", default=[], help="with --all-variants: only this")
    p.add_argument("--python", action="append", default=[], help="with --all-variants: only this")
    p.add_argument("--arch", action="append", default=[], choices=ARCHS, help="with --all-variants")
    p.add_argument("--dist", help="with --all-variants: compare sha256 with the files built here")
    p.add_argument(
        "--wait",
        type=seconds,
        default=0.0,
        metavar="SECONDS",
        help="with --all-variants: keep asking until the release is complete or SECONDS pass "
        "(an index can take a while to show new uploads)",
    )
    p.add_argument(
        "--receipt",
        metavar="FILE",
        help="does the index still hold exactly what this receipt (`wheeltrain receipt --out`) "
        "says: every file, with its sha256, none yanked, none added",
    )
    p.add_argument("--timeout", type=timeout, default=10.0, help="seconds per request (default 10)")
    p.add_argument(
        "--retries", type=retries, default=2, help="retries after a transient failure (default 2)"
    )
    p.set_defaults(handler=cmd_verify)

    p = subparsers.add_parser(
        "validate",
        parents=[common],
        help="is a version string fit for a release",
        description="Exit 0 with the canonical form and kind of a canonical PEP 440 public "
        "version; exit 2 otherwise, with the spelling to use.",
    )
    p.add_argument("version", help="the version to check, e.g. 0.4.0.post1")
    p.set_defaults(handler=cmd_validate)


def _root(args: argparse.Namespace) -> Path:
    root = Path(args.project)
    if not root.is_dir():
        raise UsageError(f"--project {args.project}: no such directory")
    return root


def cmd_current(args: argparse.Namespace) -> int:
    root = _root(args)
    project = edge.project(root)
    git = edge.repository(root)
    from wheeltrain.stages.release.monthly import reachable_release

    inside, elsewhere = (
        reachable_release(git, project.tag_format) if git.has_commits() else (None, None)
    )
    # the line's latest release names the state; a branch that does not contain it (a post
    # release made on its hotfix branch, a release branch not merged back yet) keeps the
    # version of the newest release it contains
    tag = elsewhere or inside
    own = inside if elsewhere is not None else None
    file_version = parse(project.version)
    held = edge.held_versions(project)
    stray = {
        where: values
        for where, values in held.items()
        if not values or any(v != project.version for v in values)
    }
    agree = (
        tag is not None
        and (tag.version == file_version or (own is not None and own.version == file_version))
        and not stray
    )
    data = {
        "name": project.name,
        "version": project.version,
        "tag": tag.name if tag else None,
        "tag_version": str(tag.version) if tag else None,
        "locations": held,
        "agree": agree,
    }
    if stray:
        where, values = next(iter(stray.items()))
        state = (
            f"DISAGREE: {where} says {', '.join(values) or 'nothing'}, "
            f"pyproject.toml says {project.version}"
        )
    elif tag is None:
        state = "no release tag reachable from HEAD yet"
    elif agree:
        state = "in agreement"
    else:
        state = f"DISAGREE: pyproject.toml says {project.version}, the tag says {tag.version}"
    text = (
        f"{project.name} {project.version}\n"
        f"latest release tag: {tag.name if tag else '(none)'}\n"
        f"{state}"
    )
    if elsewhere is not None and agree and tag is not None and tag.version != file_version:
        data["released_elsewhere"] = elsewhere.name
        text += (
            f"\n{elsewhere.name} was released from another branch (not in this one's history): "
            "this branch keeps its own version"
        )
    emit(
        args,
        text,
        data,
        {
            "version": project.version,
            "tag": tag.name if tag else "",
            "agree": "true" if agree else "false",
        },
    )
    if args.check and not agree:
        if stray:
            raise StepFailed(
                f"{state.removeprefix('DISAGREE: ')}: stamp every version location "
                "(wheeltrain bump or semantic-release) so they agree"
            )
        raise StepFailed(
            "pyproject.toml and the latest release tag disagree: "
            + ("tag the release" if tag is None else "stamp the version or tag the release")
        )
    return 0


def cmd_bump(args: argparse.Namespace) -> int:
    root = _root(args)
    project = edge.project(root)
    old = parse(project.version)
    new = bump(old, BumpLevel.from_name(args.level))
    written = False
    places = project.settings.locations
    edge.check_locations(project)
    if not args.dry_run:
        edge.stamp_version(project, str(new))
        written = True
    where = ", ".join(str(p) for p in places)
    suffix = " (dry run, nothing written)" if args.dry_run else f" (written to {where})"
    emit(
        args,
        f"{old} -> {new}{suffix}",
        {"old": str(old), "new": str(new), "level": args.level, "written": written},
    )
    return 0


def cmd_post(args: argparse.Namespace) -> int:
    if not isinstance(args.post_number, str) or not isinstance(args.base_version, str):
        raise UsageError("give a final release and a post number: post 0.4.0 1")
    try:
        number = int(args.post_number)
    except ValueError:
        raise UsageError(f"post number {args.post_number!r} is not a whole number") from None
    version = post(args.base_version, number)
    emit(args, str(version), {"base": args.base_version, "post": number, "version": str(version)})
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    info = validate_for_release(args.version)
    emit(args, f"{info.canonical} ({info.kind})", {"valid": True, **info.as_dict()})
    return 0


def cmd_changelog(args: argparse.Namespace) -> int:
    root = _root(args)
    project = edge.project(root, adopted=False)  # the tree's own history, as it is
    git = edge.repository(root)
    if git.rev_parse(args.ref) is None:
        raise UsageError(f"--ref {args.ref!r} is not a commit in this repository")
    since: str | None = args.since
    if args.all_releases:
        if since is not None:
            raise UsageError("--all and --since exclude each other: choose one")
        return _changelog_all(args, project, git)
    if since is not None:
        all_tags = [t.name for t in git.tags()]
        if since not in all_tags:
            close = difflib.get_close_matches(since, all_tags, n=3, cutoff=0.5)
            hint = (
                f"closest tags: {', '.join(close)}" if close else "the repository has no such tag"
            )
            raise UsageError(f"unknown tag {since!r}: {hint}")
    else:
        # The release tagged at REF is what the notes describe: start after the one before.
        at_ref = git.rev_parse(args.ref)
        names = [t.name for t in git.tags(merged=args.ref) if t.sha != at_ref]
        found = tagsmod.latest(tagsmod.release_tags(names, project.tag_format))
        since = found.name if found else None
    rev_range = f"{since}..{args.ref}" if since else args.ref
    commits = list(git.log(rev_range))
    title = f"Changes since {since}" if since else "Changes"
    notes = render_notes(commits, title=title, repo_url=project.repo_url, settings=project.settings)
    emit(
        args,
        notes,
        {
            "since": since,
            "ref": args.ref,
            "commits": [c.as_dict() for c in commits],
            "markdown": notes,
        },
    )
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from packaging.utils import InvalidName, canonicalize_name

    if args.retries < 0:
        raise UsageError("--retries cannot be negative")
    if args.timeout <= 0:
        raise UsageError("--timeout must be a positive number of seconds")
    if args.receipt is not None:
        return _verify_receipt(args)
    if args.all_variants:
        from wheeltrain.cli._publish import cmd_verify_all

        return cmd_verify_all(args)
    if len(args.target) != 2:
        raise UsageError("give the distribution and the version: verify PACKAGE VERSION")
    args.package, args.version = args.target

    try:
        canonicalize_name(args.package, validate=True)
    except InvalidName:
        raise UsageError(f"{args.package!r} is not a valid distribution name") from None
    version = parse(args.version)
    client = edge.index(args.index_url, timeout=args.timeout, attempts=args.retries + 1)
    files = client.files(args.package, str(version))
    data: dict[str, Any] = {
        "package": args.package,
        "version": str(version),
        "index": client.where,
        "found": files is not None,
        "files": [f.as_dict() for f in files or []],
    }
    if files is None:
        emit(args, f"{args.package} {version} is not on {client.where}", data)
        return 1
    lines = [f"{args.package} {version} is on {client.where} with {len(files)} file(s):"]
    for f in files:
        what = ", ".join(f.tags) if f.tags else "source distribution"
        lines.append(f"  {f.kind:<5}  {what:<45}  {f.filename}")
    emit(args, "\n".join(lines), data)
    return 0


def _verify_receipt(args: argparse.Namespace) -> int:
    from wheeltrain.stages.pipeline.receipt import check_receipt_file

    if args.target or args.all_variants:
        raise UsageError(
            "--receipt names the release itself: give no PACKAGE, VERSION or --all-variants"
        )
    receipt, where, problems = check_receipt_file(
        Path(args.receipt), args.index_url, timeout=args.timeout, attempts=args.retries + 1
    )
    data = {
        "receipt": args.receipt,
        "version": receipt.version,
        "index": where,
        "files": len(receipt.files),
        "ok": not problems,
        "problems": problems,
    }
    if not problems:
        emit(
            args,
            f"ok: {where} still holds exactly the {len(receipt.files)} file(s) of the receipt "
            f"of {receipt.version} (created {receipt.created})",
            data,
        )
        return 0
    emit(
        args,
        f"{len(problems)} difference(s) between {where} and the receipt of {receipt.version}:\n"
        + "\n".join(f"  {p}" for p in problems),
        data,
    )
    return 1


def _changelog_all(args: argparse.Namespace, project: Project, git: Git) -> int:
    """One section per release tag over the whole history (:func:`history_sections`)."""
    from wheeltrain.stages.release.notes import history_sections

    sections = history_sections(project, git, args.ref)
    parts = [section.markdown for section in sections]
    text = "\n".join(parts)
    emit(
        args,
        text,
        {
            "releases": [{"title": s.title, "commits": list(s.commits)} for s in sections],
            "markdown": text,
        },
    )
    return 0
