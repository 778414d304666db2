"""Properties of the version core, checked against packaging.version."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from packaging.version import InvalidVersion, Version

from wheeltrain.core.versioning import BumpLevel, bump, next_post_number, post, validate_for_release
from wheeltrain.errors import UsageError

small = st.integers(min_value=0, max_value=50)


@st.composite
def versions(draw: st.DrawFn) -> Version:
    text = ".".join(str(draw(small)) for _ in range(draw(st.integers(1, 4))))
    if draw(st.booleans()):
        text += draw(st.sampled_from(["a", "b", "rc"])) + str(draw(small))
    if draw(st.booleans()):
        text += f".post{draw(small)}"
    if draw(st.booleans()):
        text += f".dev{draw(small)}"
    if draw(st.integers(0, 9)) == 0:
        text = f"{draw(st.integers(1, 3))}!{text}"
    if draw(st.integers(0, 9)) == 0:
        text += "+local.1"
    return Version(text)


@st.composite
def finals(draw: st.DrawFn) -> Version:
    return Version(f"{draw(small)}.{draw(small)}.{draw(small)}")


@given(versions(), st.sampled_from(list(BumpLevel)))
def test_a_bump_is_always_greater(version: Version, level: BumpLevel) -> None:
    new = bump(version, level)
    assert new > version
    assert new.local is None and new.pre is None and new.post is None and new.dev is None
    assert len(new.release) == 3


@given(versions())
def test_bump_levels_are_ordered(version: Version) -> None:
    assert bump(version, BumpLevel.PATCH) <= bump(version, BumpLevel.MINOR)
    assert bump(version, BumpLevel.MINOR) <= bump(version, BumpLevel.MAJOR)


@given(finals(), st.integers(min_value=1, max_value=10_000))
def test_post_sorts_after_base_and_before_next_patch(base: Version, n: int) -> None:
    hotfix = post(str(base), n)
    assert base < hotfix < bump(base, BumpLevel.PATCH)
    assert post(str(base), n + 1) > hotfix
    assert validate_for_release(str(hotfix)).kind == "post"


@given(finals(), st.lists(st.integers(min_value=1, max_value=99), max_size=6))
def test_next_post_number_is_free_and_above_all(base: Version, taken: list[int]) -> None:
    existing = [str(post(str(base), n)) for n in taken]
    n = next_post_number(base, existing)
    assert str(post(str(base), n)) not in existing
    assert all(n > t for t in taken)


@given(versions())
def test_canonical_forms_round_trip(version: Version) -> None:
    text = str(version)
    if version.local is None and len(version.release) == 3:
        assert validate_for_release(text).canonical == text
        assert Version(validate_for_release(text).canonical) == version


@given(st.text(alphabet="0123456789.vV!+-_abcdeiloprstv", max_size=20))
def test_validate_never_accepts_what_packaging_rejects(text: str) -> None:
    try:
        info = validate_for_release(text)
    except UsageError:
        return
    try:
        parsed = Version(text)
    except InvalidVersion:  # pragma: no cover - the property is that this never happens
        raise AssertionError(f"validate accepted {text!r}, which packaging rejects") from None
    assert str(parsed) == text == info.canonical
    assert parsed.local is None
