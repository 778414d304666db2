"""Writing a version where ``[tool.semantic_release]`` says it lives.

semantic-release names the places in ``version_toml`` (``"pyproject.toml:project.version"``)
and ``version_variables`` (``"src/pkg/__init__.py:__version__"``); the hotfix path reads the
same lists so there is never a second one to keep.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from wheeltrain.errors import ConfigError, StepFailed
from wheeltrain.project import Project, set_toml_string

__all__ = ["Location", "locations", "stamp"]


@dataclass(frozen=True)
class Location:
    path: str  # relative to the project root
    key: str  # a dotted TOML key, or a variable name
    kind: str  # "toml" or "variable"

    def __str__(self) -> str:
        return f"{self.path}:{self.key}"


def locations(project: Project) -> list[Location]:
    """Where the version lives; ``pyproject.toml:project.version`` when nothing is named."""
    psr = project.semantic_release
    found: list[Location] = []
    for setting, kind in (("version_toml", "toml"), ("version_variables", "variable")):
        entries = psr.get(setting, [])
        if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
            raise ConfigError(f"[tool.semantic_release].{setting} must be a list of 'file:name'")
        for entry in entries:
            path, sep, key = entry.partition(":")
            key = key.split(":", 1)[0]  # "file:name:format" -> the name
            if not sep or not path or not key:
                raise ConfigError(
                    f"[tool.semantic_release].{setting} entry {entry!r} is not 'file:name'"
                )
            found.append(Location(path, key, kind))
    return found or [Location("pyproject.toml", "project.version", "toml")]


def _set_variable(text: str, name: str, version: str) -> str:
    pattern = re.compile(
        r"(?P<pre>^[ \t]*" + re.escape(name) + r"[ \t]*(?::[^=\n]*)?[:=][ \t]*(?P<q>[\"']?))"
        r"(?P<value>[^\"'\s,]+)(?P=q)",
        re.MULTILINE,
    )
    new, count = pattern.subn(lambda m: m["pre"] + version + m["q"], text)
    if count == 0:
        raise StepFailed(f'no assignment to {name} found: write it as {name} = "0.1.0"')
    return new


def stamp(root: Path, places: list[Location], version: str) -> list[Path]:
    """Write ``version`` into every place; all files are checked before any is written."""
    updates: dict[Path, str] = {}
    for place in places:
        path = root / place.path
        try:
            text = updates.get(path) or path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(
                f"cannot read {place.path} (named in [tool.semantic_release]): {exc}"
            ) from None
        try:
            if place.kind == "toml":
                updates[path] = set_toml_string(text, place.key, version)
            else:
                updates[path] = _set_variable(text, place.key, version)
        except StepFailed as exc:
            raise StepFailed(f"cannot stamp {place}: {exc}") from None
    for path, text in updates.items():
        path.write_text(text, encoding="utf-8")
    return list(updates)
