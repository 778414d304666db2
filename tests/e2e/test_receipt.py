"""`wheeltrain receipt` and `verify --receipt`, on real Sigstore-signed attestations.

The index is a PEP 691 server on 127.0.0.1 serving PyPI's provenance format; the attestation
is the one PyPI recorded for pypi_attestations-0.0.19.tar.gz (fetched with pypi-attestations'
source distribution), verified offline against the trust root the Sigstore library ships.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.attestations import (
    REPOSITORY,
    SIGNED,
    TAG_REF,
    WORKFLOW,
    ProvenanceIndex,
    fetch_assets,
    provenance_index,
)
from tests.support.cli import Cli

PYPROJECT = """\
[project]
name = "pypi-attestations"
version = "0.0.19"

[tool.wheeltrain]
python = ["3.12"]
archs = ["x86_64"]
sdist = ["attest"]

[tool.wheeltrain.variants.attest]
distribution = "pypi-attestations"
import-name = "pypi_attestations"
kind = "pure"
releases = ["monthly", "hotfix", "tag", "manual"]
"""


@pytest.fixture(scope="session")
def assets(tmp_path_factory: pytest.TempPathFactory) -> Path:
    found = fetch_assets(tmp_path_factory.mktemp("attestations"))
    if found is None:
        pytest.skip("needs the package index to fetch pypi-attestations 0.0.30 (its signed assets)")
    return found


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "pyproject.toml").write_text(PYPROJECT)
    return root


@pytest.fixture
def index(assets: Path) -> Iterator[ProvenanceIndex]:
    with provenance_index() as served:
        served.files[SIGNED] = (assets / SIGNED).read_bytes()
        served.provenance[SIGNED] = (assets / f"{SIGNED}.provenance").read_bytes()
        yield served


def receipt(cli: Cli, project: Path, index: ProvenanceIndex, *extra: str):  # type: ignore[no-untyped-def]
    """`wheeltrain receipt` of the signed release; ``extra`` may name another --workflow."""
    workflow = () if "--workflow" in extra else ("--workflow", WORKFLOW)
    return cli(
        "receipt", "0.0.19", "--project", str(project), "--index-url", index.simple_url,
        "--kind", "sdist", "--github-repository", REPOSITORY, *workflow,
        "--offline", "--wait", "0", *extra,
    )  # fmt: skip


def test_a_real_attested_file_makes_a_complete_receipt(
    cli: Cli, project: Path, index: ProvenanceIndex, tmp_path: Path
) -> None:
    out = tmp_path / "receipt.json"
    result = receipt(cli, project, index, "--out", str(out))
    assert result.code == 0, result.out + result.err
    assert f"every one attested by {REPOSITORY} {WORKFLOW}" in result.out
    doc = json.loads(out.read_text())
    assert doc["complete"] is True and doc["problems"] == []
    assert doc["publisher"] == {
        "repository": REPOSITORY, "workflows": [WORKFLOW], "environment": None, "refs": [TAG_REF],
    }  # fmt: skip
    [item] = doc["files"]
    assert item["filename"] == SIGNED and item["size"] == len(index.files[SIGNED])
    [identity] = item["attestations"]
    assert identity["repository"] == REPOSITORY and identity["workflow"] == WORKFLOW
    assert identity["ref"] == TAG_REF
    assert identity["commit"] == "08802efe1f8e5fec4ad842d6b8ce97656092ee72"
    # the list was asked for past any cache
    assert any(h.get("Cache-Control") == "max-age=0" for h in index.headers)


def test_the_integrity_api_is_read_when_the_page_names_no_provenance(
    cli: Cli, project: Path, index: ProvenanceIndex
) -> None:
    index.integrity_only = True
    result = receipt(cli, project, index)
    assert result.code == 0, result.out + result.err


@pytest.mark.parametrize(
    ("change", "extra", "line"),
    [
        pytest.param(
            "tamper", (), f"{SIGNED}: an attestation does not verify: subject does not match "
            "distribution digest", id="tampered-file",
        ),
        pytest.param(
            None, ("--workflow", "release.yaml"),
            f"{SIGNED}: signed by the workflow release.yml, expected release.yaml",
            id="wrong-workflow",
        ),
        pytest.param(
            None, ("--environment", "pypi"),
            f"{SIGNED}: published from the environment (none), expected pypi",
            id="no-environment",
        ),
        pytest.param(
            "environment", ("--environment", "pypi"),
            f"{SIGNED}: published from the environment staging, expected pypi",
            id="wrong-environment",
        ),
        pytest.param(
            None, ("--ref", "refs/tags/v0.0.20"),
            f"{SIGNED}: signed on the ref refs/tags/v0.0.19, expected refs/tags/v0.0.20",
            id="wrong-ref",
        ),
        pytest.param(
            None, ("--github-repository", "kvcache-ai/Mooncake"),
            f"{SIGNED}: signed by the repository trailofbits/pypi-attestations, expected "
            "kvcache-ai/Mooncake", id="wrong-repository",
        ),
        pytest.param(
            "no-provenance", (),
            f"{SIGNED}: no provenance on http://127.0.0.1:", id="missing-provenance",
        ),
    ],
)  # fmt: skip
def test_each_failure_names_the_file_in_its_own_line(
    cli: Cli,
    project: Path,
    index: ProvenanceIndex,
    tmp_path: Path,
    change: str | None,
    extra: tuple[str, ...],
    line: str,
) -> None:
    if change == "tamper":
        index.files[SIGNED] = index.files[SIGNED] + b"\0"
    elif change == "environment":
        # PyPI's publisher object is beside the signature, not inside it: the signature still
        # verifies and the environment is judged from it
        doc = json.loads(index.provenance[SIGNED])
        doc["attestation_bundles"][0]["publisher"]["environment"] = "staging"
        index.provenance[SIGNED] = json.dumps(doc).encode()
    elif change == "no-provenance":
        index.provenance.clear()
    out = tmp_path / "receipt.json"
    result = receipt(cli, project, index, *extra, "--out", str(out))
    assert result.code == 1, result.out + result.err
    problems = [p.strip() for p in result.out.splitlines()[1:] if p.startswith("  ")]
    assert any(p.startswith(line) for p in problems), result.out
    doc = json.loads(out.read_text())
    assert doc["complete"] is False
    assert any(p.startswith(line) for p in doc["problems"])


def test_a_file_not_listed_yet_is_waited_for_within_a_bound(
    project: Path, index: ProvenanceIndex
) -> None:
    from wheeltrain.adapters.index import IndexClient
    from wheeltrain.adapters.project import load_project
    from wheeltrain.core.config import parse_config
    from wheeltrain.core.matrix import select_targets
    from wheeltrain.core.receipt import ExpectedPublisher
    from wheeltrain.stages.pipeline.receipt import make_receipt

    config = parse_config(load_project(project).wheeltrain or {})
    targets = select_targets(config, "monthly")
    publisher = ExpectedPublisher(REPOSITORY, (WORKFLOW,), None, (TAG_REF,))
    client = IndexClient(index.simple_url, fresh=True)
    lines: list[str] = []
    index.hidden_for = 2  # the index lists the file from its third answer on
    made = make_receipt(
        client, config, targets, "0.0.19", event="monthly", publisher=publisher,
        kinds=("sdist",), wait=30, offline=True, progress=lines.append, poll=0.05,
    )  # fmt: skip
    assert made.complete, made.problems
    assert sum("not listed by" in line for line in lines) == 2
    # an index that never lists it: named after the wait, not waited for forever
    index.hidden_for, index.listings = 10**6, 0
    late = make_receipt(
        client, config, targets, "0.0.19", event="monthly", publisher=publisher,
        kinds=("sdist",), wait=0.3, offline=True, poll=0.05,
    )  # fmt: skip
    assert not late.complete
    assert late.problems == [f"{SIGNED}: not listed by {client.where} after waiting 0.3 s"]


def test_verify_receipt_tells_whether_the_index_still_holds_it(
    cli: Cli, project: Path, index: ProvenanceIndex, tmp_path: Path
) -> None:
    out = tmp_path / "receipt.json"
    assert receipt(cli, project, index, "--out", str(out)).code == 0
    same = cli("verify", "--receipt", str(out))
    assert same.code == 0, same.out + same.err
    assert "still holds exactly the 1 file(s) of the receipt of 0.0.19" in same.out

    index.yanked.add(SIGNED)
    yanked = cli("verify", "--receipt", str(out), "--json")
    assert yanked.code == 1
    assert yanked.json()["problems"] == [f"{SIGNED}: yanked (broken build)"]

    index.yanked.clear()
    index.files[SIGNED] += b"\0"
    changed = cli("verify", "--receipt", str(out))
    assert changed.code == 1 and f"{SIGNED}: the index's sha256" in changed.out

    del index.files[SIGNED]
    gone = cli("verify", "--receipt", str(out))
    assert gone.code == 1
    assert f"{SIGNED}: on the receipt, but the index no longer lists it" in gone.out


def test_bad_input_is_refused_before_the_index_is_asked(
    cli: Cli, project: Path, tmp_path: Path
) -> None:
    base = (
        "receipt",
        "0.0.19",
        "--project",
        str(project),
        "--index-url",
        "http://127.0.0.1:9/simple/",
    )
    no_workflow = cli(*base, "--github-repository", REPOSITORY)
    assert no_workflow.code == 2 and "--workflow" in no_workflow.err
    for wait in ("nan", "inf", "-1"):
        bad = cli(*base, "--no-attestations", "--wait", wait)
        assert bad.code == 2 and "seconds from 0 to 86400" in bad.err
    repo = cli(*base, "--workflow", "release.yaml", "--github-repository", "not a repo")
    assert repo.code == 2 and "is not OWNER/NAME" in repo.err
    ref = cli(*base, "--workflow", "release.yaml", "--github-repository", REPOSITORY, "--ref", "v1")
    assert ref.code == 2 and "full git ref" in ref.err
    (tmp_path / "bad.json").write_text('{"format": 1, "files": [{}]}')
    damaged = cli("verify", "--receipt", str(tmp_path / "bad.json"))
    assert damaged.code == 2 and "damaged receipt" in damaged.err
    assert cli("verify", "--receipt", str(tmp_path / "none.json")).code == 2


def test_the_report_shows_the_receipt(
    cli: Cli, project: Path, index: ProvenanceIndex, tmp_path: Path
) -> None:
    pytest.importorskip("matplotlib", reason="the report extra (matplotlib) is not installed")
    out = tmp_path / "receipt.json"
    assert receipt(cli, project, index, "--out", str(out)).code == 0
    made = cli("report", "--project", str(project), "--index-url", index.simple_url,
               "--out", str(tmp_path / "site"), "--receipt", str(out))  # fmt: skip
    assert made.code == 0, made.out + made.err
    page = (tmp_path / "site" / "index.html").read_text()
    assert "Receipt of 0.0.19: complete" in page
    assert f"<td>{SIGNED}</td>" in page
    assert f"{REPOSITORY} {WORKFLOW} @ {TAG_REF}" in page
