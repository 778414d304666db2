"""Hotfix planning: PEP 440 post releases ``X.Y.Z.postN`` of a final release. Pure.

python-semantic-release cannot make post releases (it ignores ``v0.4.0.post1`` as an
unparseable tag), so this path is wheeltrain's own. It is built so that the monthly path keeps
working: the hotfix commit is a release commit (``commit_message``), which releases nothing, and post
tags are never the base of a monthly release.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from packaging.version import Version

from wheeltrain.core.changelog import render_notes
from wheeltrain.core.commits import Commit
from wheeltrain.core.settings import ReleaseSettings
from wheeltrain.core.tags import ReleaseTag, line_tags, tag_name
from wheeltrain.core.versioning import (
    BumpLevel,
    in_line,
    next_post_number,
    post,
    validate_for_release,
)
from wheeltrain.errors import UsageError

__all__ = [
    "MAX_DESCRIPTION",
    "HotfixPlan",
    "audience",
    "changelog_section",
    "hotfix_branch",
    "plan_hotfix",
]

#: GitHub refuses release bodies over 125,000 characters; leave room for the commit list.
MAX_DESCRIPTION = 100_000


def hotfix_branch(tag: str) -> str:
    """``hotfix/<tag>``: for a base tag, the maintenance branch fixes are cherry-picked onto
    (``hotfix/v0.4.0``); for a post release tag, the branch that tracks that release
    (``hotfix/v0.4.0.post1``)."""
    return f"hotfix/{tag}"


@dataclass(frozen=True)
class HotfixPlan:
    base: str
    base_tag: str
    post: int
    version: str
    tag: str
    previous_tag: str
    maintenance_branch: str
    tracking_branch: str
    commits: tuple[Commit, ...]
    description: str
    newer_release: str | None
    audience: str
    notes: str
    #: Where the release configuration came from when the line predates it (core.adoption):
    #: the default branch, and where the version lives in this tree; empty otherwise.
    configuration: str = ""
    #: The release commit's subject, from ``commit_message``.
    subject: str = ""

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": "hotfix",
            "configuration": self.configuration or None,
            "release": True,
            "base": self.base,
            "base_tag": self.base_tag,
            "post": self.post,
            "version": self.version,
            "next_version": self.version,
            "tag": self.tag,
            "previous_tag": self.previous_tag,
            "maintenance_branch": self.maintenance_branch,
            "tracking_branch": self.tracking_branch,
            "commits": [c.as_dict() for c in self.commits],
            "description": self.description,
            "newer_release": self.newer_release,
            "audience": self.audience,
            "notes": self.notes,
        }


def audience(base: str, version: str, newer: str | None) -> str:
    """Who receives the hotfix, in PEP 440 terms that pip follows."""
    pins = f"`=={base}.*`, `~={base}` and `>={base},<{_next_patch(base)}`"
    if newer is not None:
        return (
            f"a newer release ({newer}) exists, so `pip install --upgrade` users get {newer}, "
            f"not {version}; only installs pinned to the {base} line receive it ({pins}); "
            f"`=={base}`, `<={base}` and `>{base}` never match {version}"
        )
    return (
        f"`pip install --upgrade` moves {base} to {version} (it is the newest release), and "
        f"{pins} match it; `=={base}`, `<={base}` and `>{base}` never match {version}"
    )


def _next_patch(base: str) -> str:
    major, minor, patch = (int(n) for n in Version(base).release[:3])
    return f"{major}.{minor}.{patch + 1}"


def plan_hotfix(
    *,
    base: str,
    settings: ReleaseSettings,
    tags: Sequence[ReleaseTag],
    ref_contains: Iterable[str],
    commits_since: Callable[[str], Sequence[Commit]],
    requested_post: int | None,
    index_versions: Iterable[Version] = (),
    description: str = "",
    allow_features: bool = False,
    repo_url: str | None = None,
) -> HotfixPlan:
    """Decide the post release of ``base``.

    ``tags`` are all release tags of the repository; ``ref_contains`` names those the hotfix
    ref contains; ``commits_since(tag)`` gives the commits between a tag and the ref, newest
    first (it is asked for the previous release of this line: the base tag or its latest
    post tag).
    """
    info = validate_for_release(base)
    if info.kind != "final":
        raise UsageError(
            f"--base {base} is a {info.kind} release: hotfixes are post releases of a final "
            f"release such as {info.base}"
        )
    base_version = Version(base)
    tag_format = settings.tag_format
    base_tag = tag_name(tag_format, base)
    names = {t.name for t in tags}
    if base_tag not in names:
        raise UsageError(f"there is no tag {base_tag}: a hotfix starts from a released version")
    contained = set(ref_contains)
    line = [t for t in line_tags(tags, base_version) if t.version.post is not None]
    index_line = [v for v in index_versions if v.post is not None and in_line(v, base_version)]
    taken_tags = {t.version.post for t in line if t.version.post is not None}
    taken_index = {v.post for v in index_line if v.post is not None}
    taken = taken_tags | taken_index
    next_free = next_post_number(base_version, [*(t.version for t in line), *index_line])
    if requested_post is None:
        number = next_free
    else:
        if requested_post < 1:
            raise UsageError(f"--post {requested_post} is below 1: post releases count from 1")
        if requested_post in taken:
            where = "as a tag" if requested_post in taken_tags else "on the index"
            raise UsageError(
                f"{base}.post{requested_post} exists already {where}: the next free post "
                f"number is {next_free}"
            )
        if requested_post != next_free:
            raise UsageError(
                f"--post {requested_post} leaves a gap: the next post release of {base} is "
                f"post{next_free}"
            )
        number = requested_post
    latest_post = max(line, key=lambda t: t.version, default=None)
    previous = latest_post.name if latest_post else base_tag
    if previous not in contained:
        # The ref must hold the line's newest release (a post release cut from main need not
        # contain the base tag itself, when that sits on a release branch).
        why = (
            f"post{number} would drop its fixes; build on {previous}"
            if previous != base_tag
            else f"run `wheeltrain hotfix start --base {base}` and cherry-pick the fix onto "
            f"{hotfix_branch(base_tag)}"
        )
        raise UsageError(f"the hotfix ref does not contain {previous}: {why}")
    changes = [c for c in commits_since(previous) if not settings.is_release_commit(c.message)]
    if not changes:
        raise UsageError(
            f"there are no commits after {previous} on the hotfix ref: cherry-pick the fix first"
        )
    features = [c for c in changes if c.level in (BumpLevel.MINOR, BumpLevel.MAJOR)]
    if features and not allow_features:
        first = features[0]
        raise UsageError(
            f"{len(features)} commit(s) since {previous} are features or breaking changes "
            f"({first.short} {first.message.splitlines()[0]!r}): that is a minor or major "
            "release, not a hotfix; pass --allow-features to release them anyway"
        )
    if len(description) > MAX_DESCRIPTION:
        raise UsageError(
            f"the description has {len(description):,} characters: keep it under "
            f"{MAX_DESCRIPTION:,} (GitHub limits release notes)"
        )
    version = str(post(base, number))
    newer = [t.version for t in tags if t.is_final and t.version > base_version]
    newer_release = str(max(newer)) if newer else None
    tag = tag_name(tag_format, version)
    who = audience(base, version, newer_release)
    return HotfixPlan(
        base=base,
        base_tag=base_tag,
        post=number,
        version=version,
        tag=tag,
        previous_tag=previous,
        maintenance_branch=hotfix_branch(base_tag),
        tracking_branch=hotfix_branch(tag),
        commits=tuple(changes),
        description=description,
        newer_release=newer_release,
        audience=who,
        notes=release_notes(base_tag, description, changes, repo_url, settings),
    )


def _quote(description: str) -> list[str]:
    # The description is a person's text: kept whole, inside a block quote so that headings
    # or list markers in it cannot break the changelog's structure, and with "<" written as
    # an entity so that it can never open HTML or repeat the changelog's insertion marker.
    text = description.strip("\n").replace("&", "&amp;").replace("<", "&lt;")
    return [f"> {line}".rstrip() for line in text.splitlines()] if text else []


def release_notes(
    base_tag: str,
    description: str,
    commits: Sequence[Commit],
    repo_url: str | None,
    settings: ReleaseSettings,
) -> str:
    preamble = [f"Hotfix of {base_tag} (a PEP 440 post release)."]
    quoted = _quote(description)
    if quoted:
        preamble.append("\n".join(quoted))
    return render_notes(
        commits, title=None, repo_url=repo_url, preamble=preamble, settings=settings
    )


def changelog_section(plan: HotfixPlan, date: str) -> str:
    """The CHANGELOG.md section, shaped like semantic-release's own (``## vX (date)``)."""
    return f"## {plan.tag} ({date})\n\n{plan.notes}"
