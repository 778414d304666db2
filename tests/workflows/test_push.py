"""The push and merge-back steps of the monthly workflow, run as written (bash, git) against a
real bare origin: the release goes out as its tag and its own branch, whatever happens on
main meanwhile; a re-run goes on; a tag on another commit stops it in one line; the release
commit then reaches main by fast-forward, or by one pull request when main moved."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.support.act.overlay import overlay
from tests.workflows.test_workflows import ROOT, load


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout.strip()


def push_script(workflow: str) -> str:
    steps = load(ROOT / ".github" / "workflows" / workflow)["jobs"]["push"]["steps"]
    script = str(next(s["run"] for s in steps if s.get("name", "").startswith("Push the")))
    # the shipped script pushes to github.com; here, to the test's origin
    return overlay(workflow, script)


@pytest.fixture
def origin(tmp_path: Path) -> Path:
    """A bare origin whose main has one commit."""
    seed = tmp_path / "seed"
    seed.mkdir()
    git(seed, "init", "-q", "-b", "main")
    (seed / "README.md").write_text("hello\n")
    git(seed, "add", "-A")
    git(seed, "-c", "user.name=T", "-c", "user.email=t@e", "commit", "-q", "-m", "feat: start")
    bare = tmp_path / "origin.git"
    git(tmp_path, "clone", "-q", "--bare", str(seed), str(bare))
    return bare


def prepare(tmp_path: Path, origin: Path, tag: str = "v0.2.0") -> Path:
    """What the prepare job leaves: a release commit and tag on the tip it saw, as a bundle,
    in a fresh checkout of origin (the push job's workspace)."""
    work = tmp_path / "prepare"
    git(tmp_path, "clone", "-q", str(origin), str(work))
    (work / "CHANGELOG.md").write_text(f"## {tag}\n")
    git(work, "add", "-A")
    git(work, "-c", "user.name=T", "-c", "user.email=t@e", "commit", "-q", "-m",
        f"chore(release): {tag[1:]}")  # fmt: skip
    git(work, "-c", "user.name=T", "-c", "user.email=t@e", "tag", "-a", tag, "-m", tag)
    job = tmp_path / "job"
    git(tmp_path, "clone", "-q", str(origin), str(job))
    (job / "release").mkdir()
    git(work, "bundle", "create", str(job / "release" / "release.bundle"), "HEAD",
        f"refs/tags/{tag}")  # fmt: skip
    return job


def run_push(job: Path, origin: Path, tag: str = "v0.2.0") -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "TAG": tag,
        "BRANCH": "main",
        "GH_TOKEN": "unused",
        "GITHUB_REPOSITORY": "example/project",
        "WHEELTRAIN_ACT_ORIGIN": str(origin),
    }
    return subprocess.run(
        ["bash", "-eo", "pipefail", "-c", push_script("monthly-release.yaml")],
        cwd=job,
        env=env,
        capture_output=True,
        text=True,
    )


def someone_pushes(tmp_path: Path, origin: Path, name: str) -> str:
    other = tmp_path / f"other-{name}"
    git(tmp_path, "clone", "-q", str(origin), str(other))
    (other / f"{name}.txt").write_text(name)
    git(other, "add", "-A")
    git(other, "-c", "user.name=O", "-c", "user.email=o@e", "commit", "-q", "-m", f"fix: {name}")
    git(other, "push", "-q", "origin", "main")
    return git(other, "rev-parse", "HEAD")


def test_the_release_is_pushed_as_its_tag_and_branch_never_onto_main(
    tmp_path: Path, origin: Path
) -> None:
    before = git(origin, "rev-parse", "main")
    job = prepare(tmp_path, origin)
    result = run_push(job, origin)
    assert result.returncode == 0, result.stdout + result.stderr
    release = git(origin, "rev-parse", "v0.2.0^{commit}")
    assert git(origin, "rev-parse", "release/v0.2.0") == release
    assert git(origin, "rev-parse", "main") == before  # main is merge-back's, later
    # a re-run of the job (the publish after it failed) pushes nothing and goes on
    again = run_push(job, origin)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "origin has v0.2.0 at the release commit already" in again.stdout


@pytest.mark.fault
def test_a_main_that_moved_meanwhile_changes_nothing_for_the_push(
    tmp_path: Path, origin: Path
) -> None:
    job = prepare(tmp_path, origin)
    moved = someone_pushes(tmp_path, origin, "meanwhile")
    result = run_push(job, origin)
    assert result.returncode == 0, result.stdout + result.stderr
    assert git(origin, "rev-parse", "main") == moved
    assert git(origin, "tag") == "v0.2.0"


@pytest.mark.fault
def test_a_tag_on_another_commit_stops_the_push_in_one_line(tmp_path: Path, origin: Path) -> None:
    job = prepare(tmp_path, origin)
    other = tmp_path / "other-tag"
    git(tmp_path, "clone", "-q", str(origin), str(other))
    git(other, "-c", "user.name=O", "-c", "user.email=o@e", "tag", "-a", "v0.2.0", "-m", "x")
    git(other, "push", "-q", "origin", "v0.2.0")
    theirs = git(origin, "rev-parse", "v0.2.0^{commit}")
    result = run_push(job, origin)
    assert result.returncode == 1
    errors = [line for line in result.stdout.splitlines() if line.startswith("::error::")]
    assert errors == [
        "::error::origin has a tag v0.2.0 on another commit: nothing was pushed; delete that "
        "tag or release the next version"
    ]
    assert git(origin, "rev-parse", "v0.2.0^{commit}") == theirs
    assert "release/v0.2.0" not in git(origin, "branch", "--list")


def merge_back(tmp_path: Path, origin: Path) -> subprocess.CompletedProcess[str]:
    steps = load(ROOT / ".github" / "workflows" / "monthly-release.yaml")["jobs"]["merge-back"][
        "steps"
    ]
    script = overlay(
        "monthly-release.yaml",
        str(next(s["run"] for s in steps if s.get("name", "").startswith("Bring the release"))),
    )
    work = tmp_path / f"merge-back-{len(list(tmp_path.glob('merge-back-*')))}"
    work.mkdir()
    standins = ROOT / "tests" / "support" / "act" / "bin"
    env = {
        **os.environ,
        "TAG": "v0.2.0",
        "BRANCH": "main",
        "GH_TOKEN": "unused",
        "GH_REPO": "example/project",
        "GITHUB_REPOSITORY": "example/project",
        "WHEELTRAIN_ACT_ORIGIN": str(origin),
        "WHEELTRAIN_ACT_ARTIFACTS": str(tmp_path / "artifacts"),
        "PATH": os.pathsep.join([str(standins), os.environ["PATH"]]),
    }
    return subprocess.run(
        ["bash", "-eo", "pipefail", "-c", script], cwd=work, env=env, capture_output=True, text=True
    )


def test_merge_back_fast_forwards_an_unmoved_main(tmp_path: Path, origin: Path) -> None:
    job = prepare(tmp_path, origin)
    assert run_push(job, origin).returncode == 0
    done = merge_back(tmp_path, origin)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "main fast-forwarded to v0.2.0" in done.stdout
    assert git(origin, "rev-parse", "main") == git(origin, "rev-parse", "v0.2.0^{commit}")
    again = merge_back(tmp_path, origin)
    assert again.returncode == 0 and "main has v0.2.0 already" in again.stdout


@pytest.mark.fault
def test_merge_back_opens_one_pull_request_when_main_moved(tmp_path: Path, origin: Path) -> None:
    job = prepare(tmp_path, origin)
    assert run_push(job, origin).returncode == 0
    moved = someone_pushes(tmp_path, origin, "meanwhile")
    done = merge_back(tmp_path, origin)
    assert done.returncode == 0, done.stdout + done.stderr
    assert git(origin, "rev-parse", "main") == moved  # never pushed over
    again = merge_back(tmp_path, origin)
    assert "a pull request from release/v0.2.0 into main is open already" in again.stdout
    prs = (tmp_path / "artifacts" / "gh-prs.jsonl").read_text().splitlines()
    assert len(prs) == 1 and '"head": "release/v0.2.0"' in prs[0]
