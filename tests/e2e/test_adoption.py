"""A project with a past: its first releases were tagged before wheeltrain was adopted, and the
package lived in ``pkg/`` then. A hotfix and a backfill of that old line take the release
configuration from the default branch and the source, project file and version from the tag."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import Cli
from tests.support.gitrepo import commit_files, git_in
from tests.support.projects import PSR_TABLES

OLD_PROJECT = """\
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "olddemo"
version = "{version}"
requires-python = ">=3.10"

[tool.setuptools]
packages = ["olddemo"]
"""

ADOPTED = """
[tool.wheeltrain]
python = ["3.12"]
archs = ["x86_64"]

[tool.wheeltrain.variants.pure]
distribution = "olddemo"
import-name = "olddemo"
kind = "pure"
smoke = "python -c 'import olddemo; print(olddemo.ANSWER)'"
"""


@pytest.fixture
def moved(tmp_path: Path) -> Path:
    """v0.1.0 with the package in pkg/, no wheeltrain; then the layout moved to the root,
    v0.2.0, and wheeltrain was adopted on main."""
    root = tmp_path / "olddemo"
    root.mkdir()
    git_in(root, "init", "-q", "-b", "main")
    git_in(root, "config", "user.email", "t@example.com")
    git_in(root, "config", "user.name", "T")
    commit_files(
        root,
        "feat: the first release",
        {
            "pkg/pyproject.toml": OLD_PROJECT.format(version="0.1.0"),
            "pkg/olddemo/__init__.py": "ANSWER = 1\n",
        },
    )
    git_in(root, "tag", "-a", "v0.1.0", "-m", "v0.1.0")
    git_in(root, "mv", "pkg/pyproject.toml", "pyproject.toml")
    git_in(root, "mv", "pkg/olddemo", "olddemo")
    commit_files(
        root,
        "refactor!: the package moved to the root",
        {"pyproject.toml": OLD_PROJECT.format(version="0.2.0")},
    )
    git_in(root, "tag", "-a", "v0.2.0", "-m", "v0.2.0")
    commit_files(
        root,
        "chore: adopt wheeltrain",
        {
            "pyproject.toml": OLD_PROJECT.format(version="0.2.0")
            + "\n"
            + PSR_TABLES.format(name="olddemo")
            + ADOPTED,
            "CHANGELOG.md": "# Changelog\n\n<!-- version list -->\n",
        },
    )
    return root


def test_a_hotfix_of_a_line_cut_before_adoption_and_before_the_layout_moved(
    moved: Path, cli: Cli
) -> None:
    project = ("--project", str(moved))
    started = cli("hotfix", "start", "--base", "0.1.0", "--switch", *project)
    assert started.code == 0, started.err
    assert git_in(moved, "rev-parse", "--abbrev-ref", "HEAD") == "hotfix/v0.1.0"
    assert not (moved / "pyproject.toml").exists()  # the tag's own layout, nothing carried
    commit_files(moved, "fix: the old line's answer", {"pkg/olddemo/__init__.py": "ANSWER = 2\n"})

    plan = cli("hotfix", "plan", "--base", "0.1.0", "--json", *project)
    assert plan.code == 0, plan.err
    value = plan.json()
    assert value["version"] == "0.1.0.post1"
    assert "main's" in value["configuration"]
    assert "pkg/pyproject.toml:project.version" in value["configuration"]

    released = cli(
        "hotfix", "release", "--base", "0.1.0", "--description", "The answer.", "--no-push",
        *project,
    )  # fmt: skip
    assert released.code == 0, released.err
    assert git_in(moved, "tag", "--points-at", "HEAD") == "v0.1.0.post1"
    assert 'version = "0.1.0.post1"' in (moved / "pkg/pyproject.toml").read_text()
    assert "0.1.0.post1" in (moved / "CHANGELOG.md").read_text()
    changed = git_in(moved, "show", "--name-only", "--format=", "HEAD").split()
    assert sorted(changed) == ["CHANGELOG.md", "pkg/pyproject.toml"]

    check = cli("current", "--check", *project)
    assert check.code == 0, check.err
    assert "in agreement" in check.out

    # back on main, the documented flow's state is one current --check accepts
    git_in(moved, "switch", "-q", "main")
    assert cli("current", "--check", *project).code == 0


@pytest.mark.slow
def test_a_backfill_of_a_tag_cut_before_adoption_builds_its_own_layout(
    moved: Path, cli: Cli, tmp_path: Path
) -> None:
    project = ("--project", str(moved))
    git_in(moved, "checkout", "-q", "--detach", "refs/tags/v0.1.0")
    check = cli("current", "--check", "--json", *project)
    assert check.code == 0, check.err
    assert check.json()["version"] == "0.1.0"
    matrix = cli("matrix", "--event", "manual", "--version", "0.1.0", "--json", *project)
    assert matrix.code == 0, matrix.err
    assert {row["variant"] for row in matrix.json()["include"]} == {"pure"}
    out = tmp_path / "dist"
    built = cli("build", "--variant", "pure", "--out", str(out), "--json", *project)
    assert built.code == 0, built.err
    assert [p.name for p in (out / "pure").glob("*.whl")] == ["olddemo-0.1.0-py3-none-any.whl"]
    assert json.loads(built.out)["built"]
