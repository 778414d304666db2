"""The project's ``pyproject.toml``: read once, version rewritten byte for byte."""

from __future__ import annotations

import os
import re
import sys
from typing import TYPE_CHECKING, Any, NamedTuple

from wheeltrain.core.settings import ReleaseSettings, parse_release_settings
from wheeltrain.errors import ConfigError

if TYPE_CHECKING:
    from pathlib import Path

    from wheeltrain.adapters.git import StrPath

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

__all__ = ["Project", "load_project", "read_toml"]


class Project(NamedTuple):
    root_dir: str  # as given: pathlib is imported only by a command that needs a Path
    pyproject_file: str
    data: dict[str, Any]
    name: str
    version: str
    settings: ReleaseSettings
    repo_url: str | None

    @property
    def root(self) -> Path:
        from pathlib import Path

        return Path(self.root_dir)

    @property
    def pyproject(self) -> Path:
        from pathlib import Path

        return Path(self.pyproject_file)

    @property
    def tag_format(self) -> str:
        return self.settings.tag_format

    @property
    def wheeltrain(self) -> dict[str, Any] | None:
        tool = self.data.get("tool", {})
        value = tool.get("wheeltrain") if isinstance(tool, dict) else None
        return value if isinstance(value, dict) else None


def read_toml(path: StrPath) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as fh:  # noqa: PTH123 - plan never imports pathlib
            text = fh.read()
    except FileNotFoundError:
        raise ConfigError(
            f"{path} not found: run wheeltrain from the project root or pass --project"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    try:
        data: dict[str, Any] = tomllib.loads(text)
        return data
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML ({exc}): fix the file and retry") from None
    except (RecursionError, ValueError):  # nesting too deep, integers past the digit limit
        raise ConfigError(
            f"{path} cannot be read: it nests too deeply or holds an integer too large"
        ) from None


def load_project(root: StrPath) -> Project:
    folder = os.fspath(root)
    # os.path, not pathlib: a fast command (plan) never imports pathlib
    path = "pyproject.toml" if folder in ("", ".") else os.path.join(folder, "pyproject.toml")  # noqa: PTH118
    data = read_toml(path)
    project = data.get("project")
    if not isinstance(project, dict):
        raise ConfigError(f"{path} has no [project] table: add one with name and version")
    name = project.get("name")
    if not isinstance(name, str) or not name:
        raise ConfigError(f"{path} has no [project].name: add the distribution name")
    version = project.get("version")
    if not isinstance(version, str):
        dynamic = project.get("dynamic", [])
        why = (
            "declares it dynamic"
            if isinstance(dynamic, list) and "version" in dynamic
            else "has no [project].version"
        )
        raise ConfigError(
            f'{path} {why}: wheeltrain stamps a static version, write version = "0.1.0"'
        )
    tool = data.get("tool", {})
    psr = tool.get("semantic_release") if isinstance(tool, dict) else None
    if psr is not None and not isinstance(psr, dict):
        raise ConfigError(f"{path}: [tool.semantic_release] must be a table")
    try:
        settings = parse_release_settings(psr)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    return Project(
        root_dir=folder,
        pyproject_file=path,
        data=data,
        name=name,
        version=version,
        settings=settings,
        repo_url=_repo_url(data, settings),
    )


def _repo_url(data: dict[str, Any], settings: ReleaseSettings) -> str | None:
    url = settings.remote_url
    if url is None:
        urls = data.get("project", {}).get("urls", {})
        url = None
        if isinstance(urls, dict):
            for key, value in urls.items():
                if key.lower() in ("repository", "source", "source code", "github") and isinstance(
                    value, str
                ):
                    url = value
                    break
    return _web_url(url) if url else None


def _web_url(url: str) -> str:
    """``git@github.com:o/r.git`` and ``https://github.com/o/r.git`` -> ``https://github.com/o/r``."""
    match = re.match(r"^(?:ssh://)?git@([^:/]+)[:/](.+?)(?:\.git)?/?$", url)
    if match:
        return f"https://{match[1]}/{match[2]}"
    return re.sub(r"\.git/?$", "", url).rstrip("/")
