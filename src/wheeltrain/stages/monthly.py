"""The monthly release stage: plan from git, stamp and tag through semantic-release."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from packaging.version import Version

from wheeltrain.adapters import semrel, stamp
from wheeltrain.adapters.git import Git
from wheeltrain.adapters.project import load_project
from wheeltrain.core.planning import MonthlyPlan, plan_monthly
from wheeltrain.core.tags import ReleaseTag, release_tags, tag_name
from wheeltrain.core.versioning import BumpLevel
from wheeltrain.errors import ConfigError, StepFailed
from wheeltrain.stages.common import cut_at

__all__ = ["MonthlyResult", "make_plan", "release"]

#: After this many unreachable candidates, ask git for all reachable tags at once.
_PROBES = 3


def find_base(
    git: Git, tags: list[ReleaseTag], shas: dict[str, str], ref: str
) -> ReleaseTag | None:
    """The highest final release tag reachable from ``ref``, asking git as little as possible."""
    finals = sorted((t for t in tags if t.is_final), key=lambda t: t.version, reverse=True)
    for tag in finals[:_PROBES]:
        if git.is_ancestor(shas[tag.name], ref):
            return tag
    if len(finals) <= _PROBES:
        return None
    reachable = {t.name for t in git.tags(merged=ref)}
    return next((t for t in finals if t.name in reachable), None)


def make_plan(root: Path, forced: BumpLevel | None = None, ref: str = "HEAD") -> MonthlyPlan:
    project = load_project(root)
    git = Git.discover(root)
    if not git.has_commits():
        raise ConfigError(f"{git.root} has no commits yet: commit something first")
    if git.shallow:
        raise ConfigError(
            f"{git.root} is a shallow clone: the plan needs the whole history and its tags; "
            "run `git fetch --unshallow --tags` (or check out with fetch-depth: 0)"
        )
    all_tags = git.tags()
    shas = {t.name: t.sha for t in all_tags}
    tags = release_tags(shas, project.tag_format)
    if not tags and _released_before(project.version):
        raise ConfigError(
            f"this clone has no release tags, yet pyproject.toml says {project.version}: fetch "
            "the tags (`git fetch --tags`), or tag the last release as "
            f"{tag_name(project.tag_format, project.version)}"
        )
    base = find_base(git, tags, shas, ref)
    commits = list(git.log(f"{base.name}..{ref}" if base else ref))
    return plan_monthly(
        base=base,
        commits=commits,
        existing_versions=[t.version for t in tags],
        settings=project.settings,
        forced=forced,
        repo_url=project.repo_url,
    )


def _released_before(version: str) -> bool:
    """A version past the first release a project makes (0.1.0, or 1.0.0)."""
    try:
        parsed = Version(version)
    except ValueError:
        return False
    return parsed > Version("0.1.0") and parsed != Version("1.0.0")


@dataclass(frozen=True)
class MonthlyResult:
    plan: MonthlyPlan
    version: str | None
    tag: str | None
    commit: str | None
    pushed: bool
    resumed: bool = False

    def as_dict(self) -> dict[str, object]:
        return {
            "plan": self.plan.as_dict(),
            "version": self.version,
            "tag": self.tag,
            "commit": self.commit,
            "pushed": self.pushed,
            "resumed": self.resumed,
        }


def release(root: Path, plan: MonthlyPlan, *, push: bool, remote: str = "origin") -> MonthlyResult:
    """Execute ``plan``: let semantic-release stamp/changelog/commit/tag, check that it made
    exactly the planned release, then push atomically.

    When what semantic-release made disagrees with the plan, the release commit and tag are
    removed again and nothing is pushed.
    """

    git = Git.discover(root)
    project = load_project(git.root)
    if not plan.release:
        cut = cut_at(git, project.settings)
        if cut is not None and push:  # an earlier run tagged but did not push: finish it
            branch = git.current_branch()
            if branch is None:
                raise ConfigError("HEAD is detached: check out the release branch first")
            git.push_atomic(remote, [f"HEAD:refs/heads/{branch}", f"refs/tags/{cut.tag}"])
            return MonthlyResult(
                plan, str(cut.version), cut.tag, git.head(), pushed=True, resumed=True
            )
        return MonthlyResult(plan, None, None, None, pushed=False)
    stamp.check_locations(git.root, project.settings.locations)
    forced = plan.level if plan.forced else None
    if git.status_porcelain():
        raise ConfigError(
            f"{git.root} has uncommitted changes: commit or stash them before releasing"
        )
    branch = git.current_branch()
    if branch is None:
        raise ConfigError("HEAD is detached: check out the release branch first")
    before = git.head()
    semrel.stamp_and_tag(git.root, forced)
    problems = _disagreements(git, plan)
    if problems:
        _undo(git, before)
        raise StepFailed(
            "semantic-release and the plan disagree (" + "; ".join(problems) + "): "
            "its commit and tag were removed, nothing was pushed"
        )
    head = git.head()
    if push:
        git.push_atomic(remote, [f"HEAD:refs/heads/{branch}", f"refs/tags/{plan.next_tag}"])
    return MonthlyResult(plan, plan.next_version, plan.next_tag, head, pushed=push)


def _disagreements(git: Git, plan: MonthlyPlan) -> list[str]:
    problems = []
    project = load_project(git.root)
    if project.version != plan.next_version:
        problems.append(f"pyproject.toml says {project.version}, the plan {plan.next_version}")
    tagged = git.rev_parse(f"refs/tags/{plan.next_tag}")
    if tagged is None:
        made = [
            t.name for t in git.tags() if t.sha == git.rev_parse("HEAD") and t.name != plan.next_tag
        ]
        problems.append(f"no tag {plan.next_tag}" + (f", it made {made[0]}" if made else ""))
    elif tagged != git.rev_parse("HEAD"):
        problems.append(f"tag {plan.next_tag} is not on the release commit")
    return problems


def _undo(git: Git, before: str) -> None:
    head = git.rev_parse("HEAD")
    for tag in git.tags():
        if tag.sha == head and head != before:
            git.delete_tag(tag.name)
    if head != before:
        git.reset_hard(before)
