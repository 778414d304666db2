"""Real git repositories built from a short declarative history, with fixed dates.

repo = GitRepo.create(tmp_path / "demo", version="0.4.0")
repo.build([
    "feat: first",
    ("tag", "v0.4.0"),
    ("branch", "hotfix/v0.4.0"),
    "fix: patch it",
    ("checkout", "main"),
    ("merge", "hotfix/v0.4.0"),
])
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path

BASE_EPOCH = 1_767_225_600  # 2026-01-01T00:00:00Z; every commit is one minute later

PYPROJECT = """\
# A demo project made by the tests.
[project]
name = "{name}"
version = "{version}"  # stamped by releases
description = 'demo'

[tool.semantic_release]
tag_format = "v{{version}}"
"""


def git_env(when: int | None = None) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("GIT_") and k not in ("HOME", "XDG_CONFIG_HOME")
    }
    env.update(
        GIT_AUTHOR_NAME="Test Author",
        GIT_AUTHOR_EMAIL="author@example.com",
        GIT_COMMITTER_NAME="Test Committer",
        GIT_COMMITTER_EMAIL="committer@example.com",
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
        HOME=os.environ.get("HOME", "/tmp"),
    )
    if when is not None:
        stamp = f"@{when} +0000"
        env.update(GIT_AUTHOR_DATE=stamp, GIT_COMMITTER_DATE=stamp)
    return env


Step = str | tuple[str, ...]


class GitRepo:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.clock = BASE_EPOCH
        self.counter = 0

    @classmethod
    def create(
        cls,
        root: Path,
        *,
        name: str = "demo",
        version: str = "0.1.0",
        pyproject: str | None = None,
        branch: str = "main",
    ) -> GitRepo:
        root.mkdir(parents=True, exist_ok=True)
        repo = cls(root)
        repo.git("init", "-q", "-b", branch)
        (root / "pyproject.toml").write_text(
            pyproject if pyproject is not None else PYPROJECT.format(name=name, version=version)
        )
        repo.git("add", "-A")
        repo.commit("chore: initial commit", touch=False)
        return repo

    def git(self, *args: str, check: bool = True) -> str:
        self.clock += 60
        proc = subprocess.run(
            ["git", "-C", str(self.root), *args],
            env=git_env(self.clock),
            capture_output=True,
            text=True,
            check=False,
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed: {proc.stderr}")
        return proc.stdout

    def commit(
        self, message: str, *, touch: bool = True, files: dict[str, str] | None = None
    ) -> str:
        if touch:
            self.counter += 1
            # one new file per commit, so that branches never conflict when merged
            change = self.root / "changes" / f"{self.counter}.txt"
            change.parent.mkdir(exist_ok=True)
            change.write_text(f"{message}\n")
        for rel, text in (files or {}).items():
            path = self.root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "--no-verify", "-m", message)
        return self.head()

    def head(self) -> str:
        return self.git("rev-parse", "HEAD").strip()

    def tag(self, name: str, *, annotated: bool = False, ref: str = "HEAD") -> None:
        if annotated:
            self.git("tag", "-a", name, "-m", f"release {name}", ref)
        else:
            self.git("tag", name, ref)

    def build(self, steps: Iterable[Step]) -> None:
        for step in steps:
            if isinstance(step, str):
                self.commit(step)
                continue
            verb, *rest = step
            if verb == "tag":
                self.tag(rest[0])
            elif verb == "atag":
                self.tag(rest[0], annotated=True)
            elif verb == "branch":  # create and switch
                self.git("checkout", "-q", "-b", rest[0], *rest[1:])
            elif verb == "checkout":
                self.git("checkout", "-q", rest[0])
            elif verb == "pick":  # cherry-pick a commit (by ref) onto the current branch
                self.git("cherry-pick", "--allow-empty", rest[0])
            elif verb == "merge":
                message = rest[1] if len(rest) > 1 else f"Merge branch '{rest[0]}'"
                self.git("merge", "-q", "--no-ff", "-m", message, rest[0])
            else:
                raise ValueError(f"unknown step {step!r}")

    def log_subjects(self, rev: str = "HEAD") -> Sequence[str]:
        return self.git("log", "--format=%s", rev).splitlines()


def released_repo(root: Path, *, name: str = "demo", version: str = "0.3.9") -> GitRepo:
    """A project with semantic-release's settings, its changelog committed, released and
    tagged as ``version``: where the release tests start."""
    from tests.support.projects import psr_project

    files = psr_project(name=name, version=version)
    repo = GitRepo.create(root, pyproject=files["pyproject.toml"])
    repo.commit("chore: changelog", files={"CHANGELOG.md": files["CHANGELOG.md"]})
    repo.tag(f"v{version}")
    return repo


def git_in(root: Path, *args: str) -> str:
    """``git -C root ARGS``: its output, stripped; a failure fails the test."""
    import subprocess

    return subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


def commit_files(root: Path, message: str, files: dict[str, str]) -> None:
    """Write ``files`` (path -> text) under ``root`` and commit everything as ``message``."""
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    git_in(root, "add", "-A")
    git_in(root, "commit", "-q", "-m", message)
