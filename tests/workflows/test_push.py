"""The push step of the monthly and hotfix workflows, run as written (bash, git) against a
real bare origin: it pushes the prepared release only onto the tip it was prepared on, stops
in one line when the branch moved, and a re-run never pushes a stale commit."""

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


def test_the_release_is_pushed_onto_the_tip_it_was_prepared_on(
    tmp_path: Path, origin: Path
) -> None:
    job = prepare(tmp_path, origin)
    result = run_push(job, origin)
    assert result.returncode == 0, result.stdout + result.stderr
    release = git(origin, "rev-parse", "v0.2.0^{commit}")
    assert git(origin, "rev-parse", "main") == release
    # a re-run of the job (the publish after it failed) pushes nothing stale and succeeds
    again = run_push(job, origin)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "holds the release commit already" in again.stdout
    # and still after others pushed on top of the release
    newer = someone_pushes(tmp_path, origin, "later")
    third = run_push(job, origin)
    assert third.returncode == 0, third.stdout + third.stderr
    assert git(origin, "rev-parse", "main") == newer


@pytest.mark.fault
def test_a_branch_that_moved_stops_the_push_in_one_line(tmp_path: Path, origin: Path) -> None:
    job = prepare(tmp_path, origin)
    moved = someone_pushes(tmp_path, origin, "meanwhile")
    result = run_push(job, origin)
    assert result.returncode == 1
    errors = [line for line in result.stdout.splitlines() if line.startswith("::error::")]
    assert len(errors) == 1
    assert "main moved since the release was prepared" in errors[0]
    assert f"now at {moved[:12]}" in errors[0]
    assert "run the workflow again to release from the new tip" in errors[0]
    assert git(origin, "rev-parse", "main") == moved  # nothing was pushed
    assert git(origin, "tag") == ""
