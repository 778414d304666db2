"""The release manager's commands against real git repositories."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import Cli
from tests.support.gitrepo import GitRepo

ROOT = Path(__file__).resolve().parents[2]


def test_current_reports_version_tag_and_agreement(repo: GitRepo, cli: Cli) -> None:
    repo.build(["feat: one", ("tag", "v0.1.0"), ("atag", "v0.0.9"), ("tag", "nightly")])
    result = cli("current", "--project", str(repo.root), "--json")
    assert result.code == 0
    assert result.json() == {
        "name": "demo",
        "version": "0.1.0",
        "tag": "v0.1.0",
        "tag_version": "0.1.0",
        "locations": {"pyproject.toml:project.version": ["0.1.0"]},
        "agree": True,
    }
    assert cli("current", "--project", str(repo.root), "--check").code == 0


def test_current_check_reads_every_version_location(repo: GitRepo, cli: Cli) -> None:
    pyproject = repo.root / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text()
        + 'version_toml = ["pyproject.toml:project.version", "wheel/pyproject.toml:project.version"]\n'
        + 'version_variables = ["src/demo/__init__.py:__version__"]\n'
    )
    (repo.root / "wheel").mkdir()
    (repo.root / "wheel" / "pyproject.toml").write_text(
        '[project]\nname = "w"\nversion = "0.1.0"\n'
    )
    (repo.root / "src" / "demo").mkdir(parents=True)
    init = repo.root / "src" / "demo" / "__init__.py"
    init.write_text('__version__ = "0.1.0"\n')
    repo.build(["chore: version files", ("tag", "v0.1.0")])
    assert cli("current", "--project", str(repo.root), "--check").code == 0
    init.write_text('__version__ = "0.0.9"\n')
    result = cli("current", "--project", str(repo.root), "--check")
    assert result.code == 1
    assert "src/demo/__init__.py:__version__ says 0.0.9, pyproject.toml says 0.1.0" in result.err
    bumped = cli("bump", "patch", "--project", str(repo.root), "--json").json()
    assert bumped["new"] == "0.1.1"
    assert init.read_text() == '__version__ = "0.1.1"\n'
    assert 'version = "0.1.1"' in (repo.root / "wheel" / "pyproject.toml").read_text()


def test_current_check_fails_on_disagreement(repo: GitRepo, cli: Cli) -> None:
    repo.build([("tag", "v0.1.0"), "fix: later"])
    cli("bump", "patch", "--project", str(repo.root))
    result = cli("current", "--project", str(repo.root), "--check")
    assert result.code == 1
    assert "DISAGREE: pyproject.toml says 0.1.1, the tag says 0.1.0" in result.out
    assert result.err.count("\n") == 1


def test_current_follows_the_line_not_every_branch(repo: GitRepo, cli: Cli) -> None:
    repo.build(
        [
            ("tag", "v0.1.0"),
            ("branch", "old-maintenance"),
            "fix: x",
            ("tag", "v0.0.9"),
            ("checkout", "main"),
            "fix: y",
            ("branch", "release/v0.2.0"),
            "fix: z",
            ("tag", "v0.2.0"),
            ("checkout", "main"),
        ]
    )
    # the release branch forked from main after v0.1.0 holds main's latest release
    assert cli("current", "--project", str(repo.root), "--json").json()["tag"] == "v0.2.0"
    repo.build([("checkout", "old-maintenance")])
    # a maintenance branch forked before v0.2.0 stays on its own line
    assert cli("current", "--project", str(repo.root), "--json").json()["tag"] == "v0.1.0"


def test_bump_rewrites_only_the_version(repo: GitRepo, cli: Cli) -> None:
    before = (repo.root / "pyproject.toml").read_text()
    dry = cli("bump", "minor", "--dry-run", "--project", str(repo.root))
    assert dry.code == 0 and dry.out.startswith("0.1.0 -> 0.2.0")
    assert (repo.root / "pyproject.toml").read_text() == before
    result = cli("bump", "major", "--project", str(repo.root), "--json")
    assert result.json() == {"old": "0.1.0", "new": "1.0.0", "level": "major", "written": True}
    after = (repo.root / "pyproject.toml").read_text()
    assert after == before.replace('version = "0.1.0"', 'version = "1.0.0"')


def test_changelog_since_latest_tag(repo: GitRepo, cli: Cli) -> None:
    repo.build(
        [
            "feat: old feature",
            ("tag", "v0.1.0"),
            "fix(store): leak (#5)",
            "not conventional at all",
            "feat!: break it",
            "chore: tidy",
        ]
    )
    result = cli("changelog", "--project", str(repo.root))
    assert result.code == 0
    out = result.out
    assert out.startswith("## Changes since v0.1.0\n")
    order = [out.index(h) for h in ("### Breaking", "### Fixes", "### Chores", "### Other")]
    assert order == sorted(order)
    assert "old feature" not in out
    assert "- not conventional at all (" in out
    assert "**store:** leak (#5)" in out  # no repository URL known: no link


def test_changelog_links_refs_when_the_repository_is_known(tmp_path: Path, cli: Cli) -> None:
    pyproject = (
        "[project]\nname = 'demo'\nversion = '0.1.0'\n"
        "[tool.semantic_release.remote]\nurl = 'https://github.com/o/r.git'\n"
    )
    repo = GitRepo.create(tmp_path / "r", pyproject=pyproject)
    repo.build(["fix: leak (#5)"])
    out = cli("changelog", "--project", str(repo.root)).out
    assert "[#5](https://github.com/o/r/issues/5)" in out


def test_changelog_unknown_tag_names_the_closest(repo: GitRepo, cli: Cli) -> None:
    repo.build([("tag", "v0.3.9"), "fix: a", ("tag", "v0.3.10")])
    result = cli("changelog", "--since", "v0.3.8", "--project", str(repo.root))
    assert result.code == 2
    assert "unknown tag 'v0.3.8'" in result.err and "v0.3.9" in result.err
    assert result.err.count("\n") == 1


def test_changelog_since_tag_json(repo: GitRepo, cli: Cli) -> None:
    repo.build([("tag", "v0.3.9"), "fix: a", "feat: b"])
    data = cli("changelog", "--since", "v0.3.9", "--json", "--project", str(repo.root)).json()
    assert [c["subject"] for c in data["commits"]] == ["b", "a"]
    assert data["since"] == "v0.3.9"


@pytest.mark.parametrize(
    ("setup", "args", "message"),
    [
        ("no-git", ("current",), "not inside a git repository"),
        ("no-pyproject", ("current",), "pyproject.toml not found"),
        ("unreadable", ("current",), "cannot read"),
        ("no-commits", ("changelog",), "not a commit"),
        ("repo", ("post", "0.4.0", "one"), "not a whole number"),
        ("repo", ("validate", "0.4.0-post1"), "use '0.4.0.post1'"),
        ("repo", ("bump", "huge"), "invalid choice"),
        ("repo", ("verify", "bad name!", "1.0.0"), "not a valid distribution name"),
        ("repo", ("verify", "pkg", "1.0.0", "--index-url", "ftp://x"), "not an http(s) URL"),
        ("repo", ("verify", "pkg", "not-a-version"), "not a PEP 440 version"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    tmp_path: Path,
    cli: Cli,
    setup: str,
    args: tuple[str, ...],
    message: str,
) -> None:
    root = tmp_path / "p"
    root.mkdir()
    if setup == "no-git":
        (root / "pyproject.toml").write_text("[project]\nname='x'\nversion='1.0.0'\n")
    elif setup == "unreadable":
        GitRepo.create(root)
        (root / "pyproject.toml").unlink()
        (root / "pyproject.toml").mkdir()
    elif setup == "no-commits":
        subprocess.run(["git", "init", "-q", str(root)], check=True)
        (root / "pyproject.toml").write_text("[project]\nname='x'\nversion='1.0.0'\n")
    elif setup == "repo":
        GitRepo.create(root)
    elif setup == "no-pyproject":
        GitRepo.create(root)
        (root / "pyproject.toml").unlink()
    result = cli(*args, "--project", str(root))
    assert result.code == 2, result.err
    assert message in result.err
    assert result.err.count("\n") == 1 and "Traceback" not in result.err


def test_the_script_and_the_console_command_are_one_implementation(repo: GitRepo) -> None:
    repo.build(["feat: x", ("tag", "v0.1.0")])
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    script = [sys.executable, str(ROOT / "scripts" / "release_manager.py")]
    console = [str(Path(sys.executable).parent / "wheeltrain")]
    for args in (["current"], ["post", "0.4.0", "1"], ["validate", "0.4.0.post1", "--json"]):
        a = subprocess.run([*script, *args], cwd=repo.root, env=env, capture_output=True, text=True)
        b = subprocess.run(
            [*console, *args], cwd=repo.root, env=env, capture_output=True, text=True
        )
        assert (a.returncode, a.stdout) == (b.returncode, b.stdout)
        assert a.returncode == 0
    bad = subprocess.run([*script, "post", "0.4.0rc1", "1"], capture_output=True, text=True)
    assert bad.returncode == 2
    assert bad.stderr.startswith("release_manager.py: error: base '0.4.0rc1' is a pre release")


def test_the_script_runs_from_a_plain_checkout_without_install(repo: GitRepo) -> None:
    """`python scripts/release_manager.py` with an interpreter where wheeltrain is not installed."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run(
        [
            sys.executable,
            "-S",
            "-c",
            "import sys, runpy; sys.path.append(sys.argv[1]); sys.argv = sys.argv[2:]; "
            "runpy.run_path(sys.argv[0], run_name='__main__')",
            _site_packages_without_wheeltrain(),
            str(ROOT / "scripts" / "release_manager.py"),
            "post",
            "0.4.0",
            "2",
        ],
        cwd=repo.root,
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "0.4.0.post2\n"


def _site_packages_without_wheeltrain() -> str:
    import packaging

    return str(Path(packaging.__file__).resolve().parent.parent)


def test_changelog_all_puts_each_commit_in_the_first_release_that_contains_it(
    repo: GitRepo,
    cli: Cli,
) -> None:
    repo.build(
        [
            "feat: a",
            ("tag", "v0.1.0"),
            ("branch", "topic"),
            "fix: written early, merged late",
            ("checkout", "main"),
            "feat: b",
            ("tag", "v0.2.0"),
            ("merge", "topic"),
            ("tag", "v0.2.0.post1"),
            "docs: after everything",
        ]
    )
    data = cli("changelog", "--all", "--json", "--project", str(repo.root)).json()
    titles = [r["title"] for r in data["releases"]]
    assert titles == ["Unreleased", "v0.2.0.post1", "v0.2.0", "v0.1.0"]
    md = data["markdown"]
    early = md.index("written early, merged late")
    assert md.index("## v0.2.0.post1") < early < md.index("## v0.2.0\n")
    assert md.index("## Unreleased") < md.index("after everything") < md.index("## v0.2.0.post1")
    assert md.index("## v0.1.0") < md.index("- a (")
    assert cli("changelog", "--all", "--since", "v0.1.0", "--project", str(repo.root)).code == 2
