"""Writing a version into file text: pure edits that keep every other byte.

The places come from :attr:`ReleaseSettings.locations` (``version_toml`` and
``version_variables``, as semantic-release names them); :mod:`wheeltrain.adapters.stamp`
reads and writes the files.
"""

from __future__ import annotations

import re
import sys
from typing import Any

from wheeltrain.errors import StepFailed

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

__all__ = ["read_variable", "set_toml_string", "set_variable"]

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
    try:
        node: Any = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError, ValueError):
        node = None
    for part in dotted.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    if node != value:
        raise StepFailed(
            f"stamping {dotted} did not produce {value!r}: the file was left unchanged"
        )


def read_variable(text: str, name: str) -> list[str]:
    """The values assigned to ``name`` (``name = "1.2.3"``, ``name: str = '1.2.3'``)."""
    return [m["value"] for m in _variable(name).finditer(text)]


def _variable(name: str) -> re.Pattern[str]:
    return re.compile(
        r"(?P<pre>^[ \t]*" + re.escape(name) + r"[ \t]*(?::[^=\n]*)?[:=][ \t]*(?P<q>[\"']?))"
        r"(?P<value>[^\"'\s,]+)(?P=q)",
        re.MULTILINE,
    )


def set_variable(text: str, name: str, version: str) -> str:
    """Replace every assignment of ``name`` with ``version``, keeping the quotes."""
    new, count = _variable(name).subn(lambda m: m["pre"] + version + m["q"], text)
    if count == 0:
        raise StepFailed(f'no assignment to {name} found: write it as {name} = "0.1.0"')
    return new
