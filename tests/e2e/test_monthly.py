"""`wheeltrain plan` and `wheeltrain release monthly` with real git and real semantic-release."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.support.cli import Cli
from tests.support.gitrepo import GitRepo, released_repo


@pytest.fixture
def psr_repo(tmp_path: Path) -> GitRepo:
    return released_repo(tmp_path / "proj")


def test_plan_names_last_release_level_causes_and_next(psr_repo: GitRepo, cli: Cli) -> None:
    psr_repo.build(["fix(store): leak", "feat(ep): expert parallelism", "docs: words"])
    result = cli("plan", "--project", str(psr_repo.root))
    assert result.code == 0, result.err
    out = result.out
    assert "last release: v0.3.9" in out
    assert "level: minor" in out and "feat(ep): expert parallelism" in out
    assert "next version: 0.4.0 (tag v0.4.0)" in out
    assert "### Features" in out and "### Fixes" in out


def test_nothing_releasable_is_a_clean_no(psr_repo: GitRepo, cli: Cli) -> None:
    psr_repo.build(["docs: a", "chore: b", "ci: c", "test: d", "style: e"])
    result = cli("plan", "--json", "--project", str(psr_repo.root))
    assert result.code == 0
    data = result.json()
    assert data["release"] is False and data["next_version"] is None
    assert "nothing releasable" in cli("plan", "--project", str(psr_repo.root)).out


def test_forced_level_always_releases(psr_repo: GitRepo, cli: Cli) -> None:
    psr_repo.build(["docs: only docs"])
    data = cli("plan", "--level", "major", "--json", "--project", str(psr_repo.root)).json()
    assert (data["release"], data["next_version"], data["forced"]) == (True, "1.0.0", True)


def test_breaking_change_below_one_bumps_minor(psr_repo: GitRepo, cli: Cli) -> None:
    psr_repo.build(["feat!: new format"])
    assert cli("plan", "--json", "--project", str(psr_repo.root)).json()["next_version"] == "0.4.0"


def test_hotfix_and_prerelease_tags_are_not_the_base(psr_repo: GitRepo, cli: Cli) -> None:
    psr_repo.build(["fix: a", ("tag", "v0.3.9.post1"), ("tag", "v0.4.0-rc.1"), "fix: b"])
    data = cli("plan", "--json", "--project", str(psr_repo.root)).json()
    assert data["last_tag"] == "v0.3.9" and data["next_version"] == "0.3.10"


def test_a_release_branch_tag_is_the_base_and_existing_versions_are_stepped_over(
    psr_repo: GitRepo, cli: Cli
) -> None:
    # v0.3.10 was cut on a branch forked after v0.3.9: main's next release follows it.
    psr_repo.build(
        [
            "fix: on main first",
            ("branch", "release/v0.3.10"),
            "fix: x",
            ("tag", "v0.3.10"),
            ("checkout", "main"),
        ]
    )
    psr_repo.build(["fix: y"])
    plan = cli("plan", "--json", "--project", str(psr_repo.root)).json()
    assert (plan["last_tag"], plan["next_version"]) == ("v0.3.10", "0.3.11")
    # A stray tag of the next version on a branch forked before the base is stepped over.
    psr_repo.build(
        [("branch", "stray", "v0.3.9~1"), "fix: z", ("tag", "v0.3.11"), ("checkout", "main")]
    )
    again = cli("plan", "--json", "--project", str(psr_repo.root)).json()
    assert (again["last_tag"], again["next_version"]) == ("v0.3.10", "0.3.12")
    assert "0.3.11 exist already" in again["reason"]


def test_release_monthly_stamps_changelog_commits_and_tags(psr_repo: GitRepo, cli: Cli) -> None:
    psr_repo.build(["feat(ep): expert parallelism (#12)", "fix: leak"])
    # the dry run makes the real run's checks: without an origin, only --no-push can run
    pushing = cli("release", "monthly", "--dry-run", "--project", str(psr_repo.root))
    assert pushing.code == 2 and "no remote named 'origin'" in pushing.err
    dry = cli("release", "monthly", "--dry-run", "--no-push", "--project", str(psr_repo.root))
    assert dry.code == 0 and "would cut 0.4.0 (stamp, write the changelog" in dry.out
    assert "(`semantic-release --noop version --print` agrees: 0.4.0)" in dry.out
    pyproject = psr_repo.root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + "# an edit not committed\n")
    dirty = cli("release", "monthly", "--dry-run", "--no-push", "--project", str(psr_repo.root))
    assert dirty.code == 2 and "has uncommitted changes" in dirty.err  # as the real run says
    psr_repo.git("checkout", "--", ".")
    assert psr_repo.git("tag", "--list", "v0.4.0") == ""
    result = cli("release", "monthly", "--no-push", "--json", "--project", str(psr_repo.root))
    assert result.code == 0, result.err
    data = result.json()
    assert (data["version"], data["tag"], data["pushed"]) == ("0.4.0", "v0.4.0", False)
    assert data["proven_by"] == "semantic-release"
    assert psr_repo.log_subjects()[0] == "chore(release): 0.4.0"
    assert psr_repo.git("rev-parse", "v0.4.0^{commit}") == psr_repo.git("rev-parse", "HEAD")
    assert 'version = "0.4.0"' in (psr_repo.root / "pyproject.toml").read_text()
    changelog = (psr_repo.root / "CHANGELOG.md").read_text()
    assert "## v0.4.0" in changelog and "- **ep:** expert parallelism" in changelog
    assert "<!-- version list -->" in changelog
    again = cli("plan", "--json", "--project", str(psr_repo.root)).json()
    assert again["release"] is False and again["last_tag"] == "v0.4.0"


def test_release_monthly_pushes_commit_and_tag_atomically(
    psr_repo: GitRepo,
    tmp_path: Path,
    cli: Cli,
) -> None:
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", str(origin)], check=True)
    psr_repo.git("remote", "add", "origin", str(origin))
    psr_repo.git("push", "-q", "origin", "main", "v0.3.9")
    psr_repo.build(["fix: leak"])
    result = cli("release", "monthly", "--project", str(psr_repo.root))
    assert result.code == 0, result.err
    remote = subprocess.run(
        ["git", "-C", str(origin), "for-each-ref", "--format=%(refname)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert "refs/tags/v0.3.10" in remote
    assert (
        subprocess.run(
            ["git", "-C", str(origin), "log", "-1", "--format=%s", "main"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        == "chore(release): 0.3.10"
    )


def test_disagreement_stops_before_anything_is_pushed(psr_repo: GitRepo, cli: Cli) -> None:
    """Parser options that make semantic-release read a fix as a minor release: it would cut
    0.4.0 where the plan says 0.3.10, so its commit and tag are removed again."""
    pyproject = psr_repo.root / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text()
        + '\n[tool.semantic_release.commit_parser_options]\nminor_tags = ["feat", "fix"]\n'
    )
    psr_repo.build(["chore: parser options", "fix: on main"])
    before = psr_repo.head()
    # the dry run makes the same check, and fails the same way
    dry = cli("release", "monthly", "--no-push", "--dry-run", "--project", str(psr_repo.root))
    assert dry.code == 1 and "semantic-release and the plan disagree" in dry.err
    result = cli("release", "monthly", "--no-push", "--project", str(psr_repo.root))
    assert result.code == 1
    assert "semantic-release and the plan disagree" in result.err
    assert psr_repo.head() == before
    assert psr_repo.git("tag", "--list", "v0.4.0", "v0.3.10") == ""
    assert psr_repo.git("status", "--porcelain", "--untracked-files=no") == ""


def test_dirty_tree_is_refused(psr_repo: GitRepo, cli: Cli) -> None:
    psr_repo.build(["fix: a"])
    (psr_repo.root / "pyproject.toml").write_text(
        (psr_repo.root / "pyproject.toml").read_text() + "\n# edited\n"
    )
    result = cli("release", "monthly", "--no-push", "--project", str(psr_repo.root))
    assert result.code == 2 and "uncommitted changes" in result.err


def test_plan_on_this_repository_works(cli: Cli) -> None:
    root = Path(__file__).resolve().parents[2]
    if not (root / ".git").exists():
        pytest.skip("not a git checkout of wheeltrain (no .git)")
    result = cli("plan", "--json", "--project", str(root))
    assert result.code == 0, result.err
    assert isinstance(result.json()["release"], bool)


def test_a_rerun_pushes_what_a_failed_push_left_behind(
    psr_repo: GitRepo,
    tmp_path: Path,
    cli: Cli,
) -> None:
    psr_repo.build(["fix: leak"])
    missing = tmp_path / "not-there-yet.git"
    psr_repo.git("remote", "add", "origin", str(missing))
    failed = cli("release", "monthly", "--project", str(psr_repo.root))
    assert failed.code == 1 and "git push failed" in failed.err
    assert psr_repo.git("tag", "--points-at", "HEAD").split() == ["v0.3.10"]
    subprocess.run(["git", "init", "-q", "--bare", str(missing)], check=True)
    again = cli("release", "monthly", "--json", "--project", str(psr_repo.root))
    assert again.code == 0, again.err
    data = again.json()
    assert (data["resumed"], data["pushed"], data["tag"]) == (True, True, "v0.3.10")
    tags = subprocess.run(
        ["git", "-C", str(missing), "tag"], capture_output=True, text=True, check=True
    ).stdout.split()
    assert tags == ["v0.3.10"]


def _origin(psr_repo: GitRepo, tmp_path: Path) -> Path:
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", str(origin)], check=True)
    psr_repo.git("remote", "add", "origin", str(origin))
    psr_repo.git("push", "-q", "origin", "main", "v0.3.9")
    return origin


def _push_from_elsewhere(origin: Path, tmp_path: Path, *refs: str, tag: str | None = None) -> None:
    other = tmp_path / "other"
    subprocess.run(["git", "clone", "-q", "-b", "main", str(origin), str(other)], check=True)
    ident = ["-c", "user.name=O", "-c", "user.email=o@example.com"]
    subprocess.run(["git", "-C", str(other), *ident, "commit", "-q", "--allow-empty", "-m",
                    "fix: pushed meanwhile"], check=True)  # fmt: skip
    if tag:
        subprocess.run(["git", "-C", str(other), *ident, "tag", "-a", tag, "-m", tag], check=True)
    subprocess.run(["git", "-C", str(other), "push", "-q", "origin", *refs], check=True)


@pytest.mark.fault
@pytest.mark.parametrize(
    ("case", "says"),
    [
        ("the tag exists on origin", "origin has the tag v0.3.10 already"),
        ("origin moved on", "origin/main moved on"),
    ],
)
def test_what_origin_would_refuse_stops_the_release_before_anything_is_made(
    psr_repo: GitRepo, tmp_path: Path, cli: Cli, case: str, says: str
) -> None:
    origin = _origin(psr_repo, tmp_path)
    psr_repo.build(["fix: leak"])
    if case == "the tag exists on origin":
        _push_from_elsewhere(origin, tmp_path, "refs/tags/v0.3.10", tag="v0.3.10")
    else:
        _push_from_elsewhere(origin, tmp_path, "main")
    before = psr_repo.head()
    result = cli("release", "monthly", "--project", str(psr_repo.root))
    assert result.code == 1
    assert says in result.err and "nothing was made; pull, then run the release again" in result.err
    assert psr_repo.head() == before
    assert psr_repo.git("tag", "--list", "v0.3.10") == ""


@pytest.mark.fault
def test_a_cut_that_origin_can_no_longer_take_is_removed_and_the_rerun_starts_clean(
    psr_repo: GitRepo, tmp_path: Path, cli: Cli
) -> None:
    """An earlier run cut v0.3.10 but did not push; meanwhile origin moved on. The re-run
    cannot push that cut: it removes it, and the run after a pull releases from origin's tip."""
    origin = _origin(psr_repo, tmp_path)
    psr_repo.build(["fix: leak"])
    before = psr_repo.head()
    cut = cli("release", "monthly", "--no-push", "--project", str(psr_repo.root))
    assert cut.code == 0, cut.err
    _push_from_elsewhere(origin, tmp_path, "main")
    rerun = cli("release", "monthly", "--project", str(psr_repo.root))
    assert rerun.code == 1
    assert "cut by an earlier run cannot be pushed" in rerun.err
    assert psr_repo.head() == before and psr_repo.git("tag", "--list", "v0.3.10") == ""
    psr_repo.git("pull", "-q", "--no-rebase", "origin", "main")
    finished = cli("release", "monthly", "--json", "--project", str(psr_repo.root))
    assert finished.code == 0, finished.err
    assert finished.json()["tag"] == "v0.3.10"
    remote = subprocess.run(["git", "-C", str(origin), "tag"], capture_output=True, text=True)
    assert "v0.3.10" in remote.stdout.split()


@pytest.mark.fault
def test_a_rerun_after_a_push_that_landed_changes_nothing(
    psr_repo: GitRepo, tmp_path: Path, cli: Cli
) -> None:
    origin = _origin(psr_repo, tmp_path)
    psr_repo.build(["fix: leak"])
    first = cli("release", "monthly", "--project", str(psr_repo.root))
    assert first.code == 0, first.err
    _push_from_elsewhere(origin, tmp_path, "main")  # others build on the release
    again = cli("release", "monthly", "--json", "--project", str(psr_repo.root))
    assert again.code == 0, again.err
    assert psr_repo.git("tag", "--points-at", "HEAD").split() == ["v0.3.10"]


@pytest.mark.fault
def test_a_hook_that_refuses_the_release_commit_leaves_nothing_behind(
    psr_repo: GitRepo, cli: Cli
) -> None:
    """The release commit is refused by the repository's pre-commit hook: the stamped
    files and the changelog are put back, no tag is left, and a re-run without the hook
    releases."""
    psr_repo.build(["fix: leak"])
    hook = psr_repo.root / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho 'refused by the hook' >&2\nexit 1\n")
    hook.chmod(0o755)
    before = psr_repo.head()
    failed = cli("release", "monthly", "--no-push", "--project", str(psr_repo.root))
    assert failed.code == 1
    assert "\n" not in failed.err.strip()
    assert psr_repo.head() == before
    assert psr_repo.git("status", "--porcelain") == ""
    assert psr_repo.git("tag", "--list", "v0.3.10") == ""
    hook.unlink()
    again = cli("release", "monthly", "--no-push", "--json", "--project", str(psr_repo.root))
    assert again.code == 0, again.err
    assert again.json()["tag"] == "v0.3.10"


def test_a_clone_with_only_a_post_release_tag_gets_advice_that_works(
    tmp_path: Path, cli: Cli
) -> None:
    """The tag named in the advice must be one that is missing: a post release's tag that is
    there already is no answer; the final release's tag is."""
    repo = GitRepo.create(tmp_path / "p", version="0.3.12.post1")
    repo.build(["fix: a", ("tag", "v0.3.12.post1"), "fix: b"])
    result = cli("plan", "--project", str(repo.root))
    assert result.code == 2
    assert "v0.3.12.post1 is there" in result.err
    assert "tag 0.3.12's commit as v0.3.12" in result.err
    fresh = GitRepo.create(tmp_path / "q", version="0.3.12")
    fresh.build(["fix: a"])
    advice = cli("plan", "--project", str(fresh.root)).err
    assert "tag the last release's commit as v0.3.12" in advice


def test_a_repository_without_origin_is_released_and_says_semantic_release_did_not_check(
    tmp_path: Path, cli: Cli
) -> None:
    """semantic-release needs origin's URL even for ``--noop version --print``: with neither an
    origin nor [tool.semantic_release.remote] url, wheeltrain still cuts the release (its cut
    needs no remote) and says, in the dry run and in the result, that nothing proved the plan."""
    repo = GitRepo.create(tmp_path / "p", version="0.4.0")
    repo.build([("tag", "v0.4.0"), "fix: a"])
    head = repo.git("rev-parse", "HEAD")
    tag = cli("plan", "--json", "--project", str(repo.root)).json()["next_tag"]
    dry = cli("release", "monthly", "--no-push", "--dry-run", "--project", str(repo.root))
    assert dry.code == 0, dry.err
    assert "without semantic-release's check (no origin" in dry.out
    assert repo.git("rev-parse", "HEAD") == head and repo.git("tag", "--list", tag) == ""
    made = cli("release", "monthly", "--no-push", "--json", "--project", str(repo.root))
    assert made.code == 0, made.err
    assert (made.json()["tag"], made.json()["proven_by"]) == (tag, None)
    assert repo.git("rev-parse", f"{tag}^{{commit}}") == repo.git("rev-parse", "HEAD")
