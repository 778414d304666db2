"""The monthly release stage: plan from git, proven by semantic-release, cut by wheeltrain."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

from packaging.version import Version

from wheeltrain.adapters.git import Git
from wheeltrain.core.changelog import insert_section
from wheeltrain.core.planning import MonthlyPlan, plan_monthly
from wheeltrain.core.settings import ReleaseSettings
from wheeltrain.core.tags import Cut, ReleaseTag, line_tags, release_tags, tag_name
from wheeltrain.core.versioning import BumpLevel
from wheeltrain.errors import ConfigError, StepFailed
from wheeltrain.stages.common import (
    Where,
    checkout,
    cut_at,
    origin_blocks,
    published_versions,
    release_history,
    require_remote,
)

if TYPE_CHECKING:
    import datetime
    from pathlib import Path

    from wheeltrain.adapters.index import IndexClient
    from wheeltrain.adapters.project import Project
    from wheeltrain.core.commits import Commit

__all__ = ["MonthlyResult", "make_plan", "release"]

#: After this many unreachable candidates, ask git for all reachable tags at once.
_PROBES = 3


def _reachable_base(
    git: Git,
    finals: list[ReleaseTag],
    shas: dict[str, str],
    ref: str,
    known: Mapping[str, bool],
) -> ReleaseTag | None:
    """The highest final release tag reachable from ``ref``, asking git as little as possible
    (``finals`` highest first; ``known``: tags already known to be, or not to be, reachable)."""
    for tag in finals[:_PROBES]:
        is_ancestor = known.get(tag.name)
        if is_ancestor is None:
            is_ancestor = git.is_ancestor(shas[tag.name], ref)
        if is_ancestor:
            return tag
    if len(finals) <= _PROBES:
        return None
    reachable = {t.name for t in git.tags(merged=ref)}
    return next((t for t in finals if t.name in reachable), None)


class Base(NamedTuple):
    """Where the next monthly release starts from."""

    tag: ReleaseTag | None  # the newest final release of the line
    reachable: bool  # whether ``tag`` is an ancestor of the ref (else: on a release branch)
    last: ReleaseTag | None  # the line's newest release: ``tag`` or its latest post release


def finals_first(tags: Sequence[ReleaseTag]) -> list[ReleaseTag]:
    """The final releases among ``tags`` (oldest first, as :func:`release_tags` orders
    them), highest first."""
    return [t for t in reversed(tags) if t.is_final]


def find_base(
    git: Git,
    tags: list[ReleaseTag],
    shas: dict[str, str],
    ref: str,
    known: Mapping[str, bool] | None = None,
    finals: list[ReleaseTag] | None = None,
) -> Base:
    """The newest final release of the line that ``ref`` is on.

    That is the highest final release reachable from ``ref``, or a higher one whose tag sits on
    a release branch forked from ``ref``'s history strictly after it (``release/vX.Y.Z`` cut
    from ``main``: the tag is not an ancestor of ``main``, yet it is the release ``main``
    follows). A branch forked at or before the reachable base (a hotfix branch starts at its
    base tag) belongs to another line and is never the base. ``known`` and ``finals`` spare
    work a caller has done (see :func:`make_plan`).
    """
    if finals is None:
        finals = finals_first(tags)
    reachable = _reachable_base(git, finals, shas, ref, known or {})
    base, is_reachable = reachable, True
    for tag in finals:
        if reachable is not None and tag.version <= reachable.version:
            break
        fork = git.merge_base(shas[tag.name], ref)
        if fork is None:
            continue
        # strictly after: a hotfix branch that starts at the base tag itself is another line
        if reachable is None or (
            fork != shas[reachable.name] and git.is_ancestor(shas[reachable.name], fork)
        ):
            base, is_reachable = tag, False
            break
    last = line_tags(tags, base.version)[-1] if base is not None else None
    return Base(base, is_reachable, last)


def _shipped(base: ReleaseTag, tags: list[ReleaseTag]) -> list[str]:
    """Revision arguments for the commits of a release whose base is on a release branch:
    not in the base (nor cherry-picked into it: same patch id), nor in a post release of it."""
    posts = [t.name for t in line_tags(tags, base.version) if t.version.post is not None]
    return ["--cherry-pick", "--right-only", *(f"^{name}" for name in posts)]


def last_release(git: Git, tag_format: str, ref: str = "HEAD") -> ReleaseTag | None:
    """The release ``ref`` stands on, as ``current`` and ``plan`` both name it: the newest
    release of its line (see :func:`find_base`), or a newer pre-release in its history."""
    all_tags = git.tags()
    shas = {t.name: t.sha for t in all_tags}
    tags = release_tags(shas, tag_format)
    found = find_base(git, tags, shas, ref).last
    newer = [t for t in tags if found is None or t.version > found.version]
    if newer:
        reachable = {t.name for t in git.tags(merged=ref)}
        newer = [t for t in newer if t.name in reachable]
    return max([*newer, *([found] if found else [])], key=lambda t: t.version, default=None)


def reachable_release(
    git: Git, tag_format: str, ref: str = "HEAD"
) -> tuple[ReleaseTag | None, ReleaseTag | None]:
    """What ``current`` compares the version files with: the newest release ``ref`` contains,
    and the newer release of its line made elsewhere (a post release on its hotfix branch, a
    release on a ``release/*`` branch not merged back yet), or None."""
    found = last_release(git, tag_format, ref)
    if found is None:
        return None, None
    reachable = {t.name for t in git.tags(merged=ref)}
    if found.name in reachable:
        return found, None
    shas = {t.name: t.sha for t in git.tags()}
    inside = [t for t in release_tags(shas, tag_format) if t.name in reachable]
    return max(inside, key=lambda t: t.version, default=None), found


def make_plan(
    root: Where,
    forced: BumpLevel | None = None,
    ref: str = "HEAD",
    *,
    pre: str | None = None,
    published: Iterable[Version] = (),
    index: IndexClient | None = None,
) -> MonthlyPlan:
    """The monthly release (a pre-release of it with ``pre``) from HEAD's history; versions
    in ``published`` and those ``index`` has of any of the project's distributions are taken
    as the tags' are."""
    project, git, shas, tags = release_history(root, "the plan")
    if index is not None:
        published = [*published, *published_versions(project, index)]
    if not any(t.is_final for t in tags) and _released_before(project.version):
        final = Version(project.version).base_version
        named = tag_name(project.tag_format, project.version)
        advice = (
            f"{named} is there, but a monthly release starts from a final release: tag "
            f"{final}'s commit as {tag_name(project.tag_format, final)}"
            if named in shas
            else f"tag the last release's commit as {named}"
        )
        raise ConfigError(
            f"this clone has no final release tag, yet pyproject.toml says {project.version}: "
            f"fetch the tags (`git fetch --tags`), or {advice}"
        )
    # Nearly always the newest final release is in ref's history and is the base: one git
    # call reads the commits since it and tells whether it is.
    finals = finals_first(tags)
    since_top: list[Commit] = []
    known: dict[str, bool] = {}
    if finals:
        since_top, known[finals[0].name] = git.log_since(shas[finals[0].name], ref)
    found = find_base(git, tags, shas, ref, known, finals)
    base = found.tag
    if base is None:
        commits = list(git.log(ref))
    elif found.reachable and base is finals[0]:
        commits = since_top
    elif found.reachable:
        commits = list(git.log(f"{base.name}..{ref}"))
    else:
        commits = list(git.log(f"{base.name}...{ref}", revisions=_shipped(base, tags)))
    return plan_monthly(
        base=base,
        last_release=found.last,
        base_reachable=found.reachable,
        commits=commits,
        existing_versions=[*(t.version for t in tags), *published],
        settings=project.settings,
        forced=forced,
        repo_url=project.repo_url,
        pre=pre,
    )


def _released_before(version: str) -> bool:
    """A version past the first release a project makes (0.1.0, or 1.0.0)."""
    try:
        parsed = Version(version)
    except ValueError:
        return False
    return parsed > Version("0.1.0") and parsed != Version("1.0.0")


class MonthlyResult(NamedTuple):
    plan: MonthlyPlan
    version: str | None
    tag: str | None
    commit: str | None
    pushed: bool
    resumed: bool = False
    proven_by: str | None = None  # what checked the plan before the cut ("semantic-release")

    def as_dict(self) -> dict[str, object]:
        return {
            "plan": self.plan.as_dict(),
            "version": self.version,
            "tag": self.tag,
            "commit": self.commit,
            "pushed": self.pushed,
            "resumed": self.resumed,
            "proven_by": self.proven_by,
        }


def changelog_text(root: Path, settings: ReleaseSettings, section: str) -> str:
    """The whole changelog with ``section`` inserted where semantic-release inserts."""
    path = root / settings.changelog_file
    try:
        old = path.read_text(encoding="utf-8") if path.exists() else None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {settings.changelog_file}: {exc}") from None
    return insert_section(old, section, settings.insertion_flag)


class Preflight(NamedTuple):
    """What the run of a planned release will do, found by the checks the run makes first.
    wheeltrain cuts every release itself; ``proof`` names what checks the plan first
    (semantic-release on a history it can see), ``unproven`` why nothing does."""

    branch: str
    proof: str | None
    unproven: str | None = None


def preflight(
    git: Git, settings: ReleaseSettings, plan: MonthlyPlan, *, push: bool, remote: str
) -> Preflight:
    """Every check a release makes before it changes anything, the same for ``--dry-run``:
    the remote (when pushing), the version locations, a clean tree, a branch checked out that
    ``[tool.semantic_release.branches]`` releases from, and what origin would refuse."""
    from wheeltrain.adapters import stamp
    from wheeltrain.core.settings import release_group

    if push:
        require_remote(git, remote)
    stamp.check_locations(git.root, settings.locations)
    if git.status_porcelain():
        raise ConfigError(
            f"{git.root} has uncommitted changes: commit or stash them before releasing"
        )
    branch = git.current_branch()
    if branch is None:
        raise ConfigError("HEAD is detached: check out the release branch first")
    # a history semantic-release reads as wheeltrain does: the base in the branch's history,
    # no version stepped over, a final release (it spells pre-releases as SemVer does)
    linear = plan.base_reachable and not plan.stepped_over and plan.kind != "pre"
    if linear and release_group(settings.branches, branch) is None:
        raise ConfigError(
            f"the branch {branch!r} is in no [tool.semantic_release.branches] group ("
            + ", ".join(f"{n}: {p}" for n, p in settings.branches)
            + "), so the configuration releases nothing from it (semantic-release would "
            "release nothing either): check out the release branch or add a group for it"
        )
    if push and plan.next_tag is not None:
        blocked = origin_blocks(
            git, remote, branch, [f"refs/tags/{plan.next_tag}"], parent=git.head()
        )
        if blocked:
            raise StepFailed(f"{blocked}: nothing was made; pull, then run the release again")
    if not linear:
        why = (
            "a pre-release (semantic-release spells them as SemVer does)"
            if plan.kind == "pre"
            else "a base semantic-release cannot see from this branch"
        )
        return Preflight(branch, None, why)
    if settings.remote_url is None and git.remote_url("origin") is None:
        # semantic-release reads origin's URL even for --noop --print
        return Preflight(
            branch, None, "no origin and no [tool.semantic_release.remote] url for semantic-release"
        )
    return Preflight(branch, "semantic-release")


def prove(git: Git, plan: MonthlyPlan, checked: Preflight) -> None:
    """semantic-release proves the plan before anything is made, where it can see the base:
    the version it would release at HEAD, with the project's own configuration, must be the
    plan's (a release and its dry run alike)."""
    if checked.proof != "semantic-release":
        return
    from wheeltrain.adapters import semrel

    theirs = semrel.next_version(git.root, plan.level if plan.forced else None)
    if theirs != plan.next_version:
        raise StepFailed(
            f"semantic-release and the plan disagree (semantic-release would release "
            f"{theirs or 'nothing'}, the plan {plan.next_version}): nothing was made; "
            "read both rules (`wheeltrain plan`, `semantic-release --noop version --print`) "
            "and align [tool.semantic_release]"
        )


def check_release(where: Where, plan: MonthlyPlan, *, push: bool, remote: str) -> Preflight | None:
    """``--dry-run``: every check the release would make first (semantic-release's proof
    included), and what proves it; None when the plan releases nothing."""
    if not plan.release or plan.next_tag is None:
        return None
    project, git = checkout(where, adopted=False)
    if cut_at(git, project.settings) is not None:
        return None  # HEAD is a cut already: the run would only finish it
    checked = preflight(git, project.settings, plan, push=push, remote=remote)
    prove(git, plan, checked)
    return checked


def release(
    where: Where,
    plan: MonthlyPlan,
    *,
    push: bool,
    remote: str = "origin",
    today: datetime.date | None = None,
) -> MonthlyResult:
    """Execute ``plan``: stamp, write the changelog, commit and tag exactly the planned
    release, check it, then push atomically.

    wheeltrain cuts every release itself (:func:`wheeltrain.stages.release.cut.cut_release`, the one
    cut of monthly, pre-, hot-fix and rehearsal releases), after semantic-release has proven
    the plan where it can see the plan's base: the version it would release at HEAD must be the
    plan's, or nothing is made. Whatever goes wrong locally is undone: the work tree, the
    commit and the tag are as before, nothing is pushed.
    """

    # what only a release needs is imported here: `plan` is a fast command
    import datetime

    from wheeltrain.stages.release.cut import cut_release, undo_cut

    project, git = checkout(where, adopted=False)
    settings = project.settings
    cut = cut_at(git, settings) if not plan.release or plan.kind == "pre" else None
    if plan.kind == "pre" and not _same_pre(cut, plan):
        cut = None  # HEAD is no cut of this pre-release's kind: make the next one
    if not plan.release or cut is not None:
        if cut is not None and push:  # an earlier run tagged but did not push: finish it
            branch = git.current_branch()
            if branch is None:
                raise ConfigError("HEAD is detached: check out the release branch first")
            head = git.head()
            blocked = origin_blocks(
                git, remote, branch, [f"refs/tags/{cut.tag}"], parent=_parent(git), release=head
            )
            if blocked:
                # the earlier cut can never be pushed: take it back, so a run after the pull
                # plans again from what origin has
                undo_cut(git, _parent(git))
                raise StepFailed(
                    f"the release {cut.tag} cut by an earlier run cannot be pushed: {blocked}; "
                    "its commit and tag were removed here: pull, then run the release again"
                )
            there = git.remote_refs(remote, [f"refs/heads/{branch}"]) or {}
            tip = there.get(f"refs/heads/{branch}")
            refs = [f"refs/tags/{cut.tag}"]
            if tip is None or not git.is_ancestor(head, tip):  # the branch lacks the release
                refs.insert(0, f"HEAD:refs/heads/{branch}")
            git.push_atomic(remote, refs)
            return MonthlyResult(
                plan, str(cut.version), cut.tag, git.head(), pushed=True, resumed=True
            )
        if cut is not None and plan.release:  # the pre-release is cut here already
            return MonthlyResult(
                plan, str(cut.version), cut.tag, git.head(), pushed=False, resumed=True
            )
        return MonthlyResult(plan, None, None, None, pushed=False)
    if plan.next_version is None or plan.next_tag is None:
        raise StepFailed("the plan releases but names no version: make the plan again")
    checked = preflight(git, settings, plan, push=push, remote=remote)
    branch = checked.branch
    date = (today or datetime.datetime.now(datetime.timezone.utc).date()).isoformat()
    section = f"## {plan.next_tag} ({date})\n\n{plan.body}"
    text = changelog_text(git.root, settings, section)
    before = git.head()
    prove(git, plan, checked)
    cut_release(
        git, settings, version=plan.next_version, tag=plan.next_tag, changelog=text,
        notes=plan.notes,
    )  # fmt: skip
    problems = _disagreements(git, project, plan)
    try:
        written_text = (git.root / settings.changelog_file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        written_text = ""
    if written_text.rstrip("\n") != text.rstrip("\n"):
        problems.append(f"{settings.changelog_file} is not the planned changelog")
    if problems:
        undo_cut(git, before, tag=plan.next_tag)
        raise StepFailed(
            "the release and the plan disagree (" + "; ".join(problems) + "): "
            "the release commit and tag were removed, nothing was pushed"
        )
    head = git.head()
    if push:
        git.push_atomic(remote, [f"HEAD:refs/heads/{branch}", f"refs/tags/{plan.next_tag}"])
    return MonthlyResult(
        plan, plan.next_version, plan.next_tag, head, pushed=push, proven_by=checked.proof
    )


def _same_pre(cut: Cut | None, plan: MonthlyPlan) -> bool:
    """``cut`` is a pre-release of the kind ``plan`` asks for, of the same final version."""
    if cut is None or cut.version.pre is None or plan.next_version is None:
        return False
    wanted = Version(plan.next_version)
    return (
        wanted.pre is not None
        and cut.version.pre[0] == wanted.pre[0]
        and cut.version.base_version == wanted.base_version
    )


def _disagreements(git: Git, project: Project, plan: MonthlyPlan) -> list[str]:
    from wheeltrain.adapters import stamp

    problems = []
    held = stamp.read_versions(project.root, project.settings.locations)
    for place, versions in held.items():
        if any(v != plan.next_version for v in versions):
            problems.append(f"{place} says {', '.join(versions)}, the plan {plan.next_version}")
    tagged = git.rev_parse(f"refs/tags/{plan.next_tag}")
    if tagged is None:
        made = [
            t.name for t in git.tags() if t.sha == git.rev_parse("HEAD") and t.name != plan.next_tag
        ]
        problems.append(f"no tag {plan.next_tag}" + (f", it made {made[0]}" if made else ""))
    elif tagged != git.rev_parse("HEAD"):
        problems.append(f"tag {plan.next_tag} is not on the release commit")
    return problems


def _parent(git: Git) -> str:
    sha = git.rev_parse("HEAD^")
    if sha is None:
        raise StepFailed("the release commit has no parent: remove it by hand")
    return sha
