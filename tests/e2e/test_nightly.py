"""Nightlies: `wheeltrain nightly` on real git histories, the nightly matrix, and a rehearsed
nightly through real builds, a real index and real pip."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.artifacts import make_wheel
from tests.support.cli import Cli
from tests.support.gitrepo import GitRepo, released_repo
from tests.support.servers import LocalIndex

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "transfer-engine"


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    made = released_repo(tmp_path / "proj", name="nightlydemo")
    made.build(["fix(store): leak", "docs: words"])
    return made


def nightly(cli: Cli, repo: GitRepo, *args: str):  # type: ignore[no-untyped-def]
    return cli("nightly", "--date", "20261126", "--json", *args, "--project", str(repo.root))


def test_tonights_nightly_is_the_next_patch_as_a_dated_dev_release(repo: GitRepo, cli: Cli) -> None:
    plan = nightly(cli, repo)
    assert plan.code == 0, plan.err
    assert plan.json() == {
        "kind": "nightly",
        "release": True,
        "version": "0.3.10.dev20261126",
        "base": "v0.3.9",
        "reason": "2 commit(s) since v0.3.9",
        "commits": 2,
    }
    # neither a post release nor a pre-release is the base; the nightly sorts above both
    repo.build([("tag", "v0.3.9.post1"), "fix: more", ("tag", "v0.4.0rc1")])
    assert nightly(cli, repo).json()["version"] == "0.3.10.dev20261126"


def test_a_night_with_no_new_commit_publishes_nothing(repo: GitRepo, cli: Cli) -> None:
    last = repo.head()
    quiet = nightly(cli, repo, "--last-commit", last)
    assert quiet.json()["release"] is False
    assert quiet.json()["reason"] == f"no commit since {last[:12]}: nothing new tonight"
    repo.build(["feat: new"])
    busy = nightly(cli, repo, "--last-commit", last)
    assert busy.json()["release"] is True and busy.json()["commits"] == 1


def test_tonights_version_on_the_index_already_publishes_nothing(
    repo: GitRepo, cli: Cli, index: LocalIndex, tmp_path: Path
) -> None:
    index.upload([make_wheel(tmp_path / "dist", "nightlydemo", "0.3.10.dev20261126")])
    plan = nightly(cli, repo, "--index-url", index.simple_url)
    assert plan.json()["release"] is False
    assert plan.json()["reason"] == "0.3.10.dev20261126 is on the index already"
    assert nightly(cli, repo, "--index-url", index.simple_url, "--date", "20261127").json()[
        "release"
    ]


def test_the_step_outputs_a_workflow_reads(
    repo: GitRepo, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "github_output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(out))
    assert nightly(cli, repo, "--github-output").code == 0
    assert out.read_text() == "release=true\nversion=0.3.10.dev20261126\nevent=nightly\n"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--date", "2026-11-26"], "--date '2026-11-26' is not YYYYMMDD"),
        (["--last-commit", "deadbeef"], "--last-commit 'deadbeef' is no commit of this clone"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    repo: GitRepo, cli: Cli, args: list[str], says: str
) -> None:
    result = cli("nightly", *args, "--project", str(repo.root))
    assert result.code == 2 and says in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_the_nightly_matrix_builds_every_variant(cli: Cli) -> None:
    result = cli("matrix", "--event", "nightly", "--version", "0.3.10.dev20261126", "--json",
                 "--project", str(EXAMPLE))  # fmt: skip
    assert result.code == 0, result.err
    variants = {entry["variant"] for entry in result.json()["include"]}
    assert variants == {"cuda", "non-cuda", "cuda13"}  # cuda13 too, released by hand otherwise


@pytest.mark.slow
def test_a_rehearsed_nightly_publishes_every_variant_then_nothing_on_a_quiet_night(
    tmp_path: Path,
) -> None:
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "wheeltrain"), "rehearse", "--nightly",
         "--python", "3.12", "--json", "--project", str(EXAMPLE)],
        capture_output=True, text=True, env=env, timeout=900,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout)
    (release,) = report["releases"]
    assert release["kind"] == "nightly"
    assert release["version"].startswith("0.3.10.dev") and len(release["version"]) == 18
    built = {variant for variant, files in release["files"].items() if files}
    assert built >= {"non-cuda", "cuda13"}  # every variant this machine can build
    assert all("0.3.10.dev" in line for line in release["smoke"])
    quiet = [s for s in report["stages"] if s["release"] == "next night"]
    assert [s["detail"] for s in quiet] == [quiet[0]["detail"]] and quiet[0]["detail"].startswith(
        "nothing published: no commit since "
    )
    assert list(tmp_path.iterdir()) == []
