"""A release line older than wheeltrain's adoption: which ``pyproject.toml`` of an old tree is
the project, and where its version lives now that the layout may have moved. Pure.

The rule, in one place: the release configuration (``[tool.wheeltrain]`` and
``[tool.semantic_release]``) is the checked-out tree's own when it has one; a tree cut before
adoption takes it from the default branch, and the source, the project file and the version
from itself. A version location the default branch names is kept where the old tree has that
file, looked for beside the old project file when the layout moved, and left out (said so)
when the old tree never had it.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple

from wheeltrain.core.settings import ReleaseSettings

__all__ = ["Relocated", "choose_project_file", "relocate"]


class Relocated(NamedTuple):
    settings: ReleaseSettings
    moved: tuple[tuple[str, str], ...]  # (the default branch's location, the old tree's)
    absent: tuple[str, ...]  # locations the old tree does not have


def _project_table(data: Mapping[str, Any]) -> Mapping[str, Any] | None:
    table = data.get("project")
    if not isinstance(table, Mapping):
        return None
    if not isinstance(table.get("name"), str) or not isinstance(table.get("version"), str):
        return None
    return table


def choose_project_file(
    candidates: Mapping[str, Mapping[str, Any]], names: Iterable[str]
) -> str | None:
    """The old tree's project file among ``candidates`` (path -> parsed TOML): one with a
    static ``[project]`` name and version, preferring one whose name is among ``names`` (the
    distributions the configuration releases), then the shallowest, then the first by name."""
    wanted = {n.lower().replace("_", "-") for n in names}
    usable = []
    for path, data in candidates.items():
        table = _project_table(data)
        if table is None:
            continue
        named = str(table["name"]).lower().replace("_", "-") in wanted
        usable.append((not named, path.count("/"), path))
    return min(usable)[2] if usable else None


def relocate(
    settings: ReleaseSettings, project_file: str, exists: Callable[[str], bool]
) -> Relocated:
    """``settings`` with each version location moved to where the old tree has it:
    the same path when that file exists, else the same path beside ``project_file``; the
    default location ``pyproject.toml:project.version`` becomes ``project_file``'s."""
    folder = posixpath.dirname(project_file)
    moved: list[tuple[str, str]] = []
    absent: list[str] = []

    def place(entries: tuple[str, ...]) -> tuple[str, ...]:
        kept = []
        for entry in entries:
            path, _, rest = entry.partition(":")
            beside = posixpath.join(folder, path) if folder else path
            if path == "pyproject.toml":
                target = project_file
            elif exists(path):
                target = path
            elif folder and exists(beside):
                target = beside
            else:
                absent.append(entry)
                continue
            if target != path:
                moved.append((entry, f"{target}:{rest}"))
            kept.append(f"{target}:{rest}")
        return tuple(kept)

    toml = place(settings.version_toml)
    variables = place(settings.version_variables)
    if not settings.version_toml and not settings.version_variables:
        toml = (f"{project_file}:project.version",)
        if project_file != "pyproject.toml":
            moved.append(("pyproject.toml:project.version", toml[0]))
    elif not any(e.startswith(f"{project_file}:") for e in toml):
        # the old project file always holds the version: it is stamped even where the
        # default branch keeps its version elsewhere
        toml = (*toml, f"{project_file}:project.version")
    return Relocated(
        settings._replace(version_toml=toml, version_variables=variables),
        tuple(moved),
        tuple(absent),
    )
