"""Release tags and release lines: the one place these rules live. Pure.

* a release tag is ``tag_format`` around a valid public PEP 440 version;
* a *final* release has no pre, post, dev or local part;
* the *line* of a final release ``X.Y.Z`` is that release and its post releases
  ``X.Y.Z.postN`` (pre-releases and dev releases are never part of it);
* a release commit already cut at HEAD is recognised by its subject and its tag.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from packaging.version import InvalidVersion, Version

from wheeltrain.core.versioning import is_final, line_test

__all__ = [
    "Cut",
    "ReleaseTag",
    "cut_at_head",
    "latest",
    "line_tags",
    "release_tags",
    "tag_name",
    "version_from_tag",
]


def tag_name(tag_format: str, version: str) -> str:
    """The tag of ``version``: ``tag_format`` with ``{version}`` filled in."""
    return tag_format.replace("{version}", version)


def version_from_tag(tag_format: str, tag: str) -> str | None:
    """The version text inside ``tag``, or None when the tag is not of ``tag_format``."""
    prefix, _, suffix = tag_format.partition("{version}")
    if tag.startswith(prefix) and tag.endswith(suffix) and len(tag) > len(prefix) + len(suffix):
        return tag[len(prefix) : len(tag) - len(suffix)] if suffix else tag[len(prefix) :]
    return None


class ReleaseTag(NamedTuple):
    name: str
    version: Version

    @property
    def is_final(self) -> bool:
        return is_final(self.version)


def release_tags(names: Iterable[str], tag_format: str) -> list[ReleaseTag]:
    """The tags whose name is ``tag_format`` around a valid public version, oldest first."""
    out = []
    # version_from_tag, its format split once: a plan reads every tag of the repository
    prefix, _, suffix = tag_format.partition("{version}")
    start, cut, least = len(prefix), len(suffix), len(prefix) + len(suffix)
    for name in names:
        if not (name.startswith(prefix) and name.endswith(suffix) and len(name) > least):
            continue
        text = name[start : len(name) - cut] if cut else name[start:]
        if len(text) > 200:  # no version is that long; refuse huge numbers
            continue
        try:
            version = Version(text)
        except (InvalidVersion, ValueError):
            continue
        if version.local is None:
            out.append(ReleaseTag(name, version))
    # by version, then by name: stable sorts spare a Python-level tuple comparison each. The
    # middle one orders by the release numbers without trailing zeros (equal versions stay
    # together, in name order): after it the sort by version, whose comparisons run in
    # Python, finds the list nearly in order and compares about once per tag.
    out.sort(key=lambda t: t.name)
    out.sort(key=_release_numbers)
    out.sort(key=lambda t: t.version)
    return out


def _release_numbers(tag: ReleaseTag) -> tuple[int, ...]:
    numbers = tag.version.release
    end = len(numbers)
    while end > 1 and numbers[end - 1] == 0:
        end -= 1
    return numbers[:end]


def latest(tags: Iterable[ReleaseTag], *, final_only: bool = False) -> ReleaseTag | None:
    """The highest version among ``tags`` (only final releases with ``final_only``)."""
    best: ReleaseTag | None = None
    for tag in tags:
        if final_only and not tag.is_final:
            continue
        if best is None or tag.version > best.version:
            best = tag
    return best


def line_tags(tags: Iterable[ReleaseTag], base: Version) -> list[ReleaseTag]:
    """The tags of ``base``'s release line (``base`` and its post releases), oldest first."""
    is_in_line = line_test(base)
    return sorted((t for t in tags if is_in_line(t.version)), key=lambda t: t.version)


class Cut(NamedTuple):
    """A release that an earlier run committed and tagged at HEAD but did not finish."""

    version: Version
    tag: str


def cut_at_head(
    version_of_subject: str | None, tags_at_head: Iterable[str], *, tag_format: str
) -> Cut | None:
    """The release cut at HEAD: HEAD's subject is a release commit (``version_of_subject`` is
    the version :meth:`ReleaseSettings.version_of_release_subject` read from it) and that
    version's tag points at HEAD."""
    if version_of_subject is None:
        return None
    try:
        version = Version(version_of_subject)
    except (InvalidVersion, ValueError):
        return None
    tag = tag_name(tag_format, version_of_subject)
    return Cut(version, tag) if tag in set(tags_at_head) else None
