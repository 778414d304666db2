"""The release cut wheeltrain makes itself, one code path for every release it cuts (a monthly
release whose base sits on a release branch, a pre-release, a hotfix, the rehearsal's): every
version location stamped, the changelog written, the release commit, its tag and, for a
hotfix, the tracking branch; on any failure all of it is undone and the work tree is as it
was. Nothing is pushed here."""

from __future__ import annotations

from wheeltrain.adapters import stamp
from wheeltrain.adapters.files import write_atomic
from wheeltrain.adapters.git import Git
from wheeltrain.core.settings import ReleaseSettings
from wheeltrain.errors import ConfigError, StepFailed, UsageError

__all__ = ["cut_release", "undo_cut"]


def cut_release(
    git: Git,
    settings: ReleaseSettings,
    *,
    version: str,
    tag: str,
    changelog: str,
    notes: str,
    branch: str | None = None,
    what: str = "release",
) -> tuple[str, ...]:
    """Stamp ``version``, write ``changelog`` (the whole file), commit with the release message
    and ``notes``, tag ``tag`` (annotated with the notes) and create ``branch`` at the release
    commit; returns the files the commit changed. A failure undoes every step and is raised
    as one line of its own kind (bad input stays exit 2)."""
    before = git.head()
    try:
        written = stamp.stamp(git.root, settings.locations, version)
        target = git.root / settings.changelog_file
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, changelog)
        files = tuple(sorted({str(p.relative_to(git.root)) for p in [*written, target]}))
        git.add(list(files))
        git.commit(f"{settings.release_message(version)}\n\n{notes}")
        git.tag_annotated(tag, f"{tag}\n\n{notes}")
        if branch is not None:
            git.create_branch(branch, "HEAD")
    except (StepFailed, UsageError, OSError) as exc:  # UsageError: ConfigError too
        undo_cut(git, before, tag=tag, branch=branch)
        kind = ConfigError if isinstance(exc, UsageError) else StepFailed
        raise kind(f"{what} {version} stopped, nothing was kept: {exc}") from None
    return files


def undo_cut(git: Git, before: str, *, tag: str | None = None, branch: str | None = None) -> None:
    """Back to ``before``: the branch and tag a cut made, any tag on a commit made since, the
    commits, and every stamped file."""
    if branch is not None and git.rev_parse(f"refs/heads/{branch}") is not None:
        git.delete_branch(branch)
    if tag is not None and git.rev_parse(f"refs/tags/{tag}") is not None:
        git.delete_tag(tag)
    head = git.rev_parse("HEAD")
    if head != before:
        for found in git.tags():
            if found.sha == head:
                git.delete_tag(found.name)
    git.reset_hard(before)
