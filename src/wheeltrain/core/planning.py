"""The monthly release decision: pure, from tags and commits to a :class:`MonthlyPlan`.

The rules are python-semantic-release's, so that the plan and the stamp agree:

* the base is the highest final release among the tags reachable from HEAD (hotfix
  ``.postN`` tags and pre-release tags are never the base); with none, ``0.0.0``;
* the level is the highest any commit since the base asks for; below 1.0.0 a breaking change
  bumps the minor when ``major_on_zero`` is false, and every release is a major one when
  ``allow_zero_version`` is false;
* a forced level always releases, stepping from the base.

What wheeltrain adds: a version that already exists as a tag is never proposed, and
pre-releases are PEP 440's ``X.Y.ZaN`` / ``bN`` / ``rcN`` (never SemVer's ``-rc.1``): the
final version is planned as always, then its next free pre-release number of the asked kind
(from the tags and the index) is taken. A final release after ``X.Y.ZrcN`` is ``X.Y.Z``: it
promotes the pre-releases.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

from packaging.version import Version

from wheeltrain.core.changelog import render_notes
from wheeltrain.core.commits import Commit
from wheeltrain.core.settings import ReleaseSettings
from wheeltrain.core.tags import ReleaseTag, latest, tag_name
from wheeltrain.core.versioning import BumpLevel, bump
from wheeltrain.errors import ConfigError

__all__ = [
    "PRE_KINDS",
    "MonthlyPlan",
    "NightlyPlan",
    "base_tag",
    "plan_monthly",
    "plan_nightly",
    "pre_release",
]

ZERO = Version("0.0.0")
#: PEP 440's pre-release kinds, in the order they sort.
PRE_KINDS = ("a", "b", "rc")


class MonthlyPlan(NamedTuple):
    release: bool
    last_tag: str | None
    last_version: str | None
    level: BumpLevel | None
    forced: bool
    reason: str
    next_version: str | None
    next_tag: str | None
    commits: tuple[Commit, ...]
    causes: tuple[Commit, ...]
    notes: str
    kind: str = "monthly"
    last_release: str | None = None  # the line's newest release (the base or its .postN)
    base_reachable: bool = True  # False: the base tag sits on a release branch
    body: str = ""  # the notes without their title: the changelog section's text
    stepped_over: tuple[str, ...] = ()  # next versions that existed already (other branches)

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "release": self.release,
            "last_tag": self.last_tag,
            "last_version": self.last_version,
            "level": self.level.label if self.level else None,
            "forced": self.forced,
            "reason": self.reason,
            "next_version": self.next_version,
            "next_tag": self.next_tag,
            "commits": [c.as_dict() for c in self.commits],
            "causes": [c.sha for c in self.causes],
            "notes": self.notes,
            "last_release": self.last_release,
            "base_reachable": self.base_reachable,
        }


def base_tag(reachable: Iterable[ReleaseTag]) -> ReleaseTag | None:
    """The latest final release among the tags reachable from HEAD."""
    return latest(reachable, final_only=True)


def plan_monthly(
    *,
    base: ReleaseTag | None,
    commits: Sequence[Commit],
    existing_versions: Iterable[Version],
    settings: ReleaseSettings,
    forced: BumpLevel | None = None,
    repo_url: str | None = None,
    last_release: ReleaseTag | None = None,
    base_reachable: bool = True,
    pre: str | None = None,
) -> MonthlyPlan:
    """Decide the monthly release from the commits since ``base`` (newest first).

    ``last_release`` is the line's newest release (``base`` or a post release of it);
    ``base_reachable`` is False when the base tag sits on a release branch; ``pre`` (``a``,
    ``b`` or ``rc``) makes it a pre-release of the planned version, numbered after the
    ``existing_versions`` (tags and the index).
    """
    if pre is not None and pre not in PRE_KINDS:
        raise ConfigError(f"--pre {pre!r} is not a PEP 440 pre-release kind: use a, b or rc")
    existing_versions = list(existing_versions)
    last = base.version if base else ZERO
    wanted = [c for c in commits if c.level is not None]
    level = forced or max((c.level for c in wanted if c.level), default=None)
    causes = tuple(c for c in wanted if c.level is level) if not forced else ()
    effective = level
    if last.major == 0 and not forced:
        if not settings.allow_zero_version:
            effective = BumpLevel.MAJOR
        elif not settings.major_on_zero and level is not None:
            effective = min(level, BumpLevel.MINOR)
    common = {
        "last_tag": base.name if base else None,
        "last_version": str(base.version) if base else None,
        "forced": forced is not None,
        "commits": tuple(commits),
        "causes": causes,
        "last_release": last_release.name if last_release else (base.name if base else None),
        "base_reachable": base_reachable,
    }
    if effective is None or (level is None and settings.allow_zero_version):
        return MonthlyPlan(
            release=False,
            level=None,
            reason="nothing releasable since "
            + (base.name if base else "the start of the history")
            + ": only commits that release nothing (chore, docs, ci, test, style, ...)",
            next_version=None,
            next_tag=None,
            notes="",
            **common,  # type: ignore[arg-type]
        )
    new = bump(last, effective)
    taken = set(existing_versions)
    skipped = []
    while new in taken:  # released already on another branch: the next free one
        skipped.append(str(new))
        new = bump(new, BumpLevel.PATCH)
    if forced:
        reason = f"{forced.label} release forced"
    else:
        kinds = ", ".join(sorted({_why(c) for c in causes}))
        reason = (
            f"{len(causes)} commit(s) ask for a {level.label if level else ''} release ({kinds})"
        )
        if effective is not level:
            reason += (
                f"; below 1.0.0 it is a {effective.label} release (major_on_zero = false)"
                if settings.allow_zero_version
                else "; allow_zero_version = false makes it 1.0.0"
            )
    if skipped:
        reason += f"; {', '.join(skipped)} exist already, so {new}"
    earlier = sorted(v for v in taken if v.pre is not None and Version(v.base_version) == new)
    kind = "monthly"
    if pre is not None:
        new = pre_release(new, pre, taken)
        kind = "pre"
        reason += f"; a pre-release of {new.base_version}"
        if earlier:
            reason += f" after {', '.join(map(str, earlier))}"
    elif earlier:
        reason += f"; promotes {', '.join(map(str, earlier))} to {new}"
    next_tag = tag_name(settings.tag_format, str(new))
    notes = render_notes(commits, title=next_tag, repo_url=repo_url, settings=settings)
    body = render_notes(commits, title=None, repo_url=repo_url, settings=settings)
    return MonthlyPlan(
        release=True,
        level=effective,
        reason=reason,
        next_version=str(new),
        next_tag=next_tag,
        notes=notes,
        body=body,
        stepped_over=tuple(skipped),
        kind=kind,
        **common,  # type: ignore[arg-type]
    )


def pre_release(final: Version, kind: str, taken: Iterable[Version]) -> Version:
    """The next ``kind`` pre-release of ``final``: ``0.4.0rc1``, then ``0.4.0rc2`` once
    ``0.4.0rc1`` is taken. A kind that sorts below a pre-release already made (``b`` after
    ``rc1``) would go backwards: refused."""
    same = [v for v in taken if v.pre is not None and Version(v.base_version) == final]
    later = sorted(str(v) for v in same if PRE_KINDS.index(v.pre[0]) > PRE_KINDS.index(kind))  # type: ignore[index]
    if later:
        raise ConfigError(
            f"{', '.join(later)} exist(s) already: a {kind} pre-release of {final} would sort "
            "below it; make the next one of that kind, or the final release"
        )
    number = 1 + max((v.pre[1] for v in same if v.pre and v.pre[0] == kind), default=0)
    return Version(f"{final}{kind}{number}")


def _why(commit: Commit) -> str:
    if commit.level is BumpLevel.MAJOR:
        return "breaking change"
    return commit.type or "squashed commit"


class NightlyPlan(NamedTuple):
    """Tonight's nightly: ``X.Y.(Z+1).devYYYYMMDD`` after the last final release ``X.Y.Z``."""

    release: bool
    version: str
    base: str | None  # the last final release's tag
    reason: str
    commits: int  # since the last nightly (or the base when none is known)

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": "nightly",
            "release": self.release,
            "version": self.version,
            "base": self.base,
            "reason": self.reason,
            "commits": self.commits,
        }


def plan_nightly(
    *,
    base: ReleaseTag | None,
    date: str,
    new_commits: int,
    since: str,
    published: Iterable[Version] = (),
) -> NightlyPlan:
    """The nightly of ``date`` (``YYYYMMDD``): the next patch of the last final release as a
    dev release. ``new_commits`` were made since ``since`` (the last nightly's commit, or the
    base); none, or tonight's version on the index already, and nothing is published."""
    if len(date) != 8 or not (date.isascii() and date.isdigit()):
        shown = date if len(date) <= 20 else date[:20] + "..."
        raise ConfigError(f"--date {shown!r} is not YYYYMMDD")
    last = base.version if base else ZERO
    version = Version(f"{last.major}.{last.minor}.{last.micro + 1}.dev{date}")
    name = base.name if base else None
    if version in set(published):
        return NightlyPlan(False, str(version), name, f"{version} is on the index already", 0)
    if new_commits == 0:
        return NightlyPlan(
            False, str(version), name, f"no commit since {since}: nothing new tonight", 0
        )
    return NightlyPlan(
        True, str(version), name, f"{new_commits} commit(s) since {since}", new_commits
    )
