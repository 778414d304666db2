"""The whole history's notes: one section per release tag, from a single ``git log``."""

from __future__ import annotations

from collections.abc import Mapping
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


def history_sections(
    project: Project, git: Git, ref: str = "HEAD", headings: Mapping[str, str] | None = None
) -> list[Section]:
    """Every release's notes, newest first. A commit belongs to the first release (in version
    order) whose tag contains it; commits that no release tag contains are "Unreleased".
    Within a section, newest first. ``headings`` gives a section (by its title) another
    heading, e.g. ``{"v1.2.0": "v1.2.0 (2026-12-01)"}``.

    Each commit's entries are made while git is still walking the history (the stream keeps
    both processors busy); what is left afterwards is the grouping and the joining."""
    import gc

    tag_shas = {t.name: t.sha for t in git.tags()}
    entries_of = Entries(project.repo_url, project.settings)
    # sha -> (parents, entries), newest first
    history: dict[str, tuple[tuple[str, ...], list[tuple[str, str]]]] = {}
    # A whole history is hundreds of thousands of small objects that all stay alive: the
    # cycle collector would walk them again and again for nothing (there are no cycles).
    collecting = gc.isenabled()
    gc.disable()
    try:
        for commit in git.log(ref):
            history[commit.sha] = (commit.parents, entries_of(commit))
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
            known = history.get(sha)
            if known is None:  # not in the history of ``ref``
                continue
            release_of[sha] = name
            extend(known[0])
    # each release's commits and entries, newest first, in one pass over the history
    grouped: dict[str, tuple[list[str], list[tuple[str, str]]]] = {}
    release_get, grouped_get = release_of.get, grouped.get
    for sha, (_, lines) in history.items():
        title = release_get(sha, "Unreleased")
        group = grouped_get(title)
        if group is None:
            group = grouped[title] = ([], [])
        group[0].append(sha)
        group[1].extend(lines)
    titles = ["Unreleased"] if "Unreleased" in grouped else []
    titles += [t.name for t in reversed(releases) if tag_shas[t.name] in history]
    sections = []
    for title in titles:
        shas, lines = grouped.get(title, ([], []))
        heading = headings.get(title, title) if headings else title
        sections.append(Section(title, tuple(shas), render_entries(lines, title=heading)))
    return sections
