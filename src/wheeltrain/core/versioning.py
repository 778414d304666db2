"""PEP 440 version arithmetic for releases: pure functions over :mod:`packaging.version`.

The rules wheeltrain adds on top of ``packaging``:

* a *release version* is a canonical public version whose release segment has exactly three
  numbers (``X.Y.Z``), optionally with a pre, post or dev part; local versions (``+cu128``)
  are never releasable because PyPI rejects them;
* ``bump`` moves the release segment and drops everything after it; from a pre-release or dev
  release of ``X.Y.Z`` it *finishes* that release when the level does not go past it;
* ``post`` makes a hotfix version ``X.Y.Z.postN`` from a final release.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from typing import NamedTuple

from packaging.version import InvalidVersion, Version

from wheeltrain.errors import UsageError

__all__ = [
    "BumpLevel",
    "VersionInfo",
    "bump",
    "canonical",
    "in_line",
    "is_final",
    "kind_of",
    "line_test",
    "next_post_number",
    "parse",
    "post",
    "same_release",
    "validate_for_release",
]


class BumpLevel(enum.Enum):
    """How far a release moves the version. Ordered: ``MAJOR > MINOR > PATCH``."""

    PATCH = 1
    MINOR = 2
    MAJOR = 3

    @classmethod
    def from_name(cls, name: str) -> BumpLevel:
        try:
            return cls[name.upper()]
        except KeyError:
            allowed = ", ".join(level.name.lower() for level in cls)
            raise UsageError(f"unknown bump level {name!r}: use one of {allowed}") from None

    @property
    def label(self) -> str:
        return self.name.lower()

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, BumpLevel):
            return NotImplemented
        return self.value < other.value


def parse(text: str) -> Version:
    """Parse any valid PEP 440 version; refuse anything else with a usable message."""
    try:
        return Version(text.strip())
    except (InvalidVersion, ValueError):  # ValueError: past Python's integer digit limit
        raise UsageError(
            f"{text!r} is not a PEP 440 version: write it like 0.4.0, 0.4.0.post1 or 0.5.0rc1"
        ) from None


def canonical(version: Version | str) -> str:
    """The normalised spelling of a version (``0.4.0-POST1`` -> ``0.4.0.post1``)."""
    v = parse(version) if isinstance(version, str) else version
    return str(v)


def kind_of(version: Version) -> str:
    """One word for what a version is: local, dev, pre, post or final (first that applies)."""
    if version.local is not None:
        return "local"
    if version.dev is not None:
        return "dev"
    if version.pre is not None:
        return "pre"
    if version.post is not None:
        return "post"
    return "final"


def is_final(version: Version) -> bool:
    """A final release: no pre, post, dev or local part (asked of every tag by a plan)."""
    return (
        version.pre is None
        and version.post is None
        and version.dev is None
        and version.local is None
    )


def same_release(a: Version, b: Version) -> bool:
    """Whether ``a`` and ``b`` share the epoch and the ``X.Y.Z`` release segment."""
    return a.epoch == b.epoch and _release3(a) == _release3(b)


def in_line(version: Version, base: Version) -> bool:
    """Whether ``version`` is on ``base``'s release line: ``base`` itself or ``base.postN``
    (never a pre-release, dev release or local version)."""
    return (
        same_release(version, base)
        and version.pre is None
        and version.dev is None
        and version.local is None
    )


def line_test(base: Version) -> Callable[[Version], bool]:
    """:func:`in_line` with ``base`` fixed, for a test of many versions (every tag): the
    base's parts are read once, and a version of another release is turned away on its
    release numbers alone."""
    epoch, release = base.epoch, _release3(base)

    def test(version: Version) -> bool:
        numbers = version.release
        return (
            (*numbers, 0, 0)[:3] == release
            and version.epoch == epoch
            and version.pre is None
            and version.dev is None
            and version.local is None
        )

    return test


class VersionInfo(NamedTuple):
    """What ``validate`` reports about one version string."""

    text: str
    canonical: str
    kind: str
    base: str
    post: int | None

    def as_dict(self) -> dict[str, object]:
        return {
            "version": self.text,
            "canonical": self.canonical,
            "kind": self.kind,
            "base": self.base,
            "post": self.post,
        }


def _release3(version: Version) -> tuple[int, int, int]:
    padded = (*version.release, 0, 0)[:3]
    return padded[0], padded[1], padded[2]


def _with_epoch(version: Version, text: str) -> Version:
    return Version(f"{version.epoch}!{text}" if version.epoch else text)


def validate_for_release(text: str) -> VersionInfo:
    """Accept a canonical, public ``X.Y.Z[...]`` version for release use; refuse the rest.

    A valid but non-canonical spelling is refused with the canonical spelling suggested, so a
    tag or a file name never carries two spellings of one version.
    """
    version = parse(text)
    if version.local is not None:
        public = version.public
        raise UsageError(
            f"{text!r} is a local version: PyPI rejects local versions (+{version.local}); "
            f"release {public!r} and name the variant in the distribution instead"
        )
    if len(version.release) != 3:
        major, minor, patch = _release3(version)
        suggestion = _suggest(version, (major, minor, patch))
        raise UsageError(
            f"{text!r} is valid PEP 440 but not a release version: write X.Y.Z, e.g. {suggestion!r}"
        )
    if str(version) != text:
        raise UsageError(
            f"{text!r} is not the canonical spelling: use {str(version)!r} (PEP 440 normal form)"
        )
    base = ".".join(str(n) for n in version.release)
    if version.epoch:
        base = f"{version.epoch}!{base}"
    return VersionInfo(
        text=text, canonical=str(version), kind=kind_of(version), base=base, post=version.post
    )


def _suggest(version: Version, release: tuple[int, int, int]) -> str:
    text = str(version)
    old = ".".join(str(n) for n in version.release)
    new = ".".join(str(n) for n in release)
    prefix = f"{version.epoch}!" if version.epoch else ""
    return text.replace(prefix + old, prefix + new, 1)


def bump(version: Version | str, level: BumpLevel) -> Version:
    """The next release of ``version`` at ``level``.

    * final or post release ``X.Y.Z[.postN]``: the usual SemVer-shaped step;
    * pre-release or dev release of ``X.Y.Z``: finish ``X.Y.Z`` when the level does not go past
      it (patch always; minor when ``Z == 0``; major when ``Y == Z == 0``), else step from
      ``X.Y.Z`` as from a final release.

    Local labels are dropped; the epoch is kept.
    """
    v = parse(version) if isinstance(version, str) else version
    major, minor, patch = _release3(v)
    unfinished = v.pre is not None or v.dev is not None
    if unfinished:
        finishes = (
            level is BumpLevel.PATCH
            or (level is BumpLevel.MINOR and patch == 0)
            or (level is BumpLevel.MAJOR and minor == 0 and patch == 0)
        )
        finished = _with_epoch(v, f"{major}.{minor}.{patch}")
        if finishes and finished > v:  # not so for 1.2.3.4rc1, whose X.Y.Z is older
            return finished
    if level is BumpLevel.MAJOR:
        return _with_epoch(v, f"{major + 1}.0.0")
    if level is BumpLevel.MINOR:
        return _with_epoch(v, f"{major}.{minor + 1}.0")
    return _with_epoch(v, f"{major}.{minor}.{patch + 1}")


def post(base: Version | str, number: int) -> Version:
    """The post release ``base.postN`` of a final release ``base``."""
    text = base if isinstance(base, str) else str(base)
    info = validate_for_release(text)
    if info.kind != "final":
        raise UsageError(
            f"base {text!r} is a {info.kind} release: a post release needs a final release "
            f"such as {info.base!r}"
        )
    if isinstance(number, bool) or number < 1:
        raise UsageError(f"post number {number} is below 1: post releases count from 1")
    return Version(f"{info.canonical}.post{number}")


def next_post_number(base: Version | str, existing: Iterable[Version | str]) -> int:
    """The next free post number for ``base`` given the versions that already exist.

    Strings that are not versions are ignored (tags of other shapes live in the same list).
    """
    b = parse(base) if isinstance(base, str) else base
    highest = 0
    for item in existing:
        if isinstance(item, str):
            try:
                item = Version(item)
            except (InvalidVersion, ValueError):
                continue
        if item.post is not None and in_line(item, b):
            highest = max(highest, item.post)
    return highest + 1
