"""The git adapter's one-call answers agree with git's own: ``log_since`` reads the commits of
``base..ref`` and tells whether ``base`` is in ``ref``'s history from the log's boundary."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.support.gitrepo import GitRepo
from wheeltrain.adapters.git import Git
from wheeltrain.errors import ConfigError


def _shapes(repo: GitRepo) -> dict[str, str]:
    """A main line with a merged feature branch, a release branch with a commit of its own,
    and a side branch joined only through a merge's second parent."""
    points: dict[str, str] = {"root": repo.head()}
    points["v1"] = repo.commit("feat: one")
    repo.git("checkout", "-q", "-b", "feature")
    points["feature"] = repo.commit("feat: on a branch")
    repo.git("checkout", "-q", "main")
    points["main-before-merge"] = repo.commit("fix: on main")
    repo.git("merge", "-q", "--no-ff", "-m", "Merge branch 'feature'", "feature")
    points["merge"] = repo.head()
    repo.git("checkout", "-q", "-b", "release/v1", points["v1"])
    points["release"] = repo.commit("fix: only on the release branch")
    repo.git("checkout", "-q", "main")
    points["head"] = repo.commit("docs: after the merge")
    return points


@pytest.mark.parametrize(
    "base", ["root", "v1", "feature", "main-before-merge", "merge", "release", "head"]
)
@pytest.mark.parametrize("ref", ["head", "merge", "v1", "release"])
def test_log_since_tells_ancestry_and_reads_the_range_as_git_does(
    tmp_path: Path, base: str, ref: str
) -> None:
    repo = GitRepo.create(tmp_path / "repo")
    points = _shapes(repo)
    git = Git.discover(repo.root)
    commits, is_ancestor = git.log_since(points[base], points[ref])
    asked = subprocess.run(
        ["git", "-C", str(repo.root), "merge-base", "--is-ancestor", points[base], points[ref]],
        check=False,
    )
    assert is_ancestor is (asked.returncode == 0)
    listed = repo.git("rev-list", f"{points[base]}..{points[ref]}").split()
    assert [c.sha for c in commits] == listed


def test_discover_with_tags_answers_as_its_two_calls_do(tmp_path: Path) -> None:
    repo = GitRepo.create(tmp_path / "repo")
    repo.tag("v0.1.0")
    repo.commit("feat: two")
    repo.tag("v0.2.0", annotated=True)
    (repo.root / "sub").mkdir()
    git, tags = Git.discover_with_tags(repo.root / "sub")
    alone = Git.discover(repo.root / "sub")
    assert (git.dir, git.shallow, git.has_commits()) == (alone.dir, alone.shallow, True)
    assert tags == alone.tags()
    # the annotated tag names its commit, not the tag object
    assert dict(tags)["v0.2.0"] == repo.head()


def test_discover_with_tags_outside_a_repository_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is not inside a git repository"):
        Git.discover_with_tags(tmp_path)
