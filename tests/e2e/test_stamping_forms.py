"""Every form of a TOML version location that semantic-release stamps is stamped by every
release: a dotted key (``project.version = "..."``), a quoted key and a key inside an inline
table, through a monthly release (semantic-release's cut) and a hotfix (wheeltrain's)."""

from __future__ import annotations

from pathlib import Path

from tests.support.cli import Cli
from tests.support.gitrepo import git_in

PYPROJECT = """\
project.name = "forms"
project.version = "0.4.0"  # the release

[tool.semantic_release]
tag_format = "v{version}"
commit_message = "chore(release): {version}"
allow_zero_version = true
major_on_zero = false
version_toml = [
    "pyproject.toml:project.version",
    "extra.toml:version",
    "extra.toml:meta.release.version",
]

[tool.wheeltrain]
python = ["3.12"]
archs = ["x86_64"]

[tool.wheeltrain.variants.cpu]
distribution = "forms"
import-name = "forms"
"""
EXTRA = '"version" = \'0.4.0\'\nmeta = { release = { version = "0.4.0" }, other = 1 }\n'


def _stamped(root: Path, version: str) -> None:
    assert f'project.version = "{version}"  # the release' in (root / "pyproject.toml").read_text()
    assert (root / "extra.toml").read_text() == (
        f'"version" = "{version}"\nmeta = {{ release = {{ version = "{version}" }}, other = 1 }}\n'
    )
    assert git_in(root, "tag", "--points-at", "HEAD") == f"v{version}"


def test_three_forms_of_a_toml_version_release_monthly_and_as_a_hotfix(
    tmp_path: Path, cli: Cli
) -> None:
    root = tmp_path / "forms"
    root.mkdir()
    git_in(root, "init", "-q", "-b", "main")
    git_in(root, "config", "user.email", "t@example.com")
    git_in(root, "config", "user.name", "T")
    git_in(tmp_path, "init", "-q", "--bare", "origin.git")
    git_in(root, "remote", "add", "origin", str(tmp_path / "origin.git"))
    (root / "pyproject.toml").write_text(PYPROJECT)
    (root / "extra.toml").write_text(EXTRA)
    (root / "CHANGELOG.md").write_text("# Changelog\n\n<!-- version list -->\n")
    git_in(root, "add", "-A")
    git_in(root, "commit", "-q", "-m", "chore: start")
    git_in(root, "tag", "-a", "v0.4.0", "-m", "v0.4.0")
    (root / "a.txt").write_text("a\n")
    git_in(root, "add", "-A")
    git_in(root, "commit", "-q", "-m", "fix: a")
    project = ("--project", str(root))

    monthly = cli("release", "monthly", "--no-push", *project)
    assert monthly.code == 0, monthly.err
    _stamped(root, "0.4.1")

    assert cli("hotfix", "start", "--base", "0.4.1", "--switch", *project).code == 0
    (root / "b.txt").write_text("b\n")
    git_in(root, "add", "-A")
    git_in(root, "commit", "-q", "-m", "fix: b")
    hotfix = cli(
        "hotfix", "release", "--base", "0.4.1", "--description", "B.", "--no-push", *project
    )
    assert hotfix.code == 0, hotfix.err
    _stamped(root, "0.4.1.post1")
    assert cli("current", "--check", *project).code == 0
