"""The hotfix stage: plan from git (and the index), then stamp, changelog, commit, tag and
branch with wheeltrain's own code, and push atomically."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.version import Version

from wheeltrain import stamp
from wheeltrain.errors import ConfigError, StepFailed
from wheeltrain.git import Git
from wheeltrain.hotfix import HotfixPlan, changelog_section, hotfix_branch, plan_hotfix
from wheeltrain.project import load_project, tag_name
from wheeltrain.tags import release_tags
from wheeltrain.versioning import validate_for_release

__all__ = [
    "HotfixResult",
    "find_cut",
    "finish",
    "insert_changelog_section",
    "make_plan",
    "release",
    "start",
]

DEFAULT_INSERTION_FLAG = "<!-- version list -->"


def make_plan(
    root: Path,
    base: str,
    *,
    post: int | None = None,
    description: str = "",
    ref: str = "HEAD",
    index_url: str | None = None,
    allow_features: bool = False,
) -> HotfixPlan:
    project = load_project(root)
    git = Git.discover(root)
    if git.rev_parse(ref) is None:
        raise ConfigError(f"--ref {ref!r} is not a commit in this repository")
    all_tags = git.tags()
    tags = release_tags([t.name for t in all_tags], project.tag_format)
    contains = {t.name for t in git.tags(merged=ref)}
    index_versions: set[Any] = set()
    if index_url is not None:
        from wheeltrain.index import IndexClient

        index_versions = IndexClient(index_url).versions(project.name)
    return plan_hotfix(
        base=base,
        tag_format=project.tag_format,
        tags=tags,
        ref_contains=contains,
        commits_since=lambda tag: list(git.log(f"{tag}..{ref}")),
        requested_post=post,
        index_versions=index_versions,
        description=description,
        allow_features=allow_features,
        repo_url=project.repo_url,
    )


def start(root: Path, base: str, *, switch: bool = False) -> tuple[str, bool, str]:
    """Create ``hotfix/v<base>`` unless it exists; returns (branch, created, start tag).

    It starts at the latest post release of the line when there is one (so the next hotfix
    keeps the earlier fixes), else at the base tag.
    """
    project = load_project(root)
    git = Git.discover(root)
    info = validate_for_release(base)
    if info.kind != "final":
        raise ConfigError(f"--base {base} is a {info.kind} release: give a final release")
    tag = tag_name(project.tag_format, base)
    if git.rev_parse(f"refs/tags/{tag}") is None:
        raise ConfigError(f"there is no tag {tag}: a hotfix starts from a released version")
    base_version = Version(base)
    line = [
        t
        for t in release_tags([t.name for t in git.tags()], project.tag_format)
        if t.version.release == base_version.release
        and t.version.pre is None
        and t.version.dev is None
    ]
    start_tag = max(line, key=lambda t: t.version).name
    branch = hotfix_branch(tag)
    created = git.rev_parse(f"refs/heads/{branch}") is None
    if created:
        git.create_branch(branch, f"refs/tags/{start_tag}^{{commit}}")
    if switch:
        git.switch(branch)
    return branch, created, start_tag


def insert_changelog_section(text: str | None, section: str, flag: str) -> str:
    """Put ``section`` where semantic-release puts a new release: right after the flag."""
    block = section.rstrip("\n") + "\n"
    if text is None:
        return f"# Changelog\n\n{flag}\n\n{block}"
    if flag in text:
        head, _, rest = text.partition(flag)
        return f"{head}{flag}\n\n{block}\n{rest.lstrip(chr(10))}".rstrip("\n") + "\n"
    first, _, rest = text.partition("\n")
    if first.startswith("# "):
        return f"{first}\n\n{flag}\n\n{block}\n{rest.lstrip(chr(10))}".rstrip("\n") + "\n"
    return f"{flag}\n\n{block}\n{text}".rstrip("\n") + "\n"


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


def _changelog_settings(psr: dict[str, Any]) -> tuple[str, str]:
    changelog = psr.get("changelog", {})
    changelog = changelog if isinstance(changelog, dict) else {}
    templates = changelog.get("default_templates", {})
    templates = templates if isinstance(templates, dict) else {}
    path = templates.get("changelog_file", changelog.get("changelog_file", "CHANGELOG.md"))
    flag = changelog.get("insertion_flag", DEFAULT_INSERTION_FLAG)
    if not isinstance(path, str) or not isinstance(flag, str) or not flag.strip():
        raise ConfigError(
            "[tool.semantic_release.changelog] has an unusable file or insertion_flag"
        )
    return path, flag


def release(
    root: Path,
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
    project = load_project(root)
    git = Git.discover(root)
    if git.status_porcelain():
        raise ConfigError(f"{git.root} has uncommitted changes: commit or stash them first")
    branch = git.current_branch()
    if branch is None:
        raise ConfigError("HEAD is detached: check out the hotfix branch first")
    for ref in (f"refs/tags/{plan.tag}", f"refs/heads/{plan.tracking_branch}"):
        if git.rev_parse(ref) is not None:
            raise ConfigError(f"{ref} exists already: {plan.version} was released before")
    before = git.head()
    places = stamp.locations(project)
    changelog_path, flag = _changelog_settings(project.semantic_release)
    date = (today or datetime.datetime.now(datetime.timezone.utc).date()).isoformat()
    try:
        written = stamp.stamp(git.root, places, plan.version)
        target = git.root / changelog_path
        old = target.read_text(encoding="utf-8") if target.exists() else None
        target.write_text(
            insert_changelog_section(old, changelog_section(plan, date), flag), encoding="utf-8"
        )
        files = sorted({str(p.relative_to(git.root)) for p in [*written, target]})
        git.add(files)
        git.commit(f"chore(release): {plan.version}\n\n{plan.notes}")
        git.tag_annotated(plan.tag, f"{plan.tag}\n\n{plan.notes}")
        git.create_branch(plan.tracking_branch, "HEAD")
    except (StepFailed, ConfigError, OSError) as exc:
        _undo(git, before, plan)
        raise StepFailed(f"hotfix {plan.version} stopped, nothing was kept: {exc}") from None
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


def _undo(git: Git, before: str, plan: HotfixPlan) -> None:
    if git.rev_parse(f"refs/heads/{plan.tracking_branch}") is not None:
        git.delete_branch(plan.tracking_branch)
    if git.rev_parse(f"refs/tags/{plan.tag}") is not None:
        git.delete_tag(plan.tag)
    git.reset_hard(before)


@dataclass(frozen=True)
class Cut:
    """A post release already committed and tagged at HEAD by an earlier run."""

    version: str
    post: int
    tag: str
    tracking_branch: str


def find_cut(root: Path, base: str) -> Cut | None:
    """The post release of ``base`` that an earlier run cut at HEAD, if there is one."""
    project = load_project(root)
    git = Git.discover(root)
    subject = git.subject()
    if not subject.startswith("chore(release): "):
        return None
    version = subject.removeprefix("chore(release): ").strip()
    tag = tag_name(project.tag_format, version)
    if tag not in git.tags_at("HEAD"):
        return None
    try:
        parsed = Version(version)
    except ValueError:
        return None
    if parsed.post is None or parsed.release != Version(base).release:
        return None
    return Cut(version, parsed.post, tag, hotfix_branch(tag))


def finish(root: Path, cut: Cut, *, push: bool, remote: str = "origin") -> str:
    """Finish what a broken run started: the tracking branch, then the atomic push."""
    git = Git.discover(root)
    branch = git.current_branch()
    if branch is None:
        raise ConfigError("HEAD is detached: check out the hotfix branch first")
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
