from __future__ import annotations

import pytest

from wheeltrain.core.commits import highest_level, parse_commit
from wheeltrain.core.versioning import BumpLevel


def c(message: str, *, merge: bool = False):  # type: ignore[no-untyped-def]
    return parse_commit("0123456789abcdef0123456789abcdef01234567", message, is_merge=merge)


@pytest.mark.parametrize(
    ("message", "type_", "scope", "breaking", "level"),
    [
        ("feat: add a thing", "feat", None, False, BumpLevel.MINOR),
        ("feat(store): add a thing", "feat", "store", False, BumpLevel.MINOR),
        ("fix(ep)!: drop old api", "fix", "ep", True, BumpLevel.MAJOR),
        ("perf: faster", "perf", None, False, BumpLevel.PATCH),
        ("fix: x\n\nBREAKING CHANGE: gone", "fix", None, True, BumpLevel.MAJOR),
        ("fix: x\n\nBREAKING-CHANGE: gone", "fix", None, True, BumpLevel.MAJOR),
        ("docs: readme", "docs", None, False, None),
        ("chore(release): 0.4.0", "chore", "release", False, None),
        ("Update README.md", None, None, False, None),
        ("feature: not a type", None, None, False, None),
        ("feat:missing space", None, None, False, None),
    ],
)
def test_classification(
    message: str, type_: str | None, scope: str | None, breaking: bool, level: BumpLevel | None
) -> None:
    commit = c(message)
    assert (commit.type, commit.scope, commit.breaking, commit.level) == (
        type_,
        scope,
        breaking,
        level,
    )


@pytest.mark.parametrize(
    ("message", "level"),
    [
        ("Feat: capitalised types are not conventional", None),
        ("feat(): empty scope is not a scope", None),
        ("fix: x\n\nBREAKING CHANGE:", BumpLevel.PATCH),  # a footer with no text breaks nothing
        ("fix: x\nBREAKING CHANGE: no blank line, no body", BumpLevel.PATCH),
        ("fix: x\n\nRefs: #1\nBREAKING CHANGE: footer block", BumpLevel.MAJOR),
        ("chore: squash\n\nfeat: a squashed feature\n\n* fix: and a fix", BumpLevel.MINOR),
        ("Update things\n\nfix(io): a real fix inside", BumpLevel.PATCH),
        ("docs: x\n\nfeat: oneword", None),  # a one-word subject is not a squashed commit
        ("revert: undo it", None),
    ],
)
def test_release_level_reads_messages_as_semantic_release(
    message: str, level: BumpLevel | None
) -> None:
    assert c(message).level is level


def test_merge_commits_release_nothing() -> None:
    assert c("feat: merged", merge=True).level is None


def test_refs_are_collected_once_in_order() -> None:
    commit = c("fix: a (#12)\n\nCloses #7, see #12 and a&#39;b and x#3")
    assert commit.refs == (12, 7)


def test_highest_level() -> None:
    assert highest_level([c("docs: a"), c("fix: b"), c("feat: c")]) is BumpLevel.MINOR
    assert highest_level([c("docs: a"), c("chore: b")]) is None
