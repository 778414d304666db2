"""Release notes in Markdown from parsed commits: pure.

Sections come in a fixed order: breaking changes first, then features, fixes, performance,
the other conventional types, and last "Other" for messages that do not follow the convention
(they are listed, never dropped). Release commits (their subject is ``commit_message`` of
``[tool.semantic_release]``) and merge commits are left out: they carry no change of their own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from wheeltrain.core.commits import (
    _MAYBE_SPECIAL,
    _RELEASE_SET,
    Change,
    Commit,
    _breaking_text,
    _match_header,
    parse_commit,
)
from wheeltrain.core.settings import ReleaseSettings

__all__ = ["SECTIONS", "Entries", "insert_section", "render_entries", "render_notes"]

#: (key, title) in the order sections appear.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("breaking", "Breaking changes"),
    ("feat", "Features"),
    ("fix", "Fixes"),
    ("perf", "Performance"),
    ("refactor", "Refactoring"),
    ("revert", "Reverts"),
    ("docs", "Documentation"),
    ("build", "Build"),
    ("ci", "Continuous integration"),
    ("test", "Tests"),
    ("style", "Style"),
    ("chore", "Chores"),
    ("other", "Other"),
)

_REF = re.compile(r"(?<![\w/&\[])#(\d+)\b")


_DEFAULT = ReleaseSettings()


_SPECIAL = re.compile(r"([\\`*<>\[\]])")


def _link_refs(text: str, repo_url: str | None) -> str:
    if not repo_url or "#" not in text:
        return text
    base = repo_url.rstrip("/")
    return _REF.sub(lambda m: f"[#{m[1]}]({base}/issues/{m[1]})", text)


def _escape(text: str) -> str:
    # Subjects are people's words: keep them as text, so a stray "<" or "*" cannot open HTML
    # or emphasis that swallows the rest of the notes.
    # Underscores are left alone: inside words they never start emphasis in CommonMark.
    return _SPECIAL.sub(r"\\\1", text) if _SPECIAL.search(text) else text


def _entry(change: Change, sha: str, repo_url: str | None) -> tuple[str, str]:
    """The section key and the line of one change. (Run once per commit of a history.)"""
    subject = change.subject
    if change.type is None:
        key = "other"
    elif change.breaking:
        key = "breaking"
        footer = change.breaking_text
        subject = f"{change.type}: {subject}" + (f" — {footer}" if footer else "")
    else:
        key = change.type
    subject = _link_refs(_escape(subject), repo_url)
    if change.scope:
        return key, f"- **{_escape(change.scope)}:** {subject} ({sha[:7]})"
    return key, f"- {subject} ({sha[:7]})"


def render_notes(
    commits: Iterable[Commit],
    *,
    title: str | None = None,
    repo_url: str | None = None,
    preamble: Sequence[str] = (),
    settings: ReleaseSettings = _DEFAULT,
) -> str:
    """Markdown notes for ``commits`` (newest first, as ``git log`` gives them); each change
    of a squashed commit is an entry of its own, as in semantic-release's changelog."""
    entries_of = Entries(repo_url, settings)
    return render_entries(
        (entry for commit in commits for entry in entries_of(commit)),
        title=title,
        preamble=preamble,
    )


class Entries:
    """The notes' entries of one commit, as (section key, line): none for a merge or a release
    commit, one per change of a squashed commit. Callable on each commit of a stream."""

    def __init__(self, repo_url: str | None, settings: ReleaseSettings = _DEFAULT) -> None:
        self.repo_url = repo_url
        # a release commit's subject starts with the template's prefix: the full check (it
        # parses the version) runs only for the few that do
        self._prefix = settings.release_affixes[0]
        self._is_release = settings.is_release_commit

    def from_record(self, sha: str, parents: str, message: str) -> list[tuple[str, str]]:
        """The entries of a commit as ``git log`` gives it (``parents``: %P, the shas apart
        by spaces), the same as ``self(parse_commit(...))`` (a property test holds them
        equal) without making the commit or its change: a whole history passes here, and a
        plain message (nearly every one) is read in this one function."""
        if " " in parents:  # two parents or more: a merge
            return []
        if "\r" not in message:
            text = message.strip("\n")
            if text.startswith(self._prefix) and self._is_release(text):
                return []
            if _MAYBE_SPECIAL.search(text) is None:
                header, _, body = text.partition("\n")
                match = _match_header(header)
                if match is None:
                    key, scope, subject = "other", None, header.strip()
                else:
                    key, scope, bang, subject = match.group("type", "scope", "bang", "subject")
                    subject = subject.strip()
                    if key in _RELEASE_SET:
                        footer = None
                        # a footer counts only in a body after one blank line
                        if "BREAKING" in body and body[:1] == "\n":
                            footer = _breaking_text(body.strip("\n"))
                        if bang is not None or footer is not None:
                            subject = f"{key}: {subject}" + (f" — {footer}" if footer else "")
                            key = "breaking"
                    scope = scope.strip() if scope else None
                subject = _link_refs(_escape(subject), self.repo_url)
                if scope:
                    return [(key, f"- **{_escape(scope)}:** {subject} ({sha[:7]})")]
                return [(key, f"- {subject} ({sha[:7]})")]
        return self(parse_commit(sha, message, parents=tuple(parents.split())))

    def __call__(self, commit: Commit) -> list[tuple[str, str]]:
        message = commit.message
        if commit.is_merge or (message.startswith(self._prefix) and self._is_release(message)):
            return []
        sha, repo_url = commit.sha, self.repo_url
        return [_entry(change, sha, repo_url) for change in commit.changes]


def render_entries(
    entries: Iterable[tuple[str, str]], *, title: str | None = None, preamble: Sequence[str] = ()
) -> str:
    """Markdown notes from (section key, line) entries, newest first."""
    groups: dict[str, list[str]] = {}
    for key, line in entries:
        groups.setdefault(key, []).append(line)
    lines: list[str] = []
    if title:
        lines += [f"## {title}", ""]
    for paragraph in preamble:
        lines += [paragraph, ""]
    if not groups:
        lines += ["No changes.", ""]
    for key, heading in SECTIONS:
        found = groups.get(key)
        if not found:
            continue
        lines += [f"### {heading}", ""]
        lines += found
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def insert_section(text: str | None, section: str, flag: str) -> str:
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
