from __future__ import annotations

from pathlib import Path

from wheeltrain.changelog import render_notes
from wheeltrain.commits import parse_commit

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


def commits():  # type: ignore[no-untyped-def]
    return [parse_commit(sha, msg, is_merge=merge) for sha, msg, merge in HISTORY]


def test_notes_group_order_links_and_escaping() -> None:
    notes = render_notes(
        commits(), title="v0.5.0", repo_url="https://github.com/kvcache-ai/Mooncake"
    )
    assert notes == (EXPECTED / "notes.md").read_text()


def test_non_conventional_messages_never_disappear() -> None:
    notes = render_notes(commits())
    assert "### Other" in notes
    assert "Update the build script (ccccccc)" in notes
    assert "#42" in notes and "](" not in notes  # no links without a repository URL


def test_empty() -> None:
    assert render_notes([], title="x") == "## x\n\nNo changes.\n"
