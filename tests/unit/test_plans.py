"""The two most complex pure decisions, tested as a core: the monthly plan and the hotfix plan
on hand-built commit lists and tags (no git, no files), fast, beside the real-git tests."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from packaging.version import Version

from wheeltrain.core.commits import Commit, parse_commit
from wheeltrain.core.hotfix import HotfixPlan, plan_hotfix
from wheeltrain.core.planning import plan_monthly
from wheeltrain.core.settings import ReleaseSettings
from wheeltrain.core.tags import ReleaseTag, release_tags
from wheeltrain.core.versioning import BumpLevel
from wheeltrain.errors import UsageError

SETTINGS = ReleaseSettings(
    tag_format="v{version}",
    commit_message="chore(release): {version}",
    allow_zero_version=True,
    major_on_zero=False,
)


def commits(*messages: str) -> list[Commit]:
    """Newest first, as git log lists them."""
    return [parse_commit(f"{i:040x}", m) for i, m in enumerate(messages, start=1)]


def tag(name: str) -> ReleaseTag:
    (found,) = release_tags([name], "v{version}")
    return found


def monthly(
    messages: Sequence[str],
    base: str | None = "v0.4.0",
    *,
    settings: ReleaseSettings = SETTINGS,
    existing: Sequence[str] = (),
    forced: BumpLevel | None = None,
    pre: str | None = None,
) -> tuple[str | None, str]:
    plan = plan_monthly(
        base=tag(base) if base else None,
        commits=commits(*messages),
        existing_versions=[Version(v) for v in existing],
        settings=settings,
        forced=forced,
        pre=pre,
    )
    return plan.next_version, plan.reason


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        (["fix(store): leak"], "0.4.1"),
        (["perf: faster reads"], "0.4.1"),
        (["feat(ep): expert parallelism", "fix: a"], "0.5.0"),
        # below 1.0.0 with major_on_zero = false a breaking change is a minor release
        (["feat!: a new API"], "0.5.0"),
        (["fix: a\n\nBREAKING CHANGE: the old call is gone"], "0.5.0"),
        (["docs: words", "chore: tidy", "ci: faster"], None),
        (["Update README.md", "WIP"], None),  # not conventional: releases nothing
        # a squash merge releases what its parts ask for
        (["chore: squash (#9)\n\nfeat: a squashed feature\n\n* fix: and a fix"], "0.5.0"),
        (["[TE] squash of fixes (#10)\n\n* fix(te): the first part\n\n* fix: more"], "0.4.1"),
        (["revert: feat(x): b"], None),
    ],
)
def test_the_monthly_level_of_each_kind_of_commit(
    messages: list[str], expected: str | None
) -> None:
    assert monthly(messages)[0] == expected


def test_breaking_at_one_or_more_is_a_major_release() -> None:
    assert monthly(["feat!: new API"], "v1.2.3")[0] == "2.0.0"
    assert monthly(["fix: a"], "v1.2.3")[0] == "1.2.4"


def test_the_first_release_and_the_zero_version_rules() -> None:
    assert monthly(["feat: first"], None)[0] == "0.1.0"
    strict = SETTINGS._replace(allow_zero_version=False)
    version, reason = monthly(["fix: a"], "v0.4.0", settings=strict)
    assert version == "1.0.0" and "allow_zero_version = false" in reason


def test_versions_released_elsewhere_are_stepped_over() -> None:
    version, reason = monthly(["fix: a"], existing=["0.4.1", "0.4.2"])
    assert version == "0.4.3" and "0.4.1, 0.4.2 exist already" in reason


def test_a_forced_level_and_a_pre_release() -> None:
    assert monthly(["docs: only words"], forced=BumpLevel.MINOR)[0] == "0.5.0"
    assert monthly(["feat: a"], pre="rc", existing=["0.5.0rc1"])[0] == "0.5.0rc2"
    version, reason = monthly(["fix: a"], existing=["0.4.1rc1"])
    assert version == "0.4.1" and "promotes 0.4.1rc1" in reason
    with pytest.raises(UsageError, match="not a PEP 440 pre-release kind"):
        monthly(["feat: a"], pre="dev")


def hotfix(
    names: Sequence[str],
    contains: Sequence[str],
    since: dict[str, list[Commit]],
    *,
    base: str = "0.4.0",
    post: int | None = None,
    index: Sequence[str] = (),
    allow_features: bool = False,
) -> HotfixPlan:
    return plan_hotfix(
        base=base,
        settings=SETTINGS,
        tags=release_tags(names, "v{version}"),
        ref_contains=contains,
        commits_since=lambda t: since.get(t, []),
        requested_post=post,
        index_versions=[Version(v) for v in index],
        allow_features=allow_features,
    )


def test_a_hotfix_is_the_next_post_release_after_the_line_and_the_index() -> None:
    fixes = {"v0.4.0": commits("fix: a"), "v0.4.0.post1": commits("fix: b")}
    plan = hotfix(["v0.4.0"], ["v0.4.0"], fixes)
    assert (plan.version, plan.previous_tag) == ("0.4.0.post1", "v0.4.0")
    # a post tag on the line: the next one, built on it
    plan = hotfix(["v0.4.0", "v0.4.0.post1"], ["v0.4.0", "v0.4.0.post1"], fixes)
    assert (plan.version, plan.previous_tag) == ("0.4.0.post2", "v0.4.0.post1")
    # the index took post2 already (a release made elsewhere): post3
    plan = hotfix(["v0.4.0", "v0.4.0.post1"], ["v0.4.0.post1"], fixes, index=["0.4.0.post2"])
    assert plan.version == "0.4.0.post3"


def test_a_newer_release_is_named_in_who_receives_it() -> None:
    plan = hotfix(["v0.4.0", "v0.5.0"], ["v0.4.0"], {"v0.4.0": commits("fix: a")})
    assert plan.newer_release == "0.5.0"
    assert "users get 0.5.0, not 0.4.0.post1" in plan.audience


def test_release_commits_are_not_changes_and_a_hotfix_needs_one() -> None:
    only_release = {"v0.4.0": commits("chore(release): 0.4.0")}
    with pytest.raises(UsageError, match=r"no commits after v0\.4\.0"):
        hotfix(["v0.4.0"], ["v0.4.0"], only_release)


@pytest.mark.parametrize(
    ("kwargs", "says"),
    [
        ({"base": "0.4.0rc1"}, "is a pre release"),
        ({"base": "0.9.0"}, "there is no tag v0.9.0"),
        ({"post": 3}, "leaves a gap"),
        ({"post": 0}, "is below 1"),
    ],
)
def test_a_hotfix_refuses_what_cannot_be_released(kwargs: dict[str, object], says: str) -> None:
    with pytest.raises(UsageError, match=says):
        hotfix(["v0.4.0", "v0.4.0rc1"], ["v0.4.0"], {"v0.4.0": commits("fix: a")}, **kwargs)  # type: ignore[arg-type]


def test_features_and_a_ref_without_the_line_are_refused() -> None:
    with pytest.raises(UsageError, match="features or breaking changes"):
        hotfix(["v0.4.0"], ["v0.4.0"], {"v0.4.0": commits("feat: new")})
    plan = hotfix(["v0.4.0"], ["v0.4.0"], {"v0.4.0": commits("feat: new")}, allow_features=True)
    assert plan.version == "0.4.0.post1"
    # the ref lacks the line's newest post release: its fixes would be lost
    with pytest.raises(UsageError, match=r"post2 would drop its fixes; build on v0\.4\.0\.post1"):
        hotfix(["v0.4.0", "v0.4.0.post1"], ["v0.4.0"], {"v0.4.0": commits("fix: a")})
    # the base tag on a release branch: a ref that holds the post release is enough
    plan = hotfix(["v0.4.0", "v0.4.0.post1"], ["v0.4.0.post1"], {"v0.4.0.post1": commits("fix: b")})
    assert plan.version == "0.4.0.post2"
