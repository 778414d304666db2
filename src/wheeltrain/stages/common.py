"""What the release stages share: reading the release state of a repository."""

from __future__ import annotations

from wheeltrain.adapters.git import Git
from wheeltrain.core.settings import ReleaseSettings
from wheeltrain.core.tags import Cut, cut_at_head

__all__ = ["cut_at"]


def cut_at(git: Git, settings: ReleaseSettings, ref: str = "HEAD") -> Cut | None:
    """The release an earlier run committed and tagged at ``ref`` (monthly or hotfix alike)."""
    version = settings.version_of_release_subject(git.subject(ref))
    if version is None:
        return None
    return cut_at_head(version, git.tags_at(ref), tag_format=settings.tag_format)
