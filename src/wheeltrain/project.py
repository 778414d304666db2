"""The project's ``pyproject.toml``: read once, version rewritten byte for byte."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wheeltrain.errors import ConfigError, StepFailed

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

__all__ = ["Project", "load_project", "set_toml_string", "tag_name", "version_from_tag"]

DEFAULT_TAG_FORMAT = "v{version}"


@dataclass(frozen=True)
class Project:
    root: Path
    pyproject: Path
    data: dict[str, Any]
    name: str
    version: str
    tag_format: str
    repo_url: str | None

    @property
    def wheeltrain(self) -> dict[str, Any] | None:
        tool = self.data.get("tool", {})
        value = tool.get("wheeltrain") if isinstance(tool, dict) else None
        return value if isinstance(value, dict) else None

    @property
    def semantic_release(self) -> dict[str, Any]:
        tool = self.data.get("tool", {})
        value = tool.get("semantic_release", {}) if isinstance(tool, dict) else {}
        return value if isinstance(value, dict) else {}


def read_toml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
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


def load_project(root: Path) -> Project:
    path = root / "pyproject.toml"
    data = read_toml(path)
    project = data.get("project")
    if not isinstance(project, dict):
        raise ConfigError(f"{path} has no [project] table: add one with name and version")
    name = project.get("name")
    if not isinstance(name, str) or not name:
        raise ConfigError(f"{path} has no [project].name: add the distribution name")
    version = project.get("version")
    if not isinstance(version, str):
        dynamic = "version" in project.get("dynamic", [])
        why = "declares it dynamic" if dynamic else "has no [project].version"
        raise ConfigError(
            f'{path} {why}: wheeltrain stamps a static version, write version = "0.1.0"'
        )
    tool = data.get("tool", {})
    psr = tool.get("semantic_release", {}) if isinstance(tool, dict) else {}
    tag_format = psr.get("tag_format", DEFAULT_TAG_FORMAT) if isinstance(psr, dict) else None
    if not isinstance(tag_format, str) or "{version}" not in tag_format:
        raise ConfigError(
            f"{path}: [tool.semantic_release].tag_format must contain {{version}}, e.g. 'v{{version}}'"
        )
    return Project(
        root=root,
        pyproject=path,
        data=data,
        name=name,
        version=version,
        tag_format=tag_format,
        repo_url=_repo_url(data),
    )


def _repo_url(data: dict[str, Any]) -> str | None:
    tool = data.get("tool", {})
    psr = tool.get("semantic_release", {}) if isinstance(tool, dict) else {}
    remote = psr.get("remote", {}) if isinstance(psr, dict) else {}
    url = remote.get("url") if isinstance(remote, dict) else None
    if not isinstance(url, str):
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


def tag_name(tag_format: str, version: str) -> str:
    return tag_format.replace("{version}", version)


def version_from_tag(tag_format: str, tag: str) -> str | None:
    prefix, _, suffix = tag_format.partition("{version}")
    if tag.startswith(prefix) and tag.endswith(suffix) and len(tag) > len(prefix) + len(suffix):
        return tag[len(prefix) : len(tag) - len(suffix)] if suffix else tag[len(prefix) :]
    return None


_HEADER = re.compile(r"^\s*\[\s*(?P<name>[^\[\]]+?)\s*\]\s*(?:#.*)?$")


def set_toml_string(text: str, dotted: str, value: str) -> str:
    """Replace the string value of ``dotted`` (``table.sub.key``) keeping every other byte.

    Only the characters between the quotes change, so comments, order, spacing and the quote
    style stay. The key must be written as ``key = "..."`` (or single quotes) directly under
    its ``[table]`` header; anything else is refused rather than guessed.
    """
    *table_parts, key = dotted.split(".")
    table = ".".join(table_parts)
    lines = text.splitlines(keepends=True)
    current = ""
    key_re = re.compile(
        r"^(?P<pre>\s*" + re.escape(key) + r"\s*=\s*)(?P<q>\"|')(?P<val>[^\"'\n]*)(?P=q)"
    )
    for i, line in enumerate(lines):
        header = _HEADER.match(line)
        if header and not line.lstrip().startswith("[["):
            current = re.sub(r"\s*\.\s*", ".", header["name"]).replace('"', "")
            continue
        if current != table:
            continue
        match = key_re.match(line)
        if match:
            start, end = match.span("val")
            lines[i] = line[:start] + value + line[end:]
            new_text = "".join(lines)
            _check_value(new_text, dotted, value)
            return new_text
    raise StepFailed(
        f'cannot find {dotted} as `{key} = "..."` under [{table}]: write it that way '
        "so it can be stamped"
    )


def _check_value(text: str, dotted: str, value: str) -> None:
    node: Any = tomllib.loads(text)
    for part in dotted.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    if node != value:
        raise StepFailed(
            f"stamping {dotted} did not produce {value!r}: the file was left unchanged"
        )
