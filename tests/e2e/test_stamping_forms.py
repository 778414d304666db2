"""Every form of a TOML version location that semantic-release stamps is stamped by every
release: a dotted key (``project.version = "..."``), a quoted key and a key inside an inline
table, through a monthly release (semantic-release's cut) and a hotfix (wheeltrain's)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.support.cli import Cli

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


def _git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


def _stamped(root: Path, version: str) -> None:
    assert f'project.version = "{version}"  # the release' in (root / "pyproject.toml").read_text()
    assert (root / "extra.toml").read_text() == (
        f'"version" = "{version}"\nmeta = {{ release = {{ version = "{version}" }}, other = 1 }}\n'
    )
    assert _git(root, "tag", "--points-at", "HEAD") == f"v{version}"


def test_three_forms_of_a_toml_version_release_monthly_and_as_a_hotfix(
    tmp_path: Path, cli: Cli
) -> None:
    root = tmp_path / "forms"
    root.mkdir()
    _git(root, "init", "-q", "-b", "main")
    _git(root, "config", "user.email", "t@example.com")
    _git(root, "config", "user.name", "T")
    _git(tmp_path, "init", "-q", "--bare", "origin.git")
    _git(root, "remote", "add", "origin", str(tmp_path / "origin.git"))
    (root / "pyproject.toml").write_text(PYPROJECT)
    (root / "extra.toml").write_text(EXTRA)
    (root / "CHANGELOG.md").write_text("# Changelog\n\n<!-- version list -->\n")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "chore: start")
    _git(root, "tag", "-a", "v0.4.0", "-m", "v0.4.0")
    (root / "a.txt").write_text("a\n")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "fix: a")
    project = ("--project", str(root))

    monthly = cli("release", "monthly", "--no-push", *project)
    assert monthly.code == 0, monthly.err
    _stamped(root, "0.4.1")

    assert cli("hotfix", "start", "--base", "0.4.1", "--switch", *project).code == 0
    (root / "b.txt").write_text("b\n")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "fix: b")
    hotfix = cli(
        "hotfix", "release", "--base", "0.4.1", "--description", "B.", "--no-push", *project
    )
    assert hotfix.code == 0, hotfix.err
    _stamped(root, "0.4.1.post1")
    assert cli("current", "--check", *project).code == 0
