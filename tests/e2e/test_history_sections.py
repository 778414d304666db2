"""Each commit of the history lands in the section of the first release, in version order,
whose tag contains it: checked against git itself (`git tag --contains`) on linear histories
(grouped while git walks) and histories with merges (grouped by a walk from each tag)."""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.version import Version

from tests.support.gitrepo import GitRepo
from wheeltrain.adapters.git import Git
from wheeltrain.adapters.project import load_project
from wheeltrain.stages.release.notes import history_sections

LINEAR = [
    "feat: one", ("tag", "v0.2.0"),  # an older commit with the higher version
    "fix: two", ("tag", "v0.1.5"), ("tag", "v0.1.5.post1"),  # two tags on one commit
    "fix: three", ("branch", "side"), "fix: on a side branch", ("tag", "v9.0.0"),
    ("checkout", "main"), "fix: four", ("tag", "v0.3.0"), "docs: five", "fix: six",
]  # fmt: skip
MERGED = [
    "feat: one", ("tag", "v0.1.0"), ("branch", "side"), "fix: side a", ("tag", "v0.1.1"),
    "fix: side b", ("checkout", "main"), "fix: main a", ("merge", "side"), ("tag", "v0.2.0"),
    "fix: after", ("branch", "late"), "fix: late", ("checkout", "main"), ("merge", "late"),
]  # fmt: skip


def expected(repo: GitRepo) -> dict[str, list[str]]:
    """git's answer: every commit of HEAD's history under its first containing release."""
    out: dict[str, list[str]] = {}
    for sha in repo.git("rev-list", "HEAD").split():
        tags = [t for t in repo.git("tag", "--contains", sha).split() if t.startswith("v")]
        first = min(tags, key=lambda t: (Version(t[1:]), t)) if tags else "Unreleased"
        out.setdefault(first, []).append(sha)
    return out


@pytest.mark.parametrize("steps", [LINEAR, MERGED], ids=["linear", "merged"])
def test_each_commit_is_in_its_first_release(tmp_path: Path, steps: list) -> None:  # type: ignore[type-arg]
    repo = GitRepo.create(tmp_path / "h", version="0.1.0")
    repo.build(steps)
    sections = history_sections(load_project(repo.root), Git.discover(repo.root))
    got = {s.title: sorted(s.commits) for s in sections if s.commits}
    assert got == {title: sorted(shas) for title, shas in expected(repo).items()}
    # newest first within a section, as git log gives them
    order = repo.git("rev-list", "HEAD").split()
    for section in sections:
        assert list(section.commits) == [s for s in order if s in set(section.commits)]
