"""The receipt's pure rules: whose attestation a file must carry, and what a receipt says."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from wheeltrain.core.receipt import (
    PUBLISH_PREDICATE,
    ExpectedPublisher,
    Identity,
    Receipt,
    ReceiptFile,
    compare,
    identity_from_claims,
    judge,
    parse_receipt,
)
from wheeltrain.errors import UsageError

EXPECTED = ExpectedPublisher(
    "kvcache-ai/Mooncake", ("release.yaml",), "pypi", ("refs/tags/v0.4.0",)
)
NAME = "mooncake_transfer_engine-0.4.0-cp312-cp312-manylinux_2_28_x86_64.whl"


def good(**change: str | None) -> Identity:
    values: dict[str, str | None] = {
        "kind": "GitHub",
        "repository": "kvcache-ai/Mooncake",
        "workflow": "release.yaml",
        "ref": "refs/tags/v0.4.0",
        "commit": "0" * 40,
        "environment": "pypi",
        "predicate": PUBLISH_PREDICATE,
    }
    values.update(change)
    return Identity(**values)  # type: ignore[arg-type]


def test_the_expected_identity_passes_and_the_repository_is_compared_without_case() -> None:
    assert judge(NAME, [good()], EXPECTED) == []
    assert judge(NAME, [good(repository="KVCache-AI/mooncake")], EXPECTED) == []


@pytest.mark.parametrize(
    ("change", "line"),
    [
        (
            {"workflow": "nightly.yaml"},
            "signed by the workflow nightly.yaml, expected release.yaml",
        ),
        ({"repository": "fork/Mooncake"}, "signed by the repository fork/Mooncake"),
        ({"environment": None}, "published from the environment (none), expected pypi"),
        ({"ref": "refs/heads/dev"}, "signed on the ref refs/heads/dev, expected refs/tags/v0.4.0"),
        ({"kind": "GitLab", "repository": None}, "published from GitLab, not by a GitHub workflow"),
        ({"predicate": "https://slsa.dev/provenance/v1"}, "no publish attestation"),
    ],
)
def test_each_difference_is_one_line_naming_the_file(
    change: dict[str, str | None], line: str
) -> None:
    [problem] = judge(NAME, [good(**change)], EXPECTED)
    assert problem.startswith(f"{NAME}: ") and line in problem


def test_no_attestation_at_all_and_an_unchecked_environment() -> None:
    assert judge(NAME, [], EXPECTED) == [
        f"{NAME}: no publish attestation (it was not uploaded by trusted publishing)"
    ]
    anywhere = ExpectedPublisher(
        "kvcache-ai/Mooncake", ("release.yaml",), None, ("refs/tags/v0.4.0",)
    )
    assert judge(NAME, [good(environment="staging")], anywhere) == []
    # a second publish attestation by another workflow is named, even beside a good one
    assert len(judge(NAME, [good(), good(workflow="x.yml")], EXPECTED)) == 1


def test_a_release_finished_by_another_workflow_and_refs_by_pattern() -> None:
    """A monthly run published some files from main, a tag re-push the rest: both workflows
    and both refs are named, and a hotfix branch is matched by its pattern."""
    both = ExpectedPublisher(
        "kvcache-ai/Mooncake",
        ("monthly-release.yaml", "release.yaml"),
        "pypi",
        ("refs/tags/v0.4.0", "refs/heads/main", "refs/heads/hotfix/*"),
    )
    monthly = good(workflow="monthly-release.yaml", ref="refs/heads/main")
    assert judge(NAME, [monthly], both) == []
    assert judge(NAME, [good(ref="refs/heads/hotfix/v0.4.0")], both) == []
    [wrong] = judge(NAME, [good(workflow="nightly.yaml", ref="refs/heads/dev")], both)[:1]
    assert wrong.endswith("expected monthly-release.yaml or release.yaml")


def test_the_identity_is_read_from_the_certificate_claims() -> None:
    claims = {
        "1.3.6.1.4.1.57264.1.8": "https://token.actions.githubusercontent.com",
        "1.3.6.1.4.1.57264.1.18": "https://github.com/o/r/.github/workflows/release.yaml@refs/tags/v1",
        "1.3.6.1.4.1.57264.1.14": "refs/tags/v1",
        "1.3.6.1.4.1.57264.1.13": "abc",
    }
    got = identity_from_claims(claims, {"kind": "GitHub", "environment": "pypi"}, PUBLISH_PREDICATE)
    assert (got.repository, got.workflow, got.ref, got.commit, got.environment) == (
        "o/r", "release.yaml", "refs/tags/v1", "abc", "pypi",
    )  # fmt: skip
    # a certificate from another issuer names no GitHub workflow, whatever its URI says
    other = identity_from_claims(
        {**claims, "1.3.6.1.4.1.57264.1.8": "https://gitlab.com"}, {"kind": "GitLab"}, "p"
    )
    assert other.repository is None and other.workflow is None and other.kind == "GitLab"


def test_the_expected_publisher_is_checked_on_the_way_in() -> None:
    for args in (
        ("not-a-repo", ("release.yaml",), None, ("refs/tags/v1",)),
        ("o/r", (".github/workflows/release.yaml",), None, ("refs/tags/v1",)),
        ("o/r", ("release",), None, ("refs/tags/v1",)),
        ("o/r", (), None, ("refs/tags/v1",)),
        ("o/r", ("release.yaml",), " ", ("refs/tags/v1",)),
        ("o/r", ("release.yaml",), None, ("v1",)),
        ("o/r", ("release.yaml",), None, ()),
    ):
        with pytest.raises(UsageError):
            ExpectedPublisher(*args)


@dataclass
class Now:
    filename: str
    sha256: str | None
    yanked: bool = False
    yanked_reason: str | None = None


def made() -> Receipt:
    files = [
        ReceiptFile(
            NAME, "mooncake-transfer-engine", "cuda", "wheel", "a" * 64, 10, None, (good(),)
        ),
        ReceiptFile("m-0.4.0.tar.gz", "m", "cuda", "sdist", "b" * 64, 5, None, ()),
    ]
    return Receipt(
        "0.4.0", "monthly", "https://pypi.org/simple/", "2026-12-01T00:00:00Z", EXPECTED, files
    )


def test_a_receipt_round_trips_and_compares_with_the_index() -> None:
    receipt = made()
    assert receipt.complete and receipt.bytes == 15
    again = parse_receipt(receipt.as_dict(), "r.json")
    assert again.as_dict() == receipt.as_dict()
    assert compare(again, [Now(NAME, "a" * 64), Now("m-0.4.0.tar.gz", "b" * 64)]) == []
    problems = compare(
        again,
        [Now(NAME, "c" * 64, yanked=True, yanked_reason="bad"), Now("late.whl", "d" * 64)],
    )
    assert problems == [
        f"{NAME}: the index's sha256 cccccccccccccccc... is not the receipt's aaaaaaaaaaaaaaaa...",
        f"{NAME}: yanked (bad)",
        "m-0.4.0.tar.gz: on the receipt, but the index no longer lists it",
        "late.whl: on the index, but not on the receipt (uploaded after it)",
    ]


def test_a_receipt_with_a_problem_or_no_file_is_not_complete() -> None:
    receipt = made()
    receipt.problems.append("x: no provenance")
    assert not receipt.complete
    assert not Receipt("0.4.0", "monthly", "i", "t", None).complete
    bad: object
    for bad in ({}, {"format": 2}, {"format": 1, "files": [{"filename": "x"}]}, []):
        with pytest.raises(UsageError):
            parse_receipt(bad, "r.json")
