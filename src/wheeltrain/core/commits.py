"""Conventional Commit parsing and classification: pure, no git.

A :class:`Commit` is parsed once from the raw message and sha that the git adapter reads in
one ``git log`` stream. Classification follows the Conventional Commits 1.0 rules exactly as
python-semantic-release's conventional parser applies them, so that ``wheeltrain plan`` and
``semantic-release version`` agree: ``feat`` is a minor change, ``fix`` and ``perf`` are
patches, ``!`` after the type or a ``BREAKING CHANGE:`` footer with text is a breaking change,
other types release nothing; types are case-sensitive, merge commits are ignored, and a
squashed message counts each paragraph that reads as a commit header of more than one word.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

from wheeltrain.core.versioning import BumpLevel

__all__ = [
    "ALLOWED_TYPES",
    "Change",
    "Commit",
    "highest_level",
    "parse_changes",
    "parse_commit",
    "release_level",
]

#: The commit types python-semantic-release's conventional parser knows (case-sensitive).
RELEASE_TYPES = ("feat", "fix", "perf", "build", "chore", "ci", "docs", "style", "refactor", "test")
#: What commitizen also accepts; ``revert`` releases nothing and is listed in the notes.
ALLOWED_TYPES = (*RELEASE_TYPES, "revert")
_RELEASE_SET = frozenset(RELEASE_TYPES)
MINOR_TYPES = frozenset({"feat"})
PATCH_TYPES = frozenset({"fix", "perf"})
_LEVELS = {
    **{t: BumpLevel.MINOR for t in MINOR_TYPES},
    **{t: BumpLevel.PATCH for t in PATCH_TYPES},
}

_TYPES = "|".join(RELEASE_TYPES)
_NOTE_TYPES = "|".join(ALLOWED_TYPES)
# The header as semantic-release matches it: type, optional non-empty scope, optional "!",
# a colon, whitespace, a subject. The patterns that nearly every message needs are compiled
# here; the others are strings that ``re`` compiles (and keeps) when one is first needed, so
# that a fast command does not pay for them at start.
_HEADER_SHAPE = r"^(?P<type>{types})(?:\((?P<scope>{scope}+)\))?(?P<bang>!)?:\s+(?P<subject>[^\n]+)"
_HEADER = _HEADER_SHAPE.format(types=_NOTE_TYPES, scope=r"[^\n]")
# The same header with a scope that holds no ")": it matches a common header without walking
# back from the end of the line, and gives what _HEADER gives unless a ")" follows in the
# subject (see _match_header).
_PLAIN_HEADER = re.compile(_HEADER_SHAPE.format(types=_NOTE_TYPES, scope=r"[^\n)]"))
_RELEASE_HEADER = _HEADER_SHAPE.format(types=_TYPES, scope=r"[^\n]")
_SQUASH_PREFIX = r"(?m)^(?:[\t ]*[*-][\t ]+|[\t ]+)?(" + _TYPES + r")\b"
_BREAKING = r"^BREAKING[ -]CHANGE:\s?(?P<text>.*)$"
_FOOTER = r"^ {0,2}[\w-]*: .+$"
_REF = r"(?<![\w/&])#(\d+)\b"  # compiled when a message names one
_LINE_END = r"[\r\t\f\v ]*\r?\n"
_EXTRA_SPACES = r"(\S)  +(\S)"
_FOOTER_NEXT = r"^ *[^:\n]+:"
# Whether _SQUASH_PREFIX would change anything (a bullet or indent before a type word), and
# whether any paragraph after the first could start a squashed part: cheap tests that spare
# the substitutions for the messages (nearly all) that need none.
# (Both only for the few messages _MAYBE_SPECIAL lets through: compiled on first use.)
_PREFIXED_SHAPE = r"(?m)^(?:[\t ]*[*-][\t ]+|[\t ]+)(?:" + _TYPES + r")\b"
_LATER_PART_SHAPE = r"\n\n(?:[\t ]*[*-][\t ]+|[\t ]+)?(?:" + _TYPES + r")\b"
# Every shape the tests of Commit._parse_changes look for, in one pattern: a carriage return,
# two spaces, a first character or a line that starts indented or with a bullet, and a
# paragraph that starts with a type word. A message without any is one plain change.
_MAYBE_SPECIAL = re.compile(r"\r|  |^[ \t*-]|\n[ \t*-]|\n\n(?:" + _TYPES + r")\b")


def _match_header(header: str) -> re.Match[str] | None:
    """``_HEADER.match(header)``, faster for the headers nearly every commit has. _HEADER's
    scope runs to the last ")" after which the header still reads as one (as
    semantic-release's does); _PLAIN_HEADER's to the first. They differ only when a ")" is
    left in the subject, or when the first ")" cannot end the scope (then a "(" is there)."""
    match = _PLAIN_HEADER.match(header)
    if match is None:
        return re.match(_HEADER, header) if "(" in header else None
    return re.match(_HEADER, header) if ")" in match["subject"] else match


class Change(NamedTuple):
    """One message as semantic-release parses it: a whole commit, or one part of a squashed
    commit. ``type`` is ``None`` for a message that is not conventional. (A named tuple:
    a whole history makes one per commit.)"""

    type: str | None
    scope: str | None
    breaking: bool
    subject: str
    body: str
    level: BumpLevel | None
    breaking_text: str | None = None


_UNSET = object()


class Commit:
    """One commit, parsed. ``type``, ``scope`` and ``subject`` describe its header; what it
    releases and what the notes list come from :attr:`changes`, the one parse that both use.

    A value (compared by its fields, never changed after it is made), written as a slotted
    class rather than a dataclass: a whole history makes one per commit, and what each one
    computes is cached in a slot of its own.
    """

    __slots__ = (
        "_changes",
        "_level",
        "_refs",
        "bang",
        "body",
        "is_merge",
        "message",
        "parents",
        "scope",
        "sha",
        "subject",
        "type",
    )
    _FIELDS = ("sha", "message", "type", "scope", "subject", "body", "is_merge", "parents", "bang")

    def __init__(
        self,
        sha: str,
        message: str,
        type: str | None,
        scope: str | None,
        subject: str,
        body: str,
        is_merge: bool = False,
        parents: tuple[str, ...] = (),
        bang: bool = False,  # "!" after the header's type
    ) -> None:
        self.sha = sha
        self.message = message
        self.type = type
        self.scope = scope
        self.subject = subject
        self.body = body
        self.is_merge = is_merge
        self.parents = parents
        self.bang = bang
        self._changes: tuple[Change, ...] | None = None
        self._level: BumpLevel | object | None = _UNSET
        self._refs: tuple[int, ...] | None = None

    def _key(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self._FIELDS)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Commit) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"Commit(sha={self.sha!r}, type={self.type!r}, subject={self.subject!r})"

    @property
    def refs(self) -> tuple[int, ...]:
        """Issue and pull-request numbers (``#123``) named in the message, once each."""
        if self._refs is None:
            message = self.message
            self._refs = (
                tuple(dict.fromkeys(int(n) for n in re.findall(_REF, message)))
                if "#" in message
                else ()
            )
        return self._refs

    @property
    def changes(self) -> tuple[Change, ...]:
        """The messages semantic-release reads in this commit (several for a squash)."""
        if self._changes is None:
            self._changes = self._parse_changes()
        return self._changes

    def _parse_changes(self) -> tuple[Change, ...]:
        message = self.message
        # one scan turns away nearly every message: none of the tests below can hold
        # without one of _MAYBE_SPECIAL's shapes
        if not self.is_merge and _MAYBE_SPECIAL.search(message) is None:
            return self._plain_change()
        body_at = message.find("\n\n")
        if (
            self.is_merge
            or "\r" in message
            or "  " in message
            or message[:1] in (" ", "\t", "*", "-")
            # a line that starts indented or with a bullet may hide a squashed header
            or (
                ("\n " in message or "\n\t" in message or "\n*" in message or "\n-" in message)
                and re.compile(_PREFIXED_SHAPE).search(message)
            )
            or (body_at >= 0 and re.compile(_LATER_PART_SHAPE).search(message, body_at))
            or ("BREAKING" in message and ("\n " in message or "\n\t" in message))
        ):
            return parse_changes(message, is_merge=self.is_merge)
        return self._plain_change()

    def _plain_change(self) -> tuple[Change, ...]:
        # One plain message (nearly every commit): the header parsed once is the change.
        message = self.message
        kind = self.type
        if kind is None:
            return (Change(None, None, False, self.subject, self.body, None),)
        releases = kind in _RELEASE_SET
        footer = None
        if releases and "BREAKING" in self.body and message.partition("\n")[2][:1] == "\n":
            footer = _breaking_text(self.body)
        breaking = releases and (self.bang or footer is not None)
        level = BumpLevel.MAJOR if breaking else _LEVELS.get(kind)
        return (Change(kind, self.scope, breaking, self.subject, self.body, level, footer),)

    @property
    def level(self) -> BumpLevel | None:
        """The release level this commit asks for: the highest of its changes."""
        if self._level is _UNSET:
            self._level = _highest(c.level for c in self.changes)
        return self._level  # type: ignore[return-value]

    @property
    def breaking(self) -> bool:
        return self.level is BumpLevel.MAJOR

    @property
    def short(self) -> str:
        return self.sha[:7]

    @property
    def conventional(self) -> bool:
        return self.type is not None

    def as_dict(self) -> dict[str, object]:
        return {
            "sha": self.sha,
            "type": self.type,
            "scope": self.scope,
            "breaking": self.breaking,
            "subject": self.subject,
            "refs": list(self.refs),
            "merge": self.is_merge,
            "level": self.level.label if self.level else None,
        }


def _paragraphs(text: str) -> list[str]:
    """Paragraphs as semantic-release sees them: blank-line separated, footer lines apart."""
    text = re.sub(_LINE_END, "\n", text)
    out: list[str] = []
    for block in text.split("\n\n"):
        current: list[str] = []
        for line in block.split("\n"):
            if current and re.match(_FOOTER, current[-1]) and re.match(_FOOTER_NEXT, line):
                out.append("\n".join(current))
                current = []
            current.append(line)
        out.append("\n".join(current))
    return [p for p in out if p.strip()]


def _message_parts(message: str) -> list[str]:
    """Split a squashed commit into its messages, as semantic-release's parser does."""
    parts: list[str] = []
    current = ""
    message = message.strip()
    later_parts = re.compile(_LATER_PART_SHAPE).search(message) is not None
    for paragraph in filter(None, message.split("\n\n")):
        clean = re.sub(_EXTRA_SPACES, r"\1 \2", paragraph) if "  " in paragraph else paragraph
        if re.compile(_PREFIXED_SHAPE).search(clean):
            clean = re.sub(_SQUASH_PREFIX, r"\1", clean)
        if not clean.strip():
            continue
        match = re.match(_RELEASE_HEADER, clean) if later_parts or not current else None
        if match and len(match["subject"].split(" ")) > 1:
            if current:
                parts.append(current)
            current = clean
        elif not parts and not current:
            current = _dedent(clean)
        elif current:
            current += "\n\n" + _dedent(clean)
    return [*parts, current]


def _dedent(text: str) -> str:
    # textwrap.dedent only changes text whose first line is indented or that has blank lines
    # of spaces; both are rare, and dedent is costly on a whole history.
    if text[:1] not in (" ", "\t"):
        return text
    import textwrap

    return textwrap.dedent(text)


def _breaking_text(body: str) -> str | None:
    """The text of a ``BREAKING CHANGE:`` footer with text, when ``body`` has one."""
    if "BREAKING" not in body:
        return None
    for paragraph in _paragraphs(body):
        match = re.match(_BREAKING, paragraph.split("\n", 1)[0])
        if match and match["text"].strip():
            return " ".join(paragraph.split("\n")).partition(":")[2].strip()
    return None


def _change(text: str, *, is_merge: bool) -> Change:
    text = text.strip("\n")
    header, _, rest = text.partition("\n")
    body = rest.strip("\n")
    match = _match_header(header)
    if match is None:
        return Change(None, None, False, header.strip(), body, None)
    # semantic-release reads footers only in a body that follows one blank line
    footer = _breaking_text(rest[1:]) if rest.startswith("\n") else None
    releases = match["type"] in _RELEASE_SET and not is_merge
    breaking = releases and (bool(match["bang"]) or footer is not None)
    if breaking:
        level: BumpLevel | None = BumpLevel.MAJOR
    elif releases and match["type"] in MINOR_TYPES:
        level = BumpLevel.MINOR
    elif releases and match["type"] in PATCH_TYPES:
        level = BumpLevel.PATCH
    else:
        level = None
    return Change(
        type=match["type"],
        scope=match["scope"].strip() if match["scope"] else None,
        breaking=breaking,
        subject=match["subject"].strip(),
        body=body,
        level=level,
        breaking_text=footer if breaking else None,
    )


def parse_changes(message: str, *, is_merge: bool = False) -> tuple[Change, ...]:
    """The changes in a commit message, as semantic-release's conventional parser reads it:
    a squashed message gives one change per part; a merge commit releases nothing."""
    text = message.replace("\r", "")
    if is_merge:
        return (_change(text, is_merge=True),)
    return tuple(_change(part, is_merge=False) for part in _message_parts(text) if part.strip())


def _highest(levels: Iterable[BumpLevel | None]) -> BumpLevel | None:
    best: BumpLevel | None = None
    for level in levels:
        if level is not None and (best is None or best < level):
            best = level
    return best


def release_level(message: str, *, is_merge: bool = False) -> BumpLevel | None:
    """The level a commit message asks for (the highest of its changes)."""
    return _highest(c.level for c in parse_changes(message, is_merge=is_merge))


def parse_commit(
    sha: str, message: str, *, is_merge: bool = False, parents: tuple[str, ...] = ()
) -> Commit:
    """Parse a raw commit message (subject, blank line, body) into a :class:`Commit`.

    A commit with two or more ``parents`` is a merge commit.
    """
    is_merge = is_merge or len(parents) > 1
    text = (message.replace("\r\n", "\n") if "\r" in message else message).strip("\n")
    header, _, body = text.partition("\n")
    if body[:1] == "\n" or body[-1:] == "\n":
        body = body.strip("\n")
    match = _match_header(header)
    if match is None:
        return Commit(sha, text, None, None, header.strip(), body, is_merge, parents)
    kind, scope, bang, subject = match.group("type", "scope", "bang", "subject")
    # positional: a whole history makes one per commit
    return Commit(
        sha,
        text,
        kind,
        scope.strip() if scope else None,
        subject.strip(),
        body,
        is_merge,
        parents,
        bang is not None,
    )


def highest_level(commits: Iterable[Commit]) -> BumpLevel | None:
    return _highest(c.level for c in commits)
