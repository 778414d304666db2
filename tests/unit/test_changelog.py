from __future__ import annotations

from pathlib import Path

from wheeltrain.core.changelog import render_notes
from wheeltrain.core.commits import Commit, parse_commit
from wheeltrain.core.settings import ReleaseSettings

EXPECTED = Path(__file__).parent / "expected"

HISTORY = [  # newest first, as git log gives it
    ("a" * 40, "chore(release): 0.4.0", False),
    ("b" * 40, "Merge branch 'x'", True),
    ("c" * 40, "Update the build script", False),
    ("d" * 40, "perf(store): fewer copies", False),
    ("e" * 40, "fix(ep): handle <empty> buffers (#42)", False),
    ("f" * 40, "feat!: new config format\n\nBREAKING CHANGE: old keys removed", False),
    ("1" * 40, "feat(cli): add `--json` to everything, see #7", False),
    ("2" * 40, "docs: explain variants", False),
]


def commits() -> list[Commit]:
    return [parse_commit(sha, msg, is_merge=merge) for sha, msg, merge in HISTORY]


def test_notes_group_order_links_and_escaping() -> None:
    notes = render_notes(
        commits(),
        title="v0.5.0",
        repo_url="https://github.com/kvcache-ai/Mooncake",
        settings=ReleaseSettings(commit_message="chore(release): {version}"),
    )
    assert notes == (EXPECTED / "notes.md").read_text()


def test_non_conventional_messages_never_disappear() -> None:
    notes = render_notes(commits())
    assert "### Other" in notes
    assert "Update the build script (ccccccc)" in notes
    assert "#42" in notes and "](" not in notes  # no links without a repository URL


def test_empty() -> None:
    assert render_notes([], title="x") == "## x\n\nNo changes.\n"


def test_squashed_parts_and_reverts_are_listed_as_semantic_release_reads_them() -> None:
    # One parse decides both the level and the notes: a breaking part inside a squash is
    # listed as breaking, and "revert!" (not a type semantic-release releases) is not.
    squash = parse_commit("3" * 40, "chore: squash\n\nfeat!: a new engine API")
    revert = parse_commit("4" * 40, "revert!: undo the cache")
    notes = render_notes([squash, revert])
    assert "### Breaking changes\n\n- feat: a new engine API (3333333)" in notes
    assert "### Chores\n\n- squash (3333333)" in notes
    assert "### Reverts\n\n- undo the cache (4444444)" in notes
    assert notes.count("Breaking") == 1


def test_release_commits_follow_commit_message() -> None:
    settings = ReleaseSettings(commit_message="release: v{version} [skip ci]")
    made = parse_commit("5" * 40, "release: v1.2.3 [skip ci]")
    other = parse_commit("6" * 40, "chore(release): 1.2.3")
    notes = render_notes([made, other], settings=settings)
    assert "5555555" not in notes and "6666666" in notes
