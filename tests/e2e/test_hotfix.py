"""Hotfix releases with real git, real semantic-release runs and real pip."""

from __future__ import annotations

import json
import subprocess
import sys
import venv
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.artifacts import make_wheel
from tests.support.cli import Cli
from tests.support.gitrepo import GitRepo
from tests.support.projects import psr_project
from tests.support.servers import LocalIndex, isolated_pip_env, local_index

NASTY = (
    'Fix the "leak" in `Store` -- $(touch /tmp/wheeltrain-pwned) `id` $HOME \\n\n'
    "## not a heading\n<!-- version list -->\n* a list item\n" + "long " * 2000
)


@pytest.fixture
def released(tmp_path: Path) -> GitRepo:
    """A project released as v0.4.0 through semantic-release's configuration."""
    files = psr_project(version="0.4.0")
    repo = GitRepo.create(tmp_path / "proj", pyproject=files["pyproject.toml"])
    repo.commit("chore: changelog", files={"CHANGELOG.md": files["CHANGELOG.md"]})
    repo.tag("v0.4.0")
    return repo


def hotfix(repo: GitRepo, cli: Cli, *args: str):  # type: ignore[no-untyped-def]
    return cli("hotfix", *args, "--project", str(repo.root))


def test_plan_picks_next_free_post_and_lists_commits(released: GitRepo, cli: Cli) -> None:
    released.build([("branch", "hotfix/v0.4.0"), "fix(store): leak (#7)", "docs: note"])
    data = hotfix(released, cli, "plan", "--base", "0.4.0", "--json").json()
    assert data["version"] == "0.4.0.post1" and data["tag"] == "v0.4.0.post1"
    assert [c["subject"] for c in data["commits"]] == ["note", "leak (#7)"]
    assert data["tracking_branch"] == "hotfix/v0.4.0.post1"
    assert "`pip install --upgrade` moves 0.4.0 to 0.4.0.post1" in data["audience"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--base", "0.4.0rc1"), "is a pre release"),
        (("--base", "0.4.0.post1"), "is a post release"),
        (("--base", "v0.4.0"), "not the canonical spelling"),
        (("--base", "0.3.0"), "there is no tag v0.3.0"),
        (
            ("--base", "0.4.0", "--post", "3"),
            "leaves a gap: the next post release of 0.4.0 is post1",
        ),
        (("--base", "0.4.0", "--post", "0"), "below 1"),
        (("--base", "0.4.0", "--post", "x"), "not a whole number"),
        (("--base", "0.4.0", "--ref", "nope"), "is not a commit"),
    ],
)
def test_plan_refuses_bad_input(
    released: GitRepo, cli: Cli, args: tuple[str, ...], message: str
) -> None:
    released.build(["fix: a"])
    result = hotfix(released, cli, "plan", *args)
    assert result.code == 2, result.err
    assert message in result.err
    assert result.err.count("\n") == 1


def test_plan_refuses_a_ref_without_the_base(released: GitRepo, cli: Cli) -> None:
    released.build([("branch", "old", "HEAD~1"), "fix: elsewhere"])
    result = hotfix(released, cli, "plan", "--base", "0.4.0")
    assert result.code == 2 and "does not contain v0.4.0" in result.err


def test_taken_post_numbers_are_refused(released: GitRepo, cli: Cli) -> None:
    released.build(["fix: a", ("tag", "v0.4.0.post1"), "fix: b"])
    result = hotfix(released, cli, "plan", "--base", "0.4.0", "--post", "1")
    assert result.code == 2 and "0.4.0.post1 exists already as a tag" in result.err
    assert hotfix(released, cli, "plan", "--base", "0.4.0", "--json").json()["post"] == 2


def test_post_numbers_on_the_index_are_taken(
    released: GitRepo,
    tmp_path: Path,
    index: LocalIndex,
    cli: Cli,
) -> None:
    index.upload(
        [
            make_wheel(tmp_path / "d", "demo", "0.4.0.post1"),
            make_wheel(tmp_path / "d", "demo", "0.4.0.post2"),
        ]
    )
    released.build(["fix: a"])
    data = hotfix(
        released, cli, "plan", "--base", "0.4.0", "--index-url", index.simple_url, "--json"
    ).json()
    assert data["post"] == 3
    refused = hotfix(
        released, cli, "plan", "--base", "0.4.0", "--post", "2", "--index-url", index.simple_url
    )
    assert refused.code == 2 and "exists already on the index" in refused.err


def test_features_are_refused_unless_allowed(released: GitRepo, cli: Cli) -> None:
    released.build(["fix: a", "feat(ep): a feature"])
    result = hotfix(released, cli, "plan", "--base", "0.4.0")
    assert result.code == 2 and "not a hotfix" in result.err and "--allow-features" in result.err
    assert hotfix(released, cli, "plan", "--base", "0.4.0", "--allow-features").code == 0


def test_plan_warns_when_a_newer_line_exists(released: GitRepo, cli: Cli) -> None:
    released.build(
        [
            ("branch", "hotfix/v0.4.0"),
            "fix: a",
            ("checkout", "main"),
            "feat: b",
            ("tag", "v0.5.0"),
            ("checkout", "hotfix/v0.4.0"),
        ]
    )
    data = hotfix(released, cli, "plan", "--base", "0.4.0", "--json").json()
    assert data["newer_release"] == "0.5.0"
    assert "`pip install --upgrade` users get 0.5.0, not 0.4.0.post1" in data["audience"]


def test_start_creates_the_maintenance_branch_once(released: GitRepo, cli: Cli) -> None:
    released.build(["feat: main moves on"])
    planned = hotfix(released, cli, "start", "--base", "0.4.0", "--dry-run")
    assert planned.out.strip() == "hotfix/v0.4.0 would be created at v0.4.0"
    assert released.git("branch", "--list", "hotfix/*") == ""  # a dry run changes nothing
    first = hotfix(released, cli, "start", "--base", "0.4.0", "--json").json()
    assert first == {
        "branch": "hotfix/v0.4.0",
        "created": True,
        "start": "v0.4.0",
        "dry_run": False,
    }
    assert released.git("rev-parse", "hotfix/v0.4.0") == released.git("rev-parse", "v0.4.0")
    again = hotfix(released, cli, "start", "--base", "0.4.0", "--json").json()
    assert again["created"] is False


def test_start_takes_the_maintenance_branch_origin_has(released: GitRepo, cli: Cli) -> None:
    """A fresh clone, or a workflow dispatched from the default branch, continues the fixes
    pushed to origin's maintenance branch instead of starting a new branch at the tag."""
    hotfix(released, cli, "start", "--base", "0.4.0", "--switch")
    released.build(["fix(store): a pushed fix"])
    fixed = released.git("rev-parse", "HEAD").strip()
    released.git("update-ref", "refs/remotes/origin/hotfix/v0.4.0", fixed)
    released.git("switch", "-q", "main")
    released.git("branch", "-q", "-D", "hotfix/v0.4.0")
    taken = hotfix(released, cli, "start", "--base", "0.4.0", "--switch")
    assert taken.code == 0, taken.err
    assert taken.out.strip() == "hotfix/v0.4.0 taken from origin/hotfix/v0.4.0"
    assert released.git("rev-parse", "HEAD").strip() == fixed


def test_release_stamps_changelogs_commits_tags_and_branches(released: GitRepo, cli: Cli) -> None:
    hotfix(released, cli, "start", "--base", "0.4.0", "--switch")
    released.build(["fix(store): leak (#7)"])
    result = hotfix(
        released,
        cli,
        "release",
        "--base",
        "0.4.0",
        "--post",
        "1",
        "--description",
        NASTY,
        "--no-push",
        "--json",
    )
    assert result.code == 0, result.err
    assert released.log_subjects()[0] == "chore(release): 0.4.0.post1"
    head = released.git("rev-parse", "HEAD")
    assert released.git("rev-parse", "v0.4.0.post1^{commit}") == head
    assert released.git("rev-parse", "hotfix/v0.4.0.post1") == head
    assert 'version = "0.4.0.post1"' in (released.root / "pyproject.toml").read_text()
    changelog = (released.root / "CHANGELOG.md").read_text()
    assert changelog.count("<!-- version list -->") == 1
    top = changelog.index("<!-- version list -->")
    section = changelog.index("## v0.4.0.post1 (")
    assert top < section
    assert (
        '> Fix the "leak" in `Store` -- $(touch /tmp/wheeltrain-pwned) `id` $HOME \\n' in changelog
    )
    assert "> ## not a heading" in changelog and "\n## not a heading" not in changelog
    assert "leak ([#7](https://github.com/example/demo/issues/7))" in changelog
    assert cli("current", "--check", "--project", str(released.root)).code == 0
    # the default branch, after the documented flow, is a state `current --check` accepts:
    # it keeps its own version, and names the post release made on the hotfix branch
    released.git("checkout", "-q", "main")
    on_main = cli("current", "--check", "--project", str(released.root))
    assert on_main.code == 0, on_main.out + on_main.err
    assert "in agreement" in on_main.out
    assert "v0.4.0.post1 was released from another branch" in on_main.out


def test_release_dry_run_changes_nothing(released: GitRepo, cli: Cli) -> None:
    released.build(["fix: a"])
    before = released.head()
    result = hotfix(released, cli, "release", "--base", "0.4.0", "--description", "x", "--dry-run")
    assert result.code == 0 and "dry run: would commit" in result.out
    assert released.head() == before and released.git("tag", "--list", "v0.4.0.post*") == ""


def test_release_needs_a_description(released: GitRepo, cli: Cli) -> None:
    released.build(["fix: a"])
    result = hotfix(released, cli, "release", "--base", "0.4.0", "--description", "  ")
    assert result.code == 2 and "--description is empty" in result.err


def _bare_origin(repo: GitRepo, tmp_path: Path) -> Path:
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", str(origin)], check=True)
    repo.git("remote", "add", "origin", str(origin))
    return origin


def _origin_refs(origin: Path) -> list[str]:
    return subprocess.run(
        ["git", "-C", str(origin), "for-each-ref", "--format=%(refname)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()


def _push_elsewhere(origin: Path, tmp_path: Path, branch: str, *refs: str) -> None:
    """Another clone commits on ``branch`` and pushes ``refs`` (a tag is made at its tip)."""
    other = tmp_path / "other"
    subprocess.run(["git", "clone", "-q", "-b", branch, str(origin), str(other)], check=True)
    ident = ["-c", "user.name=O", "-c", "user.email=o@example.com"]
    subprocess.run(["git", "-C", str(other), *ident, "commit", "-q", "--allow-empty", "-m",
                    "fix: pushed meanwhile"], check=True)  # fmt: skip
    for ref in refs:
        if ref.startswith("refs/tags/"):
            name = ref.removeprefix("refs/tags/")
            subprocess.run(["git", "-C", str(other), *ident, "tag", "-a", name, "-m", name],
                           check=True)  # fmt: skip
    subprocess.run(["git", "-C", str(other), "push", "-q", "origin", *refs], check=True)


def test_release_pushes_branch_tag_and_tracking_branch_atomically(
    released: GitRepo,
    tmp_path: Path,
    cli: Cli,
) -> None:
    origin = _bare_origin(released, tmp_path)
    hotfix(released, cli, "start", "--base", "0.4.0", "--switch")
    released.build(["fix: a"])
    # origin refuses every push (a protected branch): the atomic push fails as a whole
    hook = origin / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'protected branch' >&2\nexit 1\n")
    hook.chmod(0o755)
    failed = hotfix(released, cli, "release", "--base", "0.4.0", "--description", "fix a")
    assert failed.code == 1 and "git push failed" in failed.err
    assert _origin_refs(origin) == []
    # once origin takes pushes again, the re-run finishes the release cut before
    hook.unlink()
    again = hotfix(released, cli, "release", "--base", "0.4.0", "--description", "fix a", "--json")
    assert again.code == 0, again.err
    assert again.json()["resumed"] is True
    for ref in (
        "refs/heads/hotfix/v0.4.0",
        "refs/heads/hotfix/v0.4.0.post1",
        "refs/tags/v0.4.0.post1",
    ):
        assert ref in _origin_refs(origin)
    assert released.git("tag", "--list", "v0.4.0.post*").split() == ["v0.4.0.post1"]


@pytest.mark.fault
@pytest.mark.parametrize(
    ("case", "says"),
    [
        ("tag", "origin has the tag v0.4.0.post1 already"),
        ("tracking branch", "origin has the branch hotfix/v0.4.0.post1 already"),
        ("moved", "origin/hotfix/v0.4.0 moved on"),
    ],
)
def test_what_origin_would_refuse_stops_the_hotfix_before_anything_is_made(
    released: GitRepo, tmp_path: Path, cli: Cli, case: str, says: str
) -> None:
    origin = _bare_origin(released, tmp_path)
    hotfix(released, cli, "start", "--base", "0.4.0", "--switch")
    released.git("push", "-q", "origin", "hotfix/v0.4.0")
    released.build(["fix: a"])
    refs = {
        "tag": ["refs/tags/v0.4.0.post1"],
        "tracking branch": ["HEAD:refs/heads/hotfix/v0.4.0.post1"],
        "moved": ["hotfix/v0.4.0"],
    }[case]
    _push_elsewhere(origin, tmp_path, "hotfix/v0.4.0", *refs)
    before = released.head()
    failed = hotfix(released, cli, "release", "--base", "0.4.0", "--description", "fix a")
    assert failed.code == 1, failed.err
    assert says in failed.err and "nothing was made" in failed.err
    assert released.head() == before
    assert released.git("tag", "--list", "v0.4.0.post*") == ""
    assert released.git("branch", "--list", "hotfix/v0.4.0.post1") == ""


@pytest.mark.fault
def test_a_hotfix_cut_that_origin_can_no_longer_take_is_removed(
    released: GitRepo, tmp_path: Path, cli: Cli
) -> None:
    """A run cut v0.4.0.post1 without pushing; meanwhile the hotfix branch moved on origin.
    The re-run removes the cut; after a pull the hotfix is released from origin's tip."""
    origin = _bare_origin(released, tmp_path)
    hotfix(released, cli, "start", "--base", "0.4.0", "--switch")
    released.git("push", "-q", "origin", "hotfix/v0.4.0")
    released.build(["fix: a"])
    before = released.head()
    cut = hotfix(released, cli, "release", "--base", "0.4.0", "--description", "fix a",
                 "--no-push")  # fmt: skip
    assert cut.code == 0, cut.err
    _push_elsewhere(origin, tmp_path, "hotfix/v0.4.0", "hotfix/v0.4.0")
    rerun = hotfix(released, cli, "release", "--base", "0.4.0", "--description", "fix a")
    assert rerun.code == 1
    assert "cut by an earlier run cannot be pushed" in rerun.err
    assert released.head() == before
    assert released.git("tag", "--list", "v0.4.0.post*") == ""
    assert released.git("branch", "--list", "hotfix/v0.4.0.post1") == ""
    released.git("pull", "-q", "--no-rebase", "origin", "hotfix/v0.4.0")
    done = hotfix(released, cli, "release", "--base", "0.4.0", "--description", "fix a", "--json")
    assert done.code == 0, done.err
    assert done.json()["resumed"] is False
    assert "refs/tags/v0.4.0.post1" in _origin_refs(origin)
    # the release sits on top of what origin had: the commit pushed meanwhile is in it
    assert "fix: pushed meanwhile" in released.git("log", "--format=%s", "v0.4.0.post1")


def semantic_release_next(repo: GitRepo) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "semantic_release", "--noop", "version", "--print"],
        cwd=repo.root,
        capture_output=True,
        text=True,
        check=True,
    )
    return proc.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize("where", ["hotfix-branch", "main"])
@pytest.mark.parametrize(
    ("main_commit", "expected"), [("fix: on main", "0.4.1"), ("feat: on main", "0.5.0")]
)
def test_monthly_release_after_a_hotfix(
    released: GitRepo,
    cli: Cli,
    where: str,
    main_commit: str,
    expected: str,
) -> None:
    if where == "hotfix-branch":
        hotfix(released, cli, "start", "--base", "0.4.0", "--switch")
    released.build(["fix(store): the hotfix"])
    assert (
        hotfix(
            released, cli, "release", "--base", "0.4.0", "--description", "urgent", "--no-push"
        ).code
        == 0
    )
    if where == "hotfix-branch":
        assert cli("current", "--json", "--project", str(released.root)).json()["version"] == (
            "0.4.0.post1"
        )
        released.build([("checkout", "main"), ("merge", "hotfix/v0.4.0")])
    released.build([main_commit])
    assert semantic_release_next(released) == expected
    plan = cli("plan", "--json", "--project", str(released.root)).json()
    assert (plan["last_tag"], plan["next_version"]) == ("v0.4.0", expected)
    monthly = cli("release", "monthly", "--no-push", "--project", str(released.root))
    assert monthly.code == 0, monthly.err
    changelog = (released.root / "CHANGELOG.md").read_text()
    new, hot = changelog.index(f"## v{expected} ("), changelog.index("## v0.4.0.post1 (")
    assert changelog.index("<!-- version list -->") < new < hot
    assert 'version = "' + expected + '"' in (released.root / "pyproject.toml").read_text()


def test_second_hotfix_on_top_of_the_first(released: GitRepo, cli: Cli) -> None:
    hotfix(released, cli, "start", "--base", "0.4.0", "--switch")
    released.build(["fix: first"])
    assert (
        hotfix(
            released, cli, "release", "--base", "0.4.0", "--description", "one", "--no-push"
        ).code
        == 0
    )
    released.build(["fix: second"])
    plan = hotfix(released, cli, "plan", "--base", "0.4.0", "--json").json()
    assert (plan["post"], plan["previous_tag"]) == (2, "v0.4.0.post1")
    assert [c["subject"] for c in plan["commits"]] == ["second"]
    assert (
        hotfix(
            released, cli, "release", "--base", "0.4.0", "--description", "two", "--no-push"
        ).code
        == 0
    )
    changelog = (released.root / "CHANGELOG.md").read_text()
    assert changelog.index("## v0.4.0.post2 (") < changelog.index("## v0.4.0.post1 (")
    assert cli("current", "--json", "--project", str(released.root)).json()["tag"] == "v0.4.0.post2"
    assert cli("post", "0.4.0", "1").out == "0.4.0.post1\n"


# --- what users are told: PEP 440 post releases as real pip resolves them -----------------


@pytest.fixture(scope="module")
def pip_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalIndex, Path]]:
    tmp = tmp_path_factory.mktemp("pep440")
    with local_index(tmp / "packages") as server:
        server.upload([make_wheel(tmp / "dist", "hotfixdemo", v) for v in ("0.4.0", "0.4.0.post1")])
        env_dir = tmp / "venv"
        venv.create(env_dir, with_pip=True)
        yield server, env_dir


def resolve(index: LocalIndex, env_dir: Path, *args: str) -> str | None:
    proc = subprocess.run(
        [
            str(env_dir / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--dry-run",
            "--quiet",
            "--report",
            "-",
            "--index-url",
            index.simple_url,
            *args,
        ],
        env=isolated_pip_env(),
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        return None
    items = json.loads(proc.stdout)["install"]
    return items[0]["metadata"]["version"] if items else "already installed"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("==0.4.0", "0.4.0"),
        ("<=0.4.0", "0.4.0"),
        ("==0.4.0.*", "0.4.0.post1"),
        ("~=0.4.0", "0.4.0.post1"),
        (">=0.4.0,<0.4.1", "0.4.0.post1"),
        (">0.4.0", None),
    ],
)
def test_pip_specifiers_and_post_releases(
    pip_index: tuple[LocalIndex, Path], spec: str, expected: str | None
) -> None:
    index, env_dir = pip_index
    assert resolve(index, env_dir, f"hotfixdemo{spec}") == expected


@pytest.mark.slow
def test_upgrade_reaches_the_post_release_only_while_it_is_newest(
    index: LocalIndex, tmp_path: Path
) -> None:
    index.upload([make_wheel(tmp_path, "hotfixdemo", v) for v in ("0.4.0", "0.4.0.post1")])
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = str(env_dir / "bin" / "python")
    subprocess.run(
        [
            python,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--index-url",
            index.simple_url,
            "hotfixdemo==0.4.0",
        ],
        env=isolated_pip_env(),
        check=True,
    )
    assert resolve(index, env_dir, "--upgrade", "hotfixdemo") == "0.4.0.post1"
    index.upload([make_wheel(tmp_path, "hotfixdemo", "0.5.0")])
    assert resolve(index, env_dir, "--upgrade", "hotfixdemo") == "0.5.0"
