"""The whole history's notes: one section per release tag, from a single ``git log``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from wheeltrain.adapters.git import Git
from wheeltrain.adapters.project import Project
from wheeltrain.core.changelog import Entries, render_entries
from wheeltrain.core.tags import ReleaseTag, release_tags

__all__ = ["Section", "history_sections"]


class Section(NamedTuple):
    title: str  # a release tag, or "Unreleased"
    commits: tuple[str, ...]  # shas, newest first
    markdown: str


def _grouped_by_walk(
    history: dict[str, tuple[str, list[tuple[str, str]]]],
    releases: list[ReleaseTag],
    tag_shas: dict[str, str],
) -> dict[str, tuple[list[str], list[tuple[str, str]]]]:
    """Each release's commits and entries, newest first: a commit belongs to the first
    release in version order whose tag contains it (a walk from each tag, oldest first)."""
    release_of: dict[str, str] = {}
    for tag in releases:
        name = tag.name
        stack = [tag_shas[name]]
        pop, extend = stack.pop, stack.extend
        while stack:
            sha = pop()
            if sha in release_of:
                continue
            known = history.get(sha)
            if known is None:  # not in the history of the ref
                continue
            release_of[sha] = name
            extend(known[0].split())
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
    return grouped


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
    releases = release_tags(tag_shas, project.tag_format)  # oldest first
    # each tagged commit's first release in version order, as (rank, tag)
    first_at: dict[str, tuple[int, str]] = {}
    for rank, tag in enumerate(releases):
        first_at.setdefault(tag_shas[tag.name], (rank, tag.name))
    # sha -> (parents as git gives them, apart by spaces; entries), newest first
    history: dict[str, tuple[str, list[tuple[str, str]]]] = {}
    # A linear history (no merge commit) is grouped while git walks it: newest first, the
    # tags seen so far are exactly those that contain the commit, so its release is the
    # first of them in version order. A merge anywhere: the walk from each tag below.
    grouped: dict[str, tuple[list[str], list[tuple[str, str]]]] = {}
    linear = True
    best: tuple[int, str] | None = None
    title = "Unreleased"
    group = grouped[title] = ([], [])
    # A whole history is hundreds of thousands of small objects that all stay alive: the
    # cycle collector would walk them again and again for nothing (there are no cycles).
    collecting = gc.isenabled()
    gc.disable()
    try:
        from_record = entries_of.from_record
        for sha, parents, message in git.log_records(ref):
            lines = from_record(sha, parents, message)
            history[sha] = (parents, lines)
            if not linear:
                continue
            if " " in parents:  # a merge commit
                linear = False
                continue
            hit = first_at.get(sha)
            if hit is not None and (best is None or hit < best):
                best, title = hit, hit[1]
                group = grouped.get(title) or grouped.setdefault(title, ([], []))
            group[0].append(sha)
            group[1].extend(lines)
    finally:
        if collecting:
            gc.enable()
    if not grouped["Unreleased"][0]:
        del grouped["Unreleased"]
    if not linear:
        grouped = _grouped_by_walk(history, releases, tag_shas)
    titles = ["Unreleased"] if "Unreleased" in grouped else []
    titles += [t.name for t in reversed(releases) if tag_shas[t.name] in history]
    sections = []
    for title in titles:
        shas, lines = grouped.get(title, ([], []))
        heading = headings.get(title, title) if headings else title
        sections.append(Section(title, tuple(shas), render_entries(lines, title=heading)))
    return sections
