"""Release notes in Markdown from parsed commits: pure.

Sections come in a fixed order: breaking changes first, then features, fixes, performance,
the other conventional types, and last "Other" for messages that do not follow the convention
(they are listed, never dropped). Release commits (``chore(release): ...``) and merge commits
are left out: they carry no change of their own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from wheeltrain.commits import Commit, breaking_text

__all__ = ["SECTIONS", "is_release_commit", "render_notes"]

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


def is_release_commit(commit: Commit) -> bool:
    return commit.message.startswith("chore(release): ")


def _section_of(commit: Commit) -> str:
    if commit.type is None:
        return "other"
    if commit.breaking:
        return "breaking"
    return commit.type


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


def _entry(commit: Commit, repo_url: str | None) -> str:
    subject = commit.subject
    if commit.breaking and commit.type is not None:
        footer = breaking_text(commit)
        kind = f"{commit.type}: " if commit.type else ""
        subject = f"{kind}{subject}" + (f" — {footer}" if footer else "")
    scope = f"**{_escape(commit.scope)}:** " if commit.scope else ""
    sha = commit.short
    return f"- {scope}{_link_refs(_escape(subject), repo_url)} ({sha})"


def render_notes(
    commits: Iterable[Commit],
    *,
    title: str | None = None,
    repo_url: str | None = None,
    preamble: Sequence[str] = (),
) -> str:
    """Markdown notes for ``commits`` (newest first, as ``git log`` gives them)."""
    groups: dict[str, list[Commit]] = {}
    for commit in commits:
        if commit.is_merge or is_release_commit(commit):
            continue
        groups.setdefault(_section_of(commit), []).append(commit)
    lines: list[str] = []
    if title:
        lines += [f"## {title}", ""]
    for paragraph in preamble:
        lines += [paragraph, ""]
    if not groups:
        lines += ["No changes.", ""]
    for key, heading in SECTIONS:
        entries = groups.get(key)
        if not entries:
            continue
        lines += [f"### {heading}", ""]
        lines += [_entry(c, repo_url) for c in entries]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
