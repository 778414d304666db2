"""The hotfix stage: plan from git (and the index), then stamp, changelog, commit, tag and
branch with wheeltrain's own code, and push atomically."""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass
from typing import Any

from packaging.version import Version

from wheeltrain.adapters import stamp
from wheeltrain.adapters.project import Project
from wheeltrain.core.changelog import insert_section
from wheeltrain.core.hotfix import HotfixPlan, changelog_section, hotfix_branch, plan_hotfix
from wheeltrain.core.tags import line_tags, release_tags, tag_name
from wheeltrain.core.versioning import in_line, validate_for_release
from wheeltrain.errors import ConfigError, StepFailed
from wheeltrain.stages.common import (
    Where,
    checkout,
    cut_at,
    origin_blocks,
    published_versions,
    require_history,
    require_remote,
)
from wheeltrain.stages.release.cut import cut_release

__all__ = [
    "HotfixResult",
    "Resumed",
    "find_cut",
    "finish",
    "make_plan",
    "release",
    "resume",
    "start",
]


def make_plan(
    root: Where,
    base: str,
    *,
    post: int | None = None,
    description: str = "",
    ref: str = "HEAD",
    index_url: str | None = None,
    allow_features: bool = False,
) -> HotfixPlan:
    project, git = checkout(root)
    require_history(git, "a hotfix plan")
    if git.rev_parse(ref) is None:
        raise ConfigError(f"--ref {ref!r} is not a commit in this repository")
    all_tags = git.tags()
    tags = release_tags([t.name for t in all_tags], project.tag_format)
    contains = {t.name for t in git.tags(merged=ref)}
    index_versions: set[Any] = set()
    if index_url is not None:
        from wheeltrain.adapters.index import IndexClient

        # every distribution of the project counts, as for a pre-release
        index_versions = set(published_versions(project, IndexClient(index_url)))
    plan = plan_hotfix(
        base=base,
        settings=project.settings,
        tags=tags,
        ref_contains=contains,
        commits_since=lambda tag: list(git.log(f"{tag}..{ref}")),
        requested_post=post,
        index_versions=index_versions,
        description=description,
        allow_features=allow_features,
        repo_url=project.repo_url,
    )
    return dataclasses.replace(
        plan,
        configuration=configuration_source(project),
        subject=project.settings.release_message(plan.version),
    )


def configuration_source(project: Project) -> str:
    """One line on where a tree cut before adoption takes its configuration; "" otherwise."""
    if project.config_ref is None:
        return ""
    moved = "; ".join(f"{new} ({old} on {project.config_ref})" for old, new in project.moved)
    absent = ", ".join(project.absent)
    return (
        f"this tree predates [tool.wheeltrain]: the configuration is {project.config_ref}'s, "
        f"the source and version this tree's ({_relative(project)})"
        + (f"; the version is stamped in {moved}" if moved else "")
        + (f"; not in this tree: {absent}" if absent else "")
    )


def _relative(project: Project) -> str:
    try:
        return project.pyproject.relative_to(project.root).as_posix()
    except ValueError:
        return project.pyproject_file


def start(
    root: Where, base: str, *, switch: bool = False, remote: str = "origin", dry_run: bool = False
) -> tuple[str, bool, str]:
    """Create ``hotfix/v<base>`` unless it exists; returns (branch, created, start).

    A maintenance branch that ``remote`` has already (a fresh clone, a workflow's checkout)
    is taken from there with its fixes; a new one starts at the latest post release of the
    line when there is one (so the next hotfix keeps the earlier fixes), else at the base tag.
    """
    project, git = checkout(root)
    info = validate_for_release(base)
    if info.kind != "final":
        raise ConfigError(f"--base {base} is a {info.kind} release: give a final release")
    tag = tag_name(project.tag_format, base)
    if git.rev_parse(f"refs/tags/{tag}") is None:
        raise ConfigError(f"there is no tag {tag}: a hotfix starts from a released version")
    line = line_tags(release_tags([t.name for t in git.tags()], project.tag_format), Version(base))
    start_tag = line[-1].name
    branch = hotfix_branch(tag)
    created = git.rev_parse(f"refs/heads/{branch}") is None
    origin = f"refs/remotes/{remote}/{branch}"
    if created and git.rev_parse(origin) is not None:
        created, start_tag, source = False, f"{remote}/{branch}", origin
    else:
        source = f"refs/tags/{start_tag}^{{commit}}"
    if dry_run:
        return branch, created, start_tag
    if git.rev_parse(f"refs/heads/{branch}") is None:
        git.create_branch(branch, source)
    if switch:
        git.switch(branch)
    return branch, created, start_tag


@dataclass(frozen=True)
class HotfixResult:
    plan: HotfixPlan
    commit: str
    files: tuple[str, ...]
    pushed: bool

    def as_dict(self) -> dict[str, object]:
        return {
            "plan": self.plan.as_dict(),
            "version": self.plan.version,
            "tag": self.plan.tag,
            "tracking_branch": self.plan.tracking_branch,
            "commit": self.commit,
            "files": list(self.files),
            "pushed": self.pushed,
        }


def release(
    root: Where,
    plan: HotfixPlan,
    *,
    push: bool,
    remote: str = "origin",
    today: datetime.date | None = None,
) -> HotfixResult:
    """Stamp, write the changelog section, commit, tag and create the tracking branch.

    Everything is local until the one atomic push at the end; when a local step fails, the
    commit, tag and branch made so far are removed again.
    """
    project, git = checkout(root)
    if push:
        require_remote(git, remote)
    if git.status_porcelain():
        raise ConfigError(f"{git.root} has uncommitted changes: commit or stash them first")
    branch = git.current_branch()
    if branch is None:
        raise ConfigError("HEAD is detached: check out the hotfix branch first")
    new_refs = [f"refs/tags/{plan.tag}", f"refs/heads/{plan.tracking_branch}"]
    for ref in new_refs:
        if git.rev_parse(ref) is not None:
            raise ConfigError(f"{ref} exists already: {plan.version} was released before")
    before = git.head()
    if push:
        blocked = origin_blocks(git, remote, branch, new_refs, parent=before)
        if blocked:
            raise StepFailed(f"{blocked}: nothing was made; pull, then run the hotfix again")
    settings = project.settings
    stamp.check_locations(git.root, settings.locations)
    date = (today or datetime.datetime.now(datetime.timezone.utc).date()).isoformat()
    target = git.root / settings.changelog_file
    try:
        old = target.read_text(encoding="utf-8") if target.exists() else None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {settings.changelog_file}: {exc}") from None
    files = cut_release(
        git,
        settings,
        version=plan.version,
        tag=plan.tag,
        changelog=insert_section(old, changelog_section(plan, date), settings.insertion_flag),
        notes=plan.notes,
        branch=plan.tracking_branch,
        what="hotfix",
    )
    head = git.head()
    if push:
        git.push_atomic(
            remote,
            [
                f"HEAD:refs/heads/{branch}",
                f"refs/tags/{plan.tag}",
                f"refs/heads/{plan.tracking_branch}",
            ],
        )
    return HotfixResult(plan, head, tuple(files), pushed=push)


@dataclass(frozen=True)
class Cut:
    """A post release already committed and tagged at HEAD by an earlier run."""

    version: str
    post: int
    tag: str
    tracking_branch: str


@dataclass(frozen=True)
class Resumed:
    """What a run finished of an earlier run's cut."""

    cut: Cut
    commit: str
    pushed: bool

    def as_dict(self) -> dict[str, object]:
        return {
            "dry_run": False,
            "resumed": True,
            "version": self.cut.version,
            "tag": self.cut.tag,
            "tracking_branch": self.cut.tracking_branch,
            "commit": self.commit,
            "pushed": self.pushed,
        }


def resume(
    root: Where, base: str, *, post: int | None, push: bool, remote: str = "origin"
) -> Resumed | None:
    """Finish what an earlier run of this hotfix cut at HEAD (the tracking branch, then the
    push); None when HEAD holds no cut of the line, or another post number is asked for."""
    root = checkout(root)
    cut = find_cut(root, base)
    if cut is None or post not in (None, cut.post):
        return None
    return Resumed(cut, finish(root, cut, push=push, remote=remote), push)


def find_cut(root: Where, base: str) -> Cut | None:
    """The post release of ``base`` that an earlier run cut at HEAD, if there is one."""
    project, git = checkout(root)
    cut = cut_at(git, project.settings)
    if cut is None or cut.version.post is None:
        return None
    if not in_line(cut.version, Version(base)):
        return None
    return Cut(str(cut.version), cut.version.post, cut.tag, hotfix_branch(cut.tag))


def finish(root: Where, cut: Cut, *, push: bool, remote: str = "origin") -> str:
    """Finish what a broken run started: the tracking branch, then the atomic push."""
    _, git = checkout(root)
    branch = git.current_branch()
    if branch is None:
        raise ConfigError("HEAD is detached: check out the hotfix branch first")
    if push:
        head = git.head()
        parent = git.rev_parse("HEAD^")
        new_refs = [f"refs/tags/{cut.tag}", f"refs/heads/{cut.tracking_branch}"]
        blocked = (
            origin_blocks(git, remote, branch, new_refs, parent=parent, release=head)
            if parent is not None
            else None
        )
        if blocked and parent is not None:
            # the earlier cut can never be pushed: take it back, so a run after the pull
            # plans again from what origin has
            if git.rev_parse(f"refs/heads/{cut.tracking_branch}") == head:
                git.delete_branch(cut.tracking_branch)
            git.delete_tag(cut.tag)
            git.reset_hard(parent)
            raise StepFailed(
                f"the hotfix {cut.tag} cut by an earlier run cannot be pushed: {blocked}; "
                "its commit, tag and branch were removed here: pull, then run the hotfix again"
            )
    if git.rev_parse(f"refs/heads/{cut.tracking_branch}") is None:
        git.create_branch(cut.tracking_branch, "HEAD")
    if push:
        git.push_atomic(
            remote,
            [
                f"HEAD:refs/heads/{branch}",
                f"refs/tags/{cut.tag}",
                f"refs/heads/{cut.tracking_branch}",
            ],
        )
    return git.head()
