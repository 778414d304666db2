"""Conventional Commit parsing and classification: pure, no git.

A :class:`Commit` is parsed once from the raw message and sha that the git adapter reads in
one ``git log`` stream. Classification follows the Conventional Commits 1.0 rules as
python-semantic-release's conventional parser applies them: ``feat`` is a minor change,
``fix`` and ``perf`` are patches, ``!`` after the type or a ``BREAKING CHANGE:`` footer is a
breaking change; other types release nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from wheeltrain.versioning import BumpLevel

__all__ = [
    "ALLOWED_TYPES",
    "Commit",
    "bump_level_of",
    "highest_level",
    "parse_commit",
]

#: The commit types python-semantic-release's conventional parser knows.
ALLOWED_TYPES = (
    "build",
    "chore",
    "ci",
    "docs",
    "feat",
    "fix",
    "perf",
    "refactor",
    "revert",
    "style",
    "test",
)
MINOR_TYPES = frozenset({"feat"})
PATCH_TYPES = frozenset({"fix", "perf"})

_HEADER = re.compile(
    r"^(?P<type>[A-Za-z]+)(?:\((?P<scope>[^\n()]*)\))?(?P<bang>!)?: +(?P<subject>[^\n]+)$"
)
_BREAKING_FOOTER = re.compile(r"^BREAKING[ -]CHANGE: *(?P<text>.*)$", re.MULTILINE)
_REF = re.compile(r"(?<![\w/&])#(\d+)\b")


@dataclass(frozen=True)
class Commit:
    """One commit, parsed. ``type`` is ``None`` for a message that is not conventional."""

    sha: str
    message: str
    type: str | None
    scope: str | None
    breaking: bool
    subject: str
    body: str
    refs: tuple[int, ...]
    is_merge: bool = False

    @property
    def short(self) -> str:
        return self.sha[:7]

    @property
    def conventional(self) -> bool:
        return self.type is not None

    @property
    def level(self) -> BumpLevel | None:
        return bump_level_of(self)

    def as_dict(self) -> dict[str, object]:
        level = self.level
        return {
            "sha": self.sha,
            "type": self.type,
            "scope": self.scope,
            "breaking": self.breaking,
            "subject": self.subject,
            "refs": list(self.refs),
            "merge": self.is_merge,
            "level": level.label if level else None,
        }


def parse_commit(sha: str, message: str, *, is_merge: bool = False) -> Commit:
    """Parse a raw commit message (subject, blank line, body) into a :class:`Commit`."""
    text = message.replace("\r\n", "\n").strip("\n")
    header, _, body = text.partition("\n")
    body = body.strip("\n")
    refs = tuple(dict.fromkeys(int(n) for n in _REF.findall(text)))
    match = _HEADER.match(header.strip())
    if match is None or match["type"].lower() not in ALLOWED_TYPES:
        return Commit(
            sha=sha,
            message=text,
            type=None,
            scope=None,
            breaking=False,
            subject=header.strip(),
            body=body,
            refs=refs,
            is_merge=is_merge,
        )
    breaking = bool(match["bang"]) or bool(_BREAKING_FOOTER.search(body))
    scope = match["scope"].strip() if match["scope"] else None
    return Commit(
        sha=sha,
        message=text,
        type=match["type"].lower(),
        scope=scope or None,
        breaking=breaking,
        subject=match["subject"].strip(),
        body=body,
        refs=refs,
        is_merge=is_merge,
    )


def bump_level_of(commit: Commit) -> BumpLevel | None:
    """The release level one commit asks for, or ``None`` when it releases nothing."""
    if commit.type is None or commit.is_merge:
        return None
    if commit.breaking:
        return BumpLevel.MAJOR
    if commit.type in MINOR_TYPES:
        return BumpLevel.MINOR
    if commit.type in PATCH_TYPES:
        return BumpLevel.PATCH
    return None


def highest_level(commits: Iterable[Commit]) -> BumpLevel | None:
    best: BumpLevel | None = None
    for commit in commits:
        level = bump_level_of(commit)
        if level is not None and (best is None or best < level):
            best = level
    return best


def breaking_text(commit: Commit) -> str | None:
    """The text of a ``BREAKING CHANGE:`` footer, when the commit has one."""
    match = _BREAKING_FOOTER.search(commit.body)
    return match["text"].strip() if match else None
