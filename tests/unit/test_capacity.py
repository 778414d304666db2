"""PyPI's limits, checked before a release is public: the first user's real numbers."""

from __future__ import annotations

from wheeltrain.core.capacity import GIB, Usage, check_capacity, size_text

MIB = 1024**2
DIST = "mooncake-transfer-engine"


def test_the_first_users_numbers_leave_room_for_two_more_releases_and_say_so() -> None:
    # 7.75 GiB on PyPI; a release of 24 wheels adds 0.64 GiB
    release = [int(0.64 * GIB / 24)] * 24
    problems, notes = check_capacity(
        {DIST: release}, {DIST: Usage(DIST, True, int(7.75 * GIB))}, {DIST: 10 * GIB},
        new_projects_per_day=4,
    )  # fmt: skip
    assert problems == []
    assert notes == [
        f"{DIST}: 8.39 GiB of its 10.00 GiB project limit after this release: room for 2 more "
        "of this size; ask PyPI for more now"
    ]


def test_a_release_that_would_cross_the_project_limit_is_stopped() -> None:
    problems, _ = check_capacity(
        {DIST: [700 * MIB]}, {DIST: Usage(DIST, True, int(9.5 * GIB))}, {DIST: 10 * GIB},
        new_projects_per_day=4,
    )  # fmt: skip
    assert problems == [
        f"{DIST}: 9.50 GiB on the index + 700.0 MiB of this release = 10.18 GiB, over its "
        "project limit of 10.00 GiB: ask PyPI for a larger project limit (then set "
        "max-project-size-gb), or remove old pre-releases and nightlies from the index"
    ]
    # a granted limit lets the same release through
    granted, _ = check_capacity(
        {DIST: [700 * MIB]}, {DIST: Usage(DIST, True, int(9.5 * GIB))}, {DIST: 20 * GIB},
        new_projects_per_day=4,
    )  # fmt: skip
    assert granted == []


def test_more_new_projects_than_pypi_allows_a_day_are_stopped() -> None:
    names = [f"demo-{n}" for n in range(5)]
    problems, _ = check_capacity(
        {n: [MIB] for n in names}, {n: Usage(n, False, 0) for n in names},
        dict.fromkeys(names, 10 * GIB), new_projects_per_day=4,
    )  # fmt: skip
    assert len(problems) == 1 and problems[0].startswith("5 new projects in one release")
    # four are fine, and so are names that exist already
    ok, _ = check_capacity(
        {n: [MIB] for n in names}, {n: Usage(n, n != "demo-0", 0) for n in names},
        dict.fromkeys(names, 10 * GIB), new_projects_per_day=4,
    )  # fmt: skip
    assert ok == []


def test_an_index_without_sizes_is_said_and_nothing_to_upload_checks_nothing() -> None:
    problems, notes = check_capacity(
        {DIST: [MIB], "other": []}, {DIST: Usage(DIST, True, None), "other": Usage("other", False, 0)},
        {DIST: 10 * GIB, "other": 10 * GIB}, new_projects_per_day=4,
    )  # fmt: skip
    assert problems == []
    assert notes == [f"{DIST}: the index gives no file sizes, so its project size is not checked"]
    assert size_text(GIB) == "1.00 GiB" and size_text(5 * MIB) == "5.0 MiB"
