"""Release tags as versions: pure functions over tag names."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from packaging.version import InvalidVersion, Version

from wheeltrain.project import version_from_tag

__all__ = ["ReleaseTag", "latest", "release_tags"]


@dataclass(frozen=True)
class ReleaseTag:
    name: str
    version: Version

    @property
    def is_final(self) -> bool:
        v = self.version
        return v.pre is None and v.post is None and v.dev is None and v.local is None


def release_tags(names: Iterable[str], tag_format: str) -> list[ReleaseTag]:
    """The tags whose name is ``tag_format`` around a valid public version, oldest first."""
    out = []
    for name in names:
        text = version_from_tag(tag_format, name)
        if text is None:
            continue
        try:
            version = Version(text)
        except InvalidVersion:
            continue
        if version.local is None:
            out.append(ReleaseTag(name, version))
    return sorted(out, key=lambda t: (t.version, t.name))


def latest(tags: Iterable[ReleaseTag], *, final_only: bool = False) -> ReleaseTag | None:
    best: ReleaseTag | None = None
    for tag in tags:
        if final_only and not tag.is_final:
            continue
        if best is None or tag.version > best.version:
            best = tag
    return best
