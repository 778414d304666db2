"""Real `git commit`s through the installed commitizen commit-msg hook."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.gitrepo import GitRepo, git_env

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def hooked(tmp_path: Path, pre_commit_home: Path) -> Iterator[tuple[GitRepo, dict[str, str]]]:
    repo = GitRepo.create(tmp_path / "hooked")
    for name in (".cz.toml", ".pre-commit-config.yaml"):
        shutil.copy(ROOT / name, repo.root / name)
    repo.commit("chore: add commit rules")
    env = {
        **git_env(),
        "PRE_COMMIT_HOME": str(pre_commit_home),
        "PATH": f"{BIN}:{os.environ['PATH']}",
    }
    subprocess.run(
        [str(BIN / "pre-commit"), "install", "--install-hooks"],
        cwd=repo.root,
        env=env,
        check=True,
        capture_output=True,
    )
    yield repo, env


def commit(repo: GitRepo, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    (repo.root / "work.txt").open("a").close()
    with (repo.root / "work.txt").open("a") as fh:
        fh.write("x\n")
    subprocess.run(["git", "add", "-A"], cwd=repo.root, env=env, check=True)
    return subprocess.run(
        ["git", "commit", *args], cwd=repo.root, env=env, capture_output=True, text=True
    )


def test_bad_message_is_rejected_with_commitizens_explanation(hooked) -> None:  # type: ignore[no-untyped-def]
    repo, env = hooked
    before = repo.head()
    result = commit(repo, env, "-m", "fixed some stuff")
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "commit validation: failed!" in output
    assert "please enter a commit message in the commitizen format" in output
    assert repo.head() == before


def test_good_message_lands(hooked) -> None:  # type: ignore[no-untyped-def]
    repo, env = hooked
    result = commit(repo, env, "-m", "feat(store): add a thing")
    assert result.returncode == 0, result.stdout + result.stderr
    assert repo.log_subjects()[0] == "feat(store): add a thing"


def test_merge_revert_and_fixup_commits_pass(hooked) -> None:  # type: ignore[no-untyped-def]
    repo, env = hooked
    git = ["git", "-C", str(repo.root)]
    subprocess.run([*git, "checkout", "-q", "-b", "topic"], env=env, check=True)
    assert commit(repo, env, "-m", "fix: on a topic branch").returncode == 0
    subprocess.run([*git, "checkout", "-q", "main"], env=env, check=True)
    assert commit(repo, env, "-m", "docs: on main").returncode == 0
    merge = subprocess.run(
        [*git, "merge", "--no-ff", "--no-edit", "topic"], env=env, capture_output=True, text=True
    )
    assert merge.returncode == 0, merge.stdout + merge.stderr
    assert repo.log_subjects()[0] == "Merge branch 'topic'"

    revert = subprocess.run(
        [*git, "revert", "--no-edit", "HEAD~1"], env=env, capture_output=True, text=True
    )
    assert revert.returncode == 0, revert.stdout + revert.stderr
    assert repo.log_subjects()[0] == 'Revert "docs: on main"'

    fixup = commit(repo, env, "--fixup", "HEAD~1")
    assert fixup.returncode == 0, fixup.stdout + fixup.stderr
    assert repo.log_subjects()[0].startswith("fixup! ")


def test_an_empty_message_is_rejected_even_when_git_would_allow_it(hooked) -> None:  # type: ignore[no-untyped-def]
    repo, env = hooked
    before = repo.head()
    result = commit(repo, env, "--allow-empty-message", "-m", "")
    assert result.returncode != 0
    assert repo.head() == before
