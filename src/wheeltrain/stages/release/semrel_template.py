"""The changelog semantic-release writes when it runs on its own, rendered by wheeltrain.

``wheeltrain init`` installs a one-line changelog template and names this module in
``[tool.semantic_release.changelog.environment] extensions``: semantic-release loads it as a
Jinja extension, and the template only places the text :func:`changelog` returns. That text is
wheeltrain's own changelog (``core.changelog`` rendering the sections ``stages.notes`` groups
from one ``git log``, inserted after the insertion flag by ``core.changelog.insert_section``),
so a maintainer who runs ``semantic-release version`` alone gets, on a linear history, the
same file ``wheeltrain release monthly`` writes. semantic-release decides only which
releases are new and their dates. It runs in the repository's root, as semantic-release does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from jinja2 import Environment
from jinja2.ext import Extension

from wheeltrain.adapters.git import Git
from wheeltrain.adapters.project import load_project
from wheeltrain.core.changelog import insert_section
from wheeltrain.errors import WheeltrainError

__all__ = ["IMPORT_NAME", "Changelog", "changelog"]

#: How ``[tool.semantic_release.changelog.environment] extensions`` names the extension.
IMPORT_NAME = "wheeltrain.stages.release.semrel_template:Changelog"


class Changelog(Extension):
    """Gives semantic-release's template environment ``wheeltrain_changelog(ctx)``."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.globals["wheeltrain_changelog"] = changelog


def _releases(history: Any) -> Iterable[tuple[str, Any]]:
    released: Mapping[Any, Mapping[str, Any]] = getattr(history, "released", {}) or {}
    for version, release in released.items():
        yield version.as_tag(), release.get("tagged_date")


def changelog(ctx: Any) -> str:
    """The whole new changelog: the previous file with the section of the release
    semantic-release is cutting (the one of its history without a tag), rendered by
    wheeltrain; the previous file as it is when there is none (``semantic-release changelog``
    back-fills nothing, as ``wheeltrain release monthly`` does not: ``wheeltrain changelog
    --all`` writes a whole history)."""
    try:
        git = Git.discover(Path.cwd())
        project = load_project(git.root)
    except WheeltrainError as exc:
        raise RuntimeError(f"wheeltrain cannot render the changelog: {exc}") from None
    settings = project.settings
    flag = getattr(ctx, "changelog_insertion_flag", "") or settings.insertion_flag
    path = git.root / settings.changelog_file
    previous = path.read_text(encoding="utf-8") if path.is_file() else None
    tags = {t.name for t in git.tags()}
    headings: dict[str, str] = {}
    for tag, date in _releases(getattr(ctx, "history", None)):
        if tag in tags or (previous is not None and f"## {tag} " in previous):
            continue  # released before: a changelog is never back-filled here, as in a release
        # the release semantic-release is cutting has no tag yet: its commits are the ones no
        # release tag contains
        headings["Unreleased"] = f"{tag} ({date:%Y-%m-%d})" if date is not None else tag
    if not headings:
        return previous if previous is not None else f"# Changelog\n\n{flag}\n"
    from wheeltrain.stages.release.notes import history_sections

    text = previous
    for section in reversed(history_sections(project, git, headings=headings)):
        if section.title in headings:
            text = insert_section(text, section.markdown, flag)
    return text if text is not None else f"# Changelog\n\n{flag}\n"
