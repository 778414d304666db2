"""Which GitHub Actions workflows a pushed tag starts, read from their parsed ``on:`` block.

GitHub's rules: ``on: push`` with no filter runs for every branch and tag; a ``push`` with
only branch filters runs for no tag; ``tags`` and ``tags-ignore`` filter tags with GitHub's
patterns (``*`` no ``/``, ``**`` anything, ``?`` and ``+`` repeat the character before,
``[...]`` a class, a leading ``!`` takes matches back out, later patterns win); path filters
are not evaluated for tags; ``create`` runs for every new tag. Pure.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache

__all__ = ["filter_matches", "starts_on_tag"]


@lru_cache(maxsize=256)
def _pattern(glob: str) -> re.Pattern[str]:
    out = []
    i = 0
    while i < len(glob):
        c = glob[i]
        if glob.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if c == "*":
            out.append("[^/]*")
        elif c in "?+" and out:
            out[-1] = f"(?:{out[-1]}){c}"
        elif c == "[":
            end = glob.find("]", i + 1)
            if end == -1:
                out.append(re.escape(c))
            else:
                out.append(glob[i : end + 1])
                i = end
        elif c == "\\" and i + 1 < len(glob):
            i += 1
            out.append(re.escape(glob[i]))
        else:
            out.append(re.escape(c))
        i += 1
    try:
        return re.compile("".join(out))
    except re.error:
        return re.compile(re.escape(glob))


def filter_matches(patterns: Sequence[str], name: str) -> bool:
    """Whether a ``tags:`` (or ``branches:``) list selects ``name``: patterns are tried in
    order, a ``!pattern`` takes a match back out."""
    selected = False
    for raw in patterns:
        negated = raw.startswith("!")
        glob = raw[1:] if negated else raw
        if _pattern(glob).fullmatch(name):
            selected = not negated
    return selected


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Sequence):
        return [str(v) for v in value]
    return []


def starts_on_tag(on: object, tag: str) -> bool:
    """Whether a workflow whose ``on:`` block is ``on`` starts when ``tag`` is pushed (by a
    token that starts workflows: not the default ``GITHUB_TOKEN``)."""
    events: Mapping[str, object]
    if isinstance(on, str):
        events = {on: None}
    elif isinstance(on, Sequence):
        events = {str(e): None for e in on}
    elif isinstance(on, Mapping):
        events = {str(k): v for k, v in on.items()}
    else:
        return False
    if "create" in events:
        return True
    if "push" not in events:
        return False
    push = events["push"]
    if not isinstance(push, Mapping):
        return True  # `push` with no filter: every branch and every tag
    tags = _strings(push.get("tags"))
    ignored = _strings(push.get("tags-ignore"))
    if tags:
        return filter_matches(tags, tag)
    if ignored:
        return not filter_matches(ignored, tag)
    # only branch filters: no tag; only path filters (or none): every tag
    return not ("branches" in push or "branches-ignore" in push)
