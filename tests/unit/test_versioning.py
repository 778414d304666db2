from __future__ import annotations

import pytest
from packaging.version import Version

from wheeltrain.core.versioning import (
    BumpLevel,
    bump,
    kind_of,
    next_post_number,
    post,
    validate_for_release,
)
from wheeltrain.errors import UsageError

M, m, p = BumpLevel.MAJOR, BumpLevel.MINOR, BumpLevel.PATCH


@pytest.mark.parametrize(
    ("start", "level", "expected"),
    [
        ("0.4.0", p, "0.4.1"),
        ("0.4.0", m, "0.5.0"),
        ("0.4.0", M, "1.0.0"),
        ("0.4.0.post2", p, "0.4.1"),
        ("0.4.0.post2", m, "0.5.0"),
        ("0.4.1rc1", p, "0.4.1"),
        ("0.5.0rc1", m, "0.5.0"),
        ("0.5.1rc1", m, "0.6.0"),
        ("1.0.0rc1", M, "1.0.0"),
        ("1.1.0rc1", M, "2.0.0"),
        ("0.4.1.dev3", p, "0.4.1"),
        ("0.5.0.dev1", m, "0.5.0"),
        ("0.4.0+cu128", p, "0.4.1"),
        ("1!2.0.0", p, "1!2.0.1"),
        ("0.4", p, "0.4.1"),
        ("1.2.3.4", m, "1.3.0"),
    ],
)
def test_bump(start: str, level: BumpLevel, expected: str) -> None:
    assert str(bump(start, level)) == expected


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("0.4.0", "final"),
        ("0.4.0rc1", "pre"),
        ("0.4.0.post1", "post"),
        ("0.4.0.dev1", "dev"),
        ("0.4.0+cu128", "local"),
    ],
)
def test_kind(text: str, kind: str) -> None:
    assert kind_of(Version(text)) == kind


def test_post_of_final() -> None:
    assert str(post("0.4.0", 1)) == "0.4.0.post1"
    assert str(post("0.4.0", 12)) == "0.4.0.post12"


@pytest.mark.parametrize("base", ["0.4.0rc1", "0.4.0.post1", "0.4.0.dev1", "0.4.0+cu128", "v0.4.0"])
def test_post_refuses_a_base_that_is_not_a_final_release(base: str) -> None:
    with pytest.raises(UsageError):
        post(base, 1)


@pytest.mark.parametrize("number", [0, -1])
def test_post_refuses_numbers_below_one(number: int) -> None:
    with pytest.raises(UsageError, match="below 1"):
        post("0.4.0", number)


def test_next_post_number_ignores_other_lines_and_shapes() -> None:
    existing = ["0.4.0", "0.4.0.post1", "0.4.0.post3", "0.4.1.post7", "0.4.0rc1.post9", "junk"]
    assert next_post_number("0.4.0", existing) == 4
    assert next_post_number("0.4.1", existing) == 8
    assert next_post_number("0.5.0", existing) == 1


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [
        ("0.4.0-post1", "0.4.0.post1"),
        ("v0.4.0", "0.4.0"),
        ("0.4.0.POST1", "0.4.0.post1"),
        ("0.4", "0.4.0"),
        ("0.4.0-rc.1", "0.4.0rc1"),
    ],
)
def test_validate_refuses_non_canonical_with_suggestion(text: str, suggestion: str) -> None:
    with pytest.raises(UsageError, match=f"'{suggestion}'"):
        validate_for_release(text)


def test_validate_refuses_local_versions() -> None:
    with pytest.raises(UsageError, match="PyPI rejects local versions"):
        validate_for_release("0.4.0+cu128")


def test_validate_refuses_garbage() -> None:
    with pytest.raises(UsageError, match="not a PEP 440 version"):
        validate_for_release("latest")


def test_validate_reports_canonical_kind_and_base() -> None:
    info = validate_for_release("0.4.0.post1")
    assert (info.canonical, info.kind, info.base, info.post) == ("0.4.0.post1", "post", "0.4.0", 1)


def test_bump_level_names() -> None:
    assert BumpLevel.from_name("Minor") is m
    with pytest.raises(UsageError, match=r"use one of patch, minor, major"):
        BumpLevel.from_name("huge")
    assert sorted([M, p, m]) == [p, m, M]
