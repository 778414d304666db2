"""The nightly: ``X.Y.(Z+1).devYYYYMMDD`` of every variant, built from HEAD without a commit or
a tag, published to a test index; a night with no new commit publishes nothing."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING

from packaging.version import Version

from wheeltrain.core.planning import NightlyPlan, plan_nightly
from wheeltrain.errors import ConfigError
from wheeltrain.stages.common import published_versions, release_history
from wheeltrain.stages.release.monthly import find_base

if TYPE_CHECKING:
    from wheeltrain.adapters.git import StrPath
    from wheeltrain.adapters.index import IndexClient

__all__ = ["make_plan", "today"]


def today() -> str:
    """Today's date in UTC as ``YYYYMMDD``: the nightly's dev number."""
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%d")


def make_plan(
    root: StrPath,
    *,
    date: str | None = None,
    last_commit: str | None = None,
    published: Iterable[Version] = (),
    index: IndexClient | None = None,
) -> NightlyPlan:
    """Tonight's nightly from HEAD. ``last_commit``: the commit the last nightly was built
    from (the workflow asks GitHub for its last successful run); without it, every night
    with commits since the last final release publishes. Versions ``index`` has of any of
    the project's distributions are taken too."""
    project, git, shas, tags = release_history(root, "the nightly")
    if index is not None:
        published = [*published, *published_versions(project, index)]
    base = find_base(git, tags, shas, "HEAD").tag
    if last_commit:
        sha = git.rev_parse(last_commit)
        if sha is None:
            raise ConfigError(
                f"--last-commit {last_commit!r} is no commit of this clone: fetch the history "
                "(fetch-depth: 0), or leave it out"
            )
        since, span = sha[:12], f"{sha}..HEAD"
    elif base is not None:
        since, span = base.name, f"{base.name}..HEAD"
    else:
        since, span = "the start of the history", "HEAD"
    count = int(git.run_git("rev-list", "--count", span).strip() or 0)
    return plan_nightly(
        base=base, date=date or today(), new_commits=count, since=since, published=published
    )
