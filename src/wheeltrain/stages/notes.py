"""The whole history's notes: one section per release tag, from a single ``git log``."""

from __future__ import annotations

from typing import NamedTuple

from wheeltrain.adapters.git import Git
from wheeltrain.adapters.project import Project
from wheeltrain.core.changelog import Entries, render_entries
from wheeltrain.core.tags import release_tags

__all__ = ["Section", "history_sections"]


class Section(NamedTuple):
    title: str  # a release tag, or "Unreleased"
    commits: tuple[str, ...]  # shas, newest first
    markdown: str


def history_sections(project: Project, git: Git, ref: str = "HEAD") -> list[Section]:
    """Every release's notes, newest first. A commit belongs to the first release (in version
    order) whose tag contains it; commits that no release tag contains are "Unreleased".
    Within a section, newest first.

    Each commit's entries are made while git is still walking the history (the stream keeps
    both processors busy); what is left afterwards is the grouping and the joining."""
    import gc

    tag_shas = {t.name: t.sha for t in git.tags()}
    entries_of = Entries(project.repo_url, project.settings)
    order: list[str] = []
    parents: dict[str, tuple[str, ...]] = {}
    entries: dict[str, list[tuple[str, str]]] = {}
    # A whole history is hundreds of thousands of small objects that all stay alive: the
    # cycle collector would walk them again and again for nothing (there are no cycles).
    collecting = gc.isenabled()
    gc.disable()
    try:
        for commit in git.log(ref):
            sha = commit.sha
            order.append(sha)
            parents[sha] = commit.parents
            entries[sha] = entries_of(commit)
    finally:
        if collecting:
            gc.enable()
    release_of: dict[str, str] = {}
    releases = release_tags(tag_shas, project.tag_format)  # oldest first
    for tag in releases:
        name = tag.name
        stack = [tag_shas[name]]
        pop, extend = stack.pop, stack.extend
        while stack:
            sha = pop()
            if sha in release_of:
                continue
            up = parents.get(sha)
            if up is None:  # not in the history of ``ref``
                continue
            release_of[sha] = name
            extend(up)
    grouped: dict[str, list[str]] = {}
    for sha in order:
        grouped.setdefault(release_of.get(sha, "Unreleased"), []).append(sha)
    titles = ["Unreleased"] if "Unreleased" in grouped else []
    titles += [t.name for t in reversed(releases) if tag_shas[t.name] in parents]
    sections = []
    for title in titles:
        shas = grouped.get(title, [])
        markdown = render_entries((e for sha in shas for e in entries[sha]), title=title)
        sections.append(Section(title, tuple(shas), markdown))
    return sections
