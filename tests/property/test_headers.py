"""The fast header match gives exactly what the full Conventional Commit header regex gives,
on headers made of the characters that decide where a type, a scope and a subject end."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from wheeltrain.core.commits import _HEADER, _match_header

pieces = st.sampled_from(
    ["feat", "fix", "docs", "revert", "Feat", "(", ")", "!", ":", " ", "\t", "a", "b c", "#1"]
)


@settings(max_examples=3000, deadline=None)
@given(st.lists(pieces, max_size=12).map("".join))
def test_the_fast_header_match_is_the_full_one(header: str) -> None:
    fast, full = _match_header(header), re.match(_HEADER, header)
    assert (fast is None) == (full is None)
    if fast is not None and full is not None:
        assert fast.group("type", "scope", "bang", "subject") == full.group(
            "type", "scope", "bang", "subject"
        )


def test_a_later_parenthesis_ends_the_scope_as_semantic_release_reads_it() -> None:
    match = _match_header("feat(a): read f(x): faster")
    assert match is not None
    assert match.group("scope", "subject") == ("a): read f(x", "faster")
    inner = _match_header("feat(a)b): x")
    assert inner is not None and inner["scope"] == "a)b"
