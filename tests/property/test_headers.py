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


message_pieces = st.sampled_from(
    [
        "feat", "fix", "docs", "chore", "revert", "Update", "(io)", "( io )", "!", ": ", "a subject",
        " #12", "\n", "\n\n", "\r\n", "\r", "  ", "\t", "* ", "- ", "BREAKING CHANGE: gone",
        "BREAKING-CHANGE:", "Refs: #3", "chore(release): 1.2.0", "<b>", "`x`", "1.2.0",
    ]
)  # fmt: skip


@settings(max_examples=3000, deadline=None)
@given(
    st.lists(message_pieces, max_size=14).map("".join),
    st.sampled_from(["", "a" * 40, "a" * 40 + " " + "b" * 40]),
)
def test_entries_from_a_record_are_those_of_the_parsed_commit(message: str, parents: str) -> None:
    """``changelog --all``'s path (no Commit made for a plain message) lists exactly what the
    parsed commit lists, for every message: plain, squashed, merged, a release commit."""
    from wheeltrain.core.changelog import Entries
    from wheeltrain.core.commits import parse_commit

    entries = Entries("https://github.com/example/demo")
    sha = "c" * 40
    parsed = parse_commit(sha, message, parents=tuple(parents.split()))
    assert entries.from_record(sha, parents, message) == entries(parsed)
