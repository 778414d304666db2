"""The whole train on a repository shaped like the first user's: release branches, cherry-picks
both ways, a post release on ``main`` that does not contain its base tag, mostly free-form
messages, merges, squashes, two version files, an existing ``.gitignore`` with ``build/``, a
commented ``.pre-commit-config.yaml`` and token-based tag workflows — with no hand edit."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.support.cli import Cli
from tests.support.gitrepo import GitRepo
from tests.support.realshape import PRE_COMMIT, add_post_release, mooncake_shaped

pytestmark = pytest.mark.slow


def adopt(repo: GitRepo, cli: Cli) -> dict[str, object]:
    result = cli("init", "--profile", "mooncake", "--json", "--project", str(repo.root))
    assert result.code == 0, result.err
    repo.git("add", "-A")
    repo.git("commit", "-q", "--no-verify", "-m", "[CI] adopt wheeltrain")
    report: dict[str, object] = result.json()
    return report


def entries(text: str) -> list[str]:
    """The short shas a changelog section or a set of notes lists, one per entry."""
    return re.findall(r"^- .* \(([0-9a-f]{7})\)$", text, flags=re.MULTILINE)


def test_init_on_a_real_layout_reports_and_writes_nothing_hidden(tmp_path: Path, cli: Cli) -> None:
    repo = mooncake_shaped(tmp_path / "mc")
    report = adopt(repo, cli)
    found = report["found"]
    assert isinstance(found, dict)
    assert found["version locations"] == [
        "pyproject.toml:project.version",
        "mooncake-wheel/pyproject.toml:project.version",
        "mooncake-wheel/mooncake/_version.py:__version__",
    ]
    assert found["workflows a release tag starts"] == [".github/workflows/release-non-cuda.yaml"]
    assert found["workflows using a PyPI API token"] == [".github/workflows/release-non-cuda.yaml"]
    assert found["other distributions"] == ["mooncake-transfer-engine-npu"]
    todo = " ".join(str(t) for t in report["todo"])  # type: ignore[attr-defined]
    assert "GITHUB_TOKEN, which starts no workflow" in todo and "trusted-publishers" in todo
    # Nothing init wrote is hidden by the project's ignore rules (it ignores build/).
    written = [w for w in report["written"] if not w.startswith("pyproject.toml [")]  # type: ignore[attr-defined]
    assert ".github/actions/wheeltrain-build/action.yml" in written
    assert repo.git("check-ignore", "--no-index", *written, check=False) == ""
    assert repo.git("status", "--porcelain") == ""  # all of it was committed: none ignored
    # The existing hook configuration kept every byte; the commit-msg hook was added.
    config = (repo.root / ".pre-commit-config.yaml").read_text()
    kept = iter(config.splitlines())
    assert all(line in kept for line in PRE_COMMIT.splitlines())
    assert "cz check --commit-msg-file" in config
    assert "default_install_hook_types: [pre-commit, commit-msg]" in config
    assert (repo.root / ".github/workflows/pr-title.yaml").is_file()
    # The profile's smoke commands use what the package provides.
    assert "mooncake.__version__" not in (repo.root / "pyproject.toml").read_text()
    assert cli("current", "--check", "--project", str(repo.root)).code == 0
    # A second init adds the hook only once.
    again = cli("init", "--profile", "mooncake", "--json", "--project", str(repo.root)).json()
    assert ".pre-commit-config.yaml" in again["kept"]


def test_current_check_fails_when_one_version_file_disagrees(tmp_path: Path, cli: Cli) -> None:
    repo = mooncake_shaped(tmp_path / "mc")
    adopt(repo, cli)
    (repo.root / "mooncake-wheel" / "pyproject.toml").write_text(
        '[project]\nname = "mooncake-transfer-engine"\nversion = "0.3.11"\n'
    )
    result = cli("current", "--check", "--project", str(repo.root))
    assert result.code == 1
    assert "mooncake-wheel/pyproject.toml:project.version says 0.3.11" in result.err


def test_plan_on_main_takes_the_release_branch_base_and_skips_picked_commits(
    tmp_path: Path, cli: Cli
) -> None:
    repo = mooncake_shaped(tmp_path / "mc")
    adopt(repo, cli)
    plan = cli("plan", "--json", "--project", str(repo.root)).json()
    assert plan["last_tag"] == "v0.3.12" and plan["base_reachable"] is False
    assert plan["next_version"] == "0.3.13"  # fixes only: a patch, never an error
    subjects = [c["subject"] for c in plan["commits"]]
    # picked into the release before the tag: shipped in 0.3.12, not listed again
    assert "[TE] fix a crash that 0.3.12 must not ship with" not in subjects
    expected = repo.git(
        "log", "--format=%s", "--cherry-pick", "--right-only", "v0.3.12...HEAD"
    ).splitlines()
    assert len(plan["commits"]) == len(expected)
    assert "[CI] adopt wheeltrain" in subjects


def test_monthly_and_hotfix_on_the_real_shape_with_no_hand_edit(tmp_path: Path, cli: Cli) -> None:
    repo = mooncake_shaped(tmp_path / "mc")
    add_post_release(repo)
    adopt(repo, cli)
    root = str(repo.root)
    current = cli("current", "--json", "--project", root).json()
    plan = cli("plan", "--json", "--project", root).json()
    assert current["tag"] == plan["last_release"] == "v0.3.12.post1"
    assert plan["last_tag"] == "v0.3.12" and plan["next_version"] == "0.3.13"
    shipped = set(repo.git("rev-list", "v0.3.12.post1").split())
    assert not shipped & {c["sha"] for c in plan["commits"]}
    # The monthly release: exactly the planned version, every commit once in the changelog.
    result = cli("release", "monthly", "--no-push", "--json", "--project", root)
    assert result.code == 0, result.err
    assert result.json()["version"] == "0.3.13"
    assert repo.git("describe", "--tags", "--exact-match", "HEAD").strip() == "v0.3.13"
    for rel in ("pyproject.toml", "mooncake-wheel/pyproject.toml"):
        assert 'version = "0.3.13"' in (repo.root / rel).read_text(), rel
    assert (repo.root / "mooncake-wheel/mooncake/_version.py").read_text() == (
        '__version__ = "0.3.13"\n'
    )
    changelog = (repo.root / "CHANGELOG.md").read_text()
    section = changelog.split("## v0.3.13 (", 1)[1]
    listed = entries(section)
    git_commits = [c for c in plan["commits"] if not c["merge"]]
    parts = sum(1 for c in git_commits if "squash of several fixes" in c["subject"])
    assert sorted(set(listed)) == sorted({c["sha"][:7] for c in git_commits})
    assert len(listed) == len(git_commits) + parts  # a squash lists its parts as well
    assert entries(plan["notes"]) == listed  # the release notes and the file agree
    assert "### Other" in section
    assert cli("current", "--check", "--project", root).code == 0
    # A hotfix of 0.3.12 starts from the line's newest release, post1, cut from main.
    start = cli("hotfix", "start", "--base", "0.3.12", "--switch", "--json", "--project", root)
    assert start.code == 0, start.err
    assert start.json()["start"] == "v0.3.12.post1"
    # post1 predates the adoption: the line takes wheeltrain's settings with one cherry-pick
    log = repo.git("log", "--format=%H %s", "main").splitlines()
    adoption = next(line.split()[0] for line in log if line.endswith(" [CI] adopt wheeltrain"))
    repo.build([("pick", adoption)])
    repo.commit("[TE] fix the crash on the 0.3.12 line")
    released = cli(
        "hotfix", "release", "--base", "0.3.12", "--description", "Fixes a crash.",
        "--no-push", "--json", "--project", root,
    )  # fmt: skip
    assert released.code == 0, released.err
    assert released.json()["version"] == "0.3.12.post2"
    hot = (repo.root / "CHANGELOG.md").read_text()
    top = hot.split("<!-- version list -->", 1)[1].lstrip("\n")
    assert top.startswith("## v0.3.12.post2 (")  # the same document, the same headings
    post2 = top.split("\n## ", 1)[0]
    assert "### Other\n\n- \\[TE\\] fix the crash on the 0.3.12 line (" in post2  # one style
    for rel in ("pyproject.toml", "mooncake-wheel/pyproject.toml"):
        assert 'version = "0.3.12.post2"' in (repo.root / rel).read_text(), rel


def test_hotfix_from_the_release_branch_and_from_a_tag_not_on_main(
    tmp_path: Path, cli: Cli
) -> None:
    repo = mooncake_shaped(tmp_path / "mc")
    adopt(repo, cli)
    root = str(repo.root)
    assert "v0.3.12" not in repo.git("tag", "--merged", "main").split()
    started = cli("hotfix", "start", "--base", "0.3.12", "--json", "--project", root).json()
    assert started == {
        "branch": "hotfix/v0.3.12",
        "created": True,
        "start": "v0.3.12",
        "dry_run": False,
    }
    repo.build([("checkout", "release/v0.3.12"), "[Store] a fix made on the release branch"])
    plan = cli("hotfix", "plan", "--base", "0.3.12", "--json", "--project", root)
    assert plan.code == 0, plan.err
    assert plan.json()["version"] == "0.3.12.post1"
    assert [c["subject"] for c in plan.json()["commits"]] == [
        "[Store] a fix made on the release branch"
    ]
    # init's files live on main; the release branch stamps with the settings it has.
    subprocess.run(
        ["git", "-C", root, "checkout", "-q", "main", "--", "pyproject.toml"], check=True
    )
    subprocess.run(
        ["git", "-C", root, "commit", "-q", "--no-verify", "-m", "[CI] release settings"],
        check=True,
    )
    made = cli(
        "hotfix", "release", "--base", "0.3.12", "--description", "From the release branch.",
        "--no-push", "--json", "--project", root,
    )  # fmt: skip
    assert made.code == 0, made.err
    assert repo.git("describe", "--tags", "--exact-match", "HEAD").strip() == "v0.3.12.post1"


def test_semantic_release_alone_writes_what_wheeltrain_cuts_on_a_linear_history(
    tmp_path: Path, cli: Cli
) -> None:
    """One changelog renderer: `semantic-release version` run alone with the configuration
    `init` writes (its template only places wheeltrain's text) and `wheeltrain release monthly`
    make the same version, tag, version file and changelog, bytes for bytes, every commit
    (non-conventional, squashed, merged) listed."""
    import shutil
    import sys

    repo = GitRepo.create(
        tmp_path / "lin",
        pyproject=(
            '[project]\nname = "lin"\nversion = "0.4.0"\n'
            '[project.urls]\nRepository = "https://github.com/example/lin"\n'
        ),
    )
    repo.build([("tag", "v0.4.0")])
    result = cli("init", "--json", "--project", str(repo.root))
    assert result.code == 0, result.err
    repo.git("add", "-A")
    repo.git("commit", "-q", "--no-verify", "-m", "[CI] adopt wheeltrain")
    repo.build(
        [
            "[TE] a free-form fix",
            "fix(io): a conventional fix (#5)",
            "Squashed (#9)\n\n* feat: a squashed feature\n\n* [Store] a free-form part",
            ("branch", "side"),
            "[EP] on a side branch",
            ("checkout", "main"),
            ("merge", "side"),
        ]
    )
    alone = tmp_path / "alone"
    shutil.copytree(repo.root, alone, symlinks=True)
    plan = cli("plan", "--json", "--project", str(repo.root)).json()
    assert plan["base_reachable"] is True and plan["next_version"] == "0.5.0"
    made = cli("release", "monthly", "--no-push", "--json", "--project", str(repo.root))
    assert made.code == 0, made.err
    assert made.json()["proven_by"] == "semantic-release"
    psr = subprocess.run(
        [sys.executable, "-m", "semantic_release", "version", "--no-push", "--no-vcs-release",
         "--skip-build"],
        cwd=alone, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert psr.returncode == 0, psr.stderr
    ours = repo.root / "CHANGELOG.md"
    theirs = alone / "CHANGELOG.md"
    assert theirs.read_bytes() == ours.read_bytes()
    assert (alone / "pyproject.toml").read_bytes() == (repo.root / "pyproject.toml").read_bytes()
    for root in (repo.root, alone):
        git = ["git", "-C", str(root)]
        tag = subprocess.run([*git, "describe", "--tags", "--exact-match", "HEAD"],
                             capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
        subject = subprocess.run([*git, "log", "-1", "--format=%s"],
                                 capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
        assert (tag, subject) == ("v0.5.0", "chore(release): 0.5.0"), root
    section = ours.read_text().split("## v0.5.0 (", 1)[1]
    assert entries(section) == entries(plan["notes"])
    for text in ("a free-form fix", "on a side branch", "Squashed", "adopt wheeltrain"):
        assert text in section.split("### Other", 1)[1], text
    assert repo.git("status", "--porcelain") == ""
