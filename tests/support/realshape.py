"""A repository shaped like the first user's releases, generated: release branches, cherry-picks
both ways, a post release on ``main`` that does not contain its base tag, mostly free-form
commit messages, merge and squash commits, two version files, an existing ``.gitignore``
with ``build/``, a commented ``.pre-commit-config.yaml`` and tag-triggered workflows that
upload with an API token."""

from __future__ import annotations

import random
from pathlib import Path

from tests.support.gitrepo import GitRepo

NAME = "mooncake-transfer-engine"

ROOT_PYPROJECT = """\
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "mooncake-transfer-engine"
version = "{version}"
description = "A KVCache-centric architecture."

[project.urls]
Source = "https://github.com/kvcache-ai/Mooncake"
"""
WHEEL_PYPROJECT = """\
# mooncake-wheel/pyproject.toml: the wheel is built from this folder.
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "mooncake-transfer-engine"
version = "{version}"
"""
GITIGNORE = """\
.cache
build
build/
dist/
*.so
__pycache__/
"""
PRE_COMMIT = """\
# Pre-commit hooks configuration for the project
# Install: pip install -r requirements-dev.txt && pre-commit install

minimum_pre_commit_version: '3.6.0'

repos:
  - repo: https://github.com/pre-commit/pre-commit-hooks
    rev: v4.6.0
    hooks:
      - id: trailing-whitespace
        exclude: '^(build/|extern/)'  # vendored code
      - id: check-yaml
"""
TAG_WORKFLOW = """\
name: Release Non-CUDA

on:
  push:
    tags:
      - 'v*'

jobs:
  publish:
    runs-on: ubuntu-22.04
    steps:
      - run: twine upload dist/*
        env:
          TWINE_PASSWORD: ${{{{ secrets.PYPI_API_TOKEN }}}}
"""
BUILD_SCRIPT = """\
#!/bin/bash
if [ "$NON_CUDA_BUILD" = "1" ]; then
    sed -i 's/name = "mooncake-transfer-engine"/name = "mooncake-transfer-engine-non-cuda"/' pyproject.toml
elif [ "$NPU_BUILD" = "1" ]; then
    sed -i 's/name = "mooncake-transfer-engine"/name = "mooncake-transfer-engine-npu"/' pyproject.toml
fi
"""

FREE_FORM = [
    "[TE] fix the RDMA handshake on retries",
    "[Store] evict cold segments first (#{n})",
    "[EP] support more experts",
    "Update README.md",
    "[CI] pin the builder image",
    "[TE] refactor topology discovery (#{n})",
    "Bump the version of a dependency",
    "[Store] add metrics for the master",
    "[Docs] explain the hotfix flow",
    "[Integration] vLLM connector: handle empty requests (#{n})",
]
CONVENTIONAL = [
    "fix(te): handle empty buffers",
    "perf(store): fewer copies",
    "docs: describe the wheel variants",
]


def messages(rng: random.Random, count: int) -> list[str]:
    """``count`` messages, about 90 % of them free-form, a few squash merges with bodies."""
    out = []
    for i in range(count):
        roll = rng.random()
        if roll < 0.05:
            out.append(rng.choice(CONVENTIONAL))
        elif roll < 0.1:
            out.append(  # GitHub's squash merge: the PR title, then each commit as a bullet
                f"[TE] squash of several fixes (#{100 + i})\n\n* fix(te): the first part\n\n"
                "* [TE] a second, free-form part"
            )
        else:
            out.append(rng.choice(FREE_FORM).format(n=100 + i))
    return out


def stamp(repo: GitRepo, version: str, message: str) -> None:
    repo.commit(
        message,
        touch=False,
        files={
            "pyproject.toml": ROOT_PYPROJECT.format(version=version),
            "mooncake-wheel/pyproject.toml": WHEEL_PYPROJECT.format(version=version),
            "mooncake-wheel/mooncake/_version.py": f'__version__ = "{version}"\n',
        },
    )


def mooncake_shaped(root: Path, *, seed: int = 7, busy: int = 12) -> GitRepo:
    """The repository right after 0.3.12 was cut on ``release/v0.3.12``: ``main`` moved on
    after the fork, one of its fixes was cherry-picked into the release before the tag, and a
    fix made on the release branch waits to be picked back."""
    rng = random.Random(seed)
    repo = GitRepo.create(root, pyproject=ROOT_PYPROJECT.format(version="0.3.11"))
    repo.commit(
        "[Build] the wheel, the ignore rules, hooks and the release workflow",
        touch=False,
        files={
            ".gitignore": GITIGNORE,
            ".pre-commit-config.yaml": PRE_COMMIT,
            ".github/workflows/release-non-cuda.yaml": TAG_WORKFLOW.format(),
            "scripts/build_wheel.sh": BUILD_SCRIPT,
            "mooncake-wheel/pyproject.toml": WHEEL_PYPROJECT.format(version="0.3.11"),
            "mooncake-wheel/mooncake/__init__.py": "",
            "mooncake-wheel/mooncake/_version.py": '__version__ = "0.3.11"\n',
        },
    )
    repo.tag("v0.3.11")
    for message in messages(rng, busy):
        repo.commit(message)
    repo.build([("branch", "feature/x"), "[EP] a feature branch commit", ("checkout", "main")])
    repo.build([("merge", "feature/x", "Merge pull request #42 from someone/feature-x")])
    fork = repo.head()
    repo.build([("branch", "release/v0.3.12", fork), ("checkout", "main")])
    for message in messages(rng, busy // 2):
        repo.commit(message)
    needed = repo.commit("[TE] fix a crash that 0.3.12 must not ship with")
    for message in messages(rng, busy // 2):
        repo.commit(message)
    repo.build([("checkout", "release/v0.3.12"), ("pick", needed)])
    stamp(repo, "0.3.12", "Bump version to 0.3.12")
    bump = repo.head()
    repo.commit("[Store] fix the release build flags")
    repo.tag("v0.3.12")
    repo.build([("checkout", "main"), ("pick", bump)])  # main says 0.3.12 too
    return repo


def add_post_release(repo: GitRepo, *, seed: int = 8, busy: int = 12) -> None:
    """0.3.12.post1 released from ``main`` (which does not contain ``v0.3.12``), after the
    release branch's own fix was picked back; then a month of work."""
    rng = random.Random(seed)
    fix = repo.git("rev-parse", "release/v0.3.12").strip()
    repo.build([("pick", fix)])
    stamp(repo, "0.3.12.post1", "Bump version to 0.3.12.post1 (#77)")
    repo.tag("v0.3.12.post1")
    for message in messages(rng, busy):
        repo.commit(message)
    repo.commit("fix(store): release the lease on shutdown")
