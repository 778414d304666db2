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


def set_toml_string(text: str, dotted: str, value: str) -> str:
    """Replace the string value of ``dotted`` (``table.sub.key``) the way semantic-release
    does it: a tomlkit round trip, so that every form TOML allows works (a ``[table]`` key, a
    dotted key such as ``project.version = "..."``, a quoted key, a key inside an inline
    table); comments, order and spacing stay, and the value is written as semantic-release
    writes it (a basic string), so that both give the same bytes."""
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    try:
        doc = tomlkit.parse(text)
    except (TOMLKitError, RecursionError, ValueError) as exc:
        raise StepFailed(f"the file is not valid TOML ({exc})") from None
    *parents, key = dotted.split(".")
    node: Any = doc
    for part in parents:
        node = node.get(part) if hasattr(node, "get") else None
    old = node.get(key) if hasattr(node, "get") else None
    if not isinstance(old, str):
        raise StepFailed(
            f'cannot find {dotted} as a string in the file: write it as {key} = "0.1.0" '
            f"where {'.'.join(parents) or 'the top level'} is"
        )
    node[key] = value  # a plain string, as semantic-release assigns it: the same bytes
    new_text = tomlkit.dumps(doc)
    _check_value(new_text, dotted, value)
    return new_text


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
