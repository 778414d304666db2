"""Writing a version where ``[tool.semantic_release]`` says it lives: the files' side.

The edits themselves are :mod:`wheeltrain.core.stamping`; the places are
:attr:`ReleaseSettings.locations`, the same lists semantic-release reads.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from wheeltrain.adapters.files import write_atomic
from wheeltrain.core.settings import Location
from wheeltrain.core.stamping import read_variable, set_toml_string, set_variable
from wheeltrain.errors import ConfigError, StepFailed, UsageError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

__all__ = ["check_locations", "read_versions", "stamp"]


def _read(root: Path, place: Location) -> str:
    path = root / place.path
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        why = "it does not exist" if isinstance(exc, FileNotFoundError) else str(exc)
        raise ConfigError(
            f"cannot read {place.path} (named in [tool.semantic_release]): {why}: "
            "fix version_toml / version_variables"
        ) from None


def check_locations(root: Path, places: Sequence[Location]) -> None:
    """Every named file exists and is readable: exit 2 before anything runs."""
    for place in places:
        _read(root, place)


def read_versions(root: Path, places: Sequence[Location]) -> dict[str, list[str]]:
    """What each place holds now, as ``{"file:key": [values]}``."""
    found: dict[str, list[str]] = {}
    for place in places:
        text = _read(root, place)
        if place.kind == "toml":
            try:
                node: Any = tomllib.loads(text)
            except (tomllib.TOMLDecodeError, RecursionError, ValueError):
                node = None
            for part in place.key.split("."):
                node = node.get(part) if isinstance(node, dict) else None
            found[str(place)] = [node] if isinstance(node, str) else []
        else:
            found[str(place)] = read_variable(text, place.key)
    return found


def stamp(root: Path, places: Sequence[Location], version: str) -> list[Path]:
    """Write ``version`` into every place; all files are checked before any is written."""
    updates: dict[Path, str] = {}
    for place in places:
        path = root / place.path
        text = updates.get(path) or _read(root, place)
        try:
            if place.kind == "toml":
                updates[path] = set_toml_string(text, place.key, version)
            else:
                updates[path] = set_variable(text, place.key, version)
        except StepFailed as exc:
            raise StepFailed(f"cannot stamp {place}: {exc}") from None
    for text in updates.values():  # every text encodes before the first file changes
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise UsageError(
                "the version to stamp holds bytes that are not UTF-8: nothing was written"
            ) from None
    for path, text in updates.items():
        write_atomic(path, text)
    return list(updates)
