"""The release workflows really run: act executes them on this machine against a local bare
`origin` and a local index. Remote actions that need GitHub get local stand-ins
(tests/support/act); the matrix is narrowed to what this machine builds."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.act.overlay import overlay
from tests.support.servers import local_index
from wheeltrain.stages.commands.init import render_files

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "transfer-engine"
STANDINS = ROOT / "tests" / "support" / "act"
BIN = Path(sys.executable).parent
REPLACED = {
    "actions/setup-python@e797f83bcb11b83ae66e0230d6156d7c80228e7c": "setup-python",
    "actions/upload-artifact@330a01c490aca151604b8cf639adc76d48f6c5d4": "upload-artifact",
    "actions/download-artifact@634f93cb2916e3fdff6788551b99b062d0335ce0": "download-artifact",
    "actions/cache@5a3ec84eff668545956fd18022155c47e93e2684": "cache",
    "pypa/gh-action-pypi-publish@ed0c53931b1dc9bd32cbe73a98c7f6766f8a527e": "pypi-publish",
    "actions/create-github-app-token@1b10c78c7865c340bc4f6099eb2f838309f1e8c3": (
        "create-github-app-token"
    ),
}

pytestmark = [
    pytest.mark.slow,
    # one act run at a time: act names its containers after the workflow and the job
    pytest.mark.xdist_group("act"),
    pytest.mark.skipif(shutil.which("git") is None, reason="needs git"),
]


#: The release workflows upload with an API token (the publish stand-in uses a password), so
#: the receipt requires no attestations
TOKEN = "WHEELTRAIN_PUBLISH_WITH_TOKEN=true"


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


def act(
    repo: Path,
    workflow: str,
    event: str,
    tmp: Path,
    index_url: str,
    *inputs: str,
    secrets: tuple[str, ...] = (),
    variables: tuple[str, ...] = (),
    env: tuple[str, ...] = (),
    succeeds: bool = True,
) -> str:
    artifacts = tmp / "artifacts"
    artifacts.mkdir(exist_ok=True)
    args = [
        str(BIN / "act"),
        event,
        "-W",
        f".github/workflows/{workflow}",
        "-P",
        "ubuntu-latest=-self-hosted",
        "-P",
        "ubuntu-24.04=-self-hosted",
        "-P",
        "ubuntu-24.04-arm=-self-hosted",
        "--action-cache-path",
        str(tmp / "act-cache"),
        "--env",
        f"WHEELTRAIN_ACT_ARTIFACTS={artifacts}",
        "--env",
        f"WHEELTRAIN_ACT_INDEX={index_url}",
        "--env",
        f"WHEELTRAIN_ACT_ORIGIN={tmp / 'origin.git'}",
    ]
    for action, folder in REPLACED.items():
        args += ["--local-repository", f"{action}={STANDINS / folder}"]
    for item in inputs:
        args += ["--input", item]
    for item in secrets:
        args += ["--secret", item]
    for item in variables:
        args += ["--var", item]
    for item in env:
        args += ["--env", item]
    # the GitHub CLI's stand-in first: releases and issues become files in the artifacts
    path = os.pathsep.join([str(STANDINS / "bin"), str(BIN), os.environ["PATH"]])
    environ = {**os.environ, "PATH": path}
    proc = subprocess.run(args, cwd=repo, env=environ, capture_output=True, text=True, timeout=900)
    assert (proc.returncode == 0) == succeeds, proc.stdout[-6000:] + proc.stderr[-2000:]
    return proc.stdout


@pytest.fixture
def project(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(EXAMPLE, repo)
    for rel, text in render_files(".").items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(overlay(rel, text))
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.name", "Test")
    git(repo, "config", "user.email", "test@example.com")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "chore: import the project")
    git(repo, "tag", "v0.3.9")
    (repo / "README.md").write_text((repo / "README.md").read_text() + "\nMore.\n")
    git(repo, "commit", "-q", "-am", "feat(engine): a new transfer mode")
    git(tmp_path, "init", "-q", "--bare", str(tmp_path / "origin.git"))
    git(repo, "remote", "add", "origin", str(tmp_path / "origin.git"))
    git(repo, "push", "-q", "origin", "main", "v0.3.9")
    return repo


def remote_refs(tmp: Path) -> list[str]:
    return git(tmp / "origin.git", "for-each-ref", "--format=%(refname)").split()


def test_monthly_then_hotfix_then_tag_workflows(project: Path, tmp_path: Path) -> None:
    with local_index(tmp_path / "packages") as index:
        act(
            project,
            "monthly-release.yaml",
            "workflow_dispatch",
            tmp_path,
            index.url + "/",
            "level=auto",
            variables=(TOKEN,),
        )
        assert "refs/tags/v0.4.0" in remote_refs(tmp_path)
        assert git(tmp_path / "origin.git", "log", "-1", "--format=%s", "main").strip() == (
            "chore(release): 0.4.0"
        )
        assert [p.name for p in index.packages.iterdir()] == [
            "mooncake_transfer_engine_non_cuda-0.4.0-cp312-cp312-manylinux1_x86_64."
            "manylinux_2_28_x86_64.manylinux_2_5_x86_64.whl"
        ]
        notes = (tmp_path / "artifacts" / "release-notes.md").read_text()
        assert notes.startswith("## v0.4.0") and "a new transfer mode" in notes

        # the hotfix: the fix on the maintenance branch, pushed; the workflow dispatched from
        # the default branch (its definition serves every line), with a person's description
        git(project, "fetch", "-q", "origin", "main", "--tags")
        git(project, "reset", "-q", "--hard", "origin/main")
        git(project, "switch", "-q", "-c", "hotfix/v0.4.0", "v0.4.0")
        (project / "README.md").write_text((project / "README.md").read_text() + "Fixed.\n")
        git(project, "commit", "-q", "-am", "fix(engine): do not drop the last byte")
        git(project, "push", "-q", "origin", "hotfix/v0.4.0")
        git(project, "switch", "-q", "main")
        shutil.rmtree(tmp_path / "artifacts")
        act(
            project,
            "hotfix-release.yaml",
            "workflow_dispatch",
            tmp_path,
            index.url + "/",
            "base_version=0.4.0",
            "post_number=1",
            'description=Fix "$(id)" and `backticks` in the store',
            variables=(TOKEN,),
        )
        refs = remote_refs(tmp_path)
        for ref in (
            "refs/tags/v0.4.0.post1",
            "refs/heads/hotfix/v0.4.0",
            "refs/heads/hotfix/v0.4.0.post1",
        ):
            assert ref in refs
        assert any("0.4.0.post1" in p.name for p in index.packages.iterdir())
        # the release commit went onto the maintenance branch, never onto main
        origin = tmp_path / "origin.git"
        assert git(origin, "log", "-1", "--format=%s", "hotfix/v0.4.0").strip() == (
            "chore(release): 0.4.0.post1"
        )
        assert git(origin, "log", "-1", "--format=%s", "main").strip() == "chore(release): 0.4.0"
        hot = (tmp_path / "artifacts" / "release-notes.md").read_text()
        assert 'Fix "$(id)" and `backticks` in the store' in hot

    # the tag-pushed path on a fresh index: how a release whose publish failed is finished
    git(project, "checkout", "-q", "v0.4.0")
    shutil.rmtree(tmp_path / "artifacts")
    with local_index(tmp_path / "fresh") as fresh:
        # the index already holds the very file a first, broken run uploaded: the check job
        # finds it there (same sha256), so the publish job uploads nothing and skips its step
        wheel = next(p for p in (tmp_path / "packages").iterdir() if "0.4.0-" in p.name)
        shutil.copy2(wheel, fresh.packages / wheel.name)
        # published by trusted publishing, the receipt wants each file's attestation: this
        # index has none, so the GitHub Release is made a draft, carries the incomplete
        # receipt, and stays a draft
        refused = act(project, "release.yaml", "push", tmp_path, fresh.url + "/", succeeds=False)
        assert f"{wheel.name}: no provenance on" in refused
        assert "the GitHub Release stays a draft" in refused
        assert (tmp_path / "artifacts" / "release-notes.draft.md").exists()
        assert not (tmp_path / "artifacts" / "release-notes.md").exists()
        kept = json.loads((tmp_path / "artifacts" / "release-assets" / "receipt.json").read_text())
        assert kept["complete"] is False and kept["files"][0]["filename"] == wheel.name
        # uploaded with an API token, which PyPI stores without attestations: the receipt
        # records the files and their sha256. Finished by hand (a tag that exists on GitHub
        # cannot be pushed again): every file is on the index already, and the draft becomes
        # public
        shutil.rmtree(tmp_path / "artifacts")
        (tmp_path / "artifacts").mkdir()
        (tmp_path / "artifacts" / "release-notes.draft.md").write_text("## v0.4.0\n")
        git(project, "checkout", "-q", "main")
        out = act(project, "release.yaml", "workflow_dispatch", tmp_path, fresh.url + "/",
                  "tag=v0.4.0", variables=(TOKEN,))  # fmt: skip
        assert (tmp_path / "artifacts" / "release-notes.md").exists()
        done = json.loads((tmp_path / "artifacts" / "release-assets" / "receipt.json").read_text())
        assert done["complete"] is True and done["publisher"] is None
        names = [p.name for p in fresh.packages.iterdir()]
        assert names == [wheel.name]
        # not built again: downloaded from the index, sha256 verified, and not uploaded again
        assert "0 build(s) for the monthly release of 0.4.0" in out
        assert "1 build(s) left out: the index has their wheels already" in out
        assert "1 file(s) of 0.4.0 downloaded from" in out
        assert "0 to upload, 1 already there (same sha256)" in out

    git(project, "checkout", "-q", "v0.4.0")
    # a variant released by hand, for the existing tag: built, checked, published once; the
    # same run again finds its file on the index and uploads nothing
    shutil.rmtree(tmp_path / "artifacts")
    with local_index(tmp_path / "backfill") as index:
        first = act(project, "backfill.yaml", "workflow_dispatch", tmp_path, index.url + "/",
                    "tag=v0.4.0", "variants=non-cuda")  # fmt: skip
        names = [p.name for p in index.packages.iterdir()]
        assert len(names) == 1 and names[0].startswith("mooncake_transfer_engine_non_cuda-0.4.0-")
        assert "1 to upload, 0 already there (same sha256)" in first
        shutil.rmtree(tmp_path / "artifacts")
        again = act(project, "backfill.yaml", "workflow_dispatch", tmp_path, index.url + "/",
                    "tag=v0.4.0", "variants=non-cuda")  # fmt: skip
        assert "0 to upload, 1 already there (same sha256)" in again
        assert [p.name for p in index.packages.iterdir()] == names


@pytest.mark.fault
def test_a_failed_release_run_is_reported_once(project: Path, tmp_path: Path) -> None:
    """A run that fails (here: a variant the project does not have) reaches the notify job,
    which posts exactly one message to the chat webhook given as a secret."""
    import http.server
    import json

    from tests.support.servers import fault_server

    got: list[dict[str, str]] = []

    def behave(handler: http.server.BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        got.append(json.loads(handler.rfile.read(length)))
        handler.send_response(200)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    git(project, "checkout", "-q", "v0.3.9")
    with fault_server(behave) as url:
        out = act(project, "backfill.yaml", "workflow_dispatch", tmp_path, "http://127.0.0.1:9/",
                  "tag=v0.3.9", "variants=no-such-variant",
                  secrets=(f"WHEELTRAIN_SLACK_WEBHOOK={url}/hook",), succeeds=False)  # fmt: skip
    assert "no variant 'no-such-variant'" in out
    assert len(got) == 1, got
    issues = (tmp_path / "artifacts" / "gh-issues.jsonl").read_text().splitlines()
    assert len(issues) == 1
    issue = json.loads(issues[0])
    assert (issue["kind"], issue["title"]) == ("create", "Release failed: Backfill Release")
    assert "| prepare | failure |" in issue["body"]
    assert got[0]["text"].startswith("Release failed: Backfill Release")
    assert "prepare failed" in got[0]["text"]


@pytest.mark.fault
def test_a_conflicting_file_on_the_index_stops_the_release_before_its_tag(
    project: Path, tmp_path: Path
) -> None:
    """The index already holds a different file under the name the build makes: the check job
    says so, and the run ends there: no tag, no commit on origin, nothing uploaded."""
    from tests.support.artifacts import make_wheel

    name = "mooncake-transfer-engine-non-cuda"
    tag = "cp312-cp312-manylinux1_x86_64.manylinux_2_28_x86_64.manylinux_2_5_x86_64"
    with local_index(tmp_path / "packages") as index:
        planted = make_wheel(tmp_path / "other", name, "0.4.0", tag, module="mooncake")
        index.upload([planted])
        out = act(project, "monthly-release.yaml", "workflow_dispatch", tmp_path,
                  index.url + "/", "level=auto", succeeds=False)  # fmt: skip
        assert f"the index holds a different file under the name {planted.name}" in out
        assert [p.name for p in index.packages.iterdir()] == [planted.name]
    assert "refs/tags/v0.4.0" not in remote_refs(tmp_path)
    assert git(tmp_path / "origin.git", "log", "-1", "--format=%s", "main").strip() == (
        "feat(engine): a new transfer mode"
    )


PROTECTED = """#!/bin/sh
# main is protected: every push to it is refused, whoever pushes
while read -r old new ref; do
  if [ "$ref" = refs/heads/main ]; then
    echo "refusing: main is protected" >&2
    exit 1
  fi
done
"""


@pytest.mark.fault
def test_a_main_that_refuses_every_push_still_gets_its_release(
    project: Path, tmp_path: Path
) -> None:
    """The release is cut on its own branch: the tag and release/<tag> are new names that no
    rule on main touches, so the release is published; the version and changelog reach main
    through a pull request, after the release."""
    hook = tmp_path / "origin.git" / "hooks" / "pre-receive"
    hook.write_text(PROTECTED)
    hook.chmod(0o755)
    main_before = git(tmp_path / "origin.git", "rev-parse", "main").strip()
    with local_index(tmp_path / "packages") as index:
        out = act(project, "monthly-release.yaml", "workflow_dispatch", tmp_path,
                  index.url + "/", "level=auto", variables=(TOKEN,))  # fmt: skip
        assert len(list(index.packages.iterdir())) == 1
    refs = remote_refs(tmp_path)
    assert "refs/tags/v0.4.0" in refs and "refs/heads/release/v0.4.0" in refs
    assert git(tmp_path / "origin.git", "rev-parse", "main").strip() == main_before
    assert (tmp_path / "artifacts" / "release-notes.md").exists()  # public, not a draft
    assert "refusing: main is protected" in out
    [pr] = [
        json.loads(line)
        for line in (tmp_path / "artifacts" / "gh-prs.jsonl").read_text().splitlines()
    ]
    assert (pr["head"], pr["base"]) == ("release/v0.4.0", "main")


@pytest.mark.fault
def test_a_main_that_moved_during_the_run_changes_nothing_for_the_release(
    project: Path, tmp_path: Path
) -> None:
    with local_index(tmp_path / "packages") as index:
        act(project, "monthly-release.yaml", "workflow_dispatch", tmp_path,
            index.url + "/", "level=auto",
            variables=("WHEELTRAIN_APP_CLIENT_ID=Iv1.test", TOKEN),
            env=("WHEELTRAIN_ACT_MOVE_BRANCH=1",))  # fmt: skip
        assert len(list(index.packages.iterdir())) == 1
    assert "refs/tags/v0.4.0" in remote_refs(tmp_path)
    assert (tmp_path / "artifacts" / "release-notes.md").exists()
    # main keeps what landed meanwhile: the release commit comes through a pull request
    assert git(tmp_path / "origin.git", "log", "-1", "--format=%s", "main").strip() == (
        "fix: pushed meanwhile"
    )
    [pr] = [
        json.loads(line)
        for line in (tmp_path / "artifacts" / "gh-prs.jsonl").read_text().splitlines()
    ]
    assert (pr["head"], pr["base"]) == ("release/v0.4.0", "main")


def test_the_nightly_publishes_every_built_variant_then_nothing_on_a_quiet_night(
    project: Path, tmp_path: Path
) -> None:
    import datetime

    before = remote_refs(tmp_path)
    today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%d")
    with local_index(tmp_path / "packages") as index:
        out = act(project, "nightly.yaml", "workflow_dispatch", tmp_path, index.url + "/")
        published = sorted(p.name for p in index.packages.iterdir())
        assert published == [
            f"mooncake_transfer_engine_non_cuda-0.3.10.dev{today}-cp312-cp312-manylinux1_x86_64."
            "manylinux_2_28_x86_64.manylinux_2_5_x86_64.whl"
        ], out[-3000:]
        assert "Job 'verify' failed" not in out and "smoke" in out
        # no commit, tag or GitHub Release: the repository on origin is as it was
        assert remote_refs(tmp_path) == before
        assert not (tmp_path / "artifacts" / "release-notes.md").exists()
        # the next night: GitHub says the last successful nightly was built from HEAD; on an
        # index without tonight's version, that alone stops it
        head = git(project, "rev-parse", "HEAD").strip()
        (tmp_path / "artifacts" / "last-nightly-sha").write_text(head)
    with local_index(tmp_path / "fresh") as fresh:
        quiet = act(project, "nightly.yaml", "workflow_dispatch", tmp_path, fresh.url + "/")
        assert f"| no nightly: no commit since {head[:12]}: nothing new tonight" in quiet
        assert "[Nightly/build" not in quiet and "[Nightly/publish" not in quiet
        assert list(fresh.packages.iterdir()) == []
