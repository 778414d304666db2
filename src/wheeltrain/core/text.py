"""Long lines folded for a terminal: a list of builds or a sentence is never one line of
thousands of characters. Pure."""

from __future__ import annotations

import textwrap

__all__ = ["WIDTH", "fold"]

#: The widest line wheeltrain prints of its own prose (tables and JSON are left whole).
WIDTH = 100


def fold(text: str, *, indent: str = "", width: int = WIDTH) -> list[str]:
    """``text`` as lines of at most ``width`` characters (a word longer than that stays
    whole), the first starting with ``indent`` and the others with two spaces more."""
    return textwrap.wrap(
        text,
        width=width,
        initial_indent=indent,
        subsequent_indent=indent + "  ",
        break_long_words=False,
        break_on_hyphens=False,
    ) or [indent]
