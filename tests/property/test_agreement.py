"""`wheeltrain plan` and the real `semantic-release --noop version --print` agree.

Random histories mix feat / fix / perf / `!` on every type / `BREAKING CHANGE:` footers /
scopes / reverts / squashed bodies / non-conventional messages / merge commits, with release
tags, hotfix `.postN` tags and pre-release tags among them. For each, both tools must name the
same next version, or both no release; and the plan's notes list a breaking change exactly
when the plan is a breaking release (one parse decides both).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from packaging.version import Version

from tests.support.fastimport import Event, write_history
from tests.support.projects import psr_project
from wheeltrain.core.versioning import BumpLevel
from wheeltrain.stages.release.monthly import make_plan

EXAMPLES = int(os.environ.get("WHEELTRAIN_AGREEMENT_EXAMPLES", "20"))

types = st.sampled_from(
    ["feat", "fix", "perf", "docs", "chore", "ci", "test", "style", "refactor", "build", "revert"]
)
# a ")" inside a scope, and a subject that holds "(...): ", move where the scope ends
scopes = st.sampled_from(["", "(store)", "(ep)", "(cli)", "(a)b)"])
subjects = st.sampled_from(
    ["add a thing", "handle empty buffers", "tidy", "speed up reads", "read f(x): faster"]
)


@st.composite
def messages(draw: st.DrawFn) -> str:
    shape = draw(st.integers(0, 11))
    if shape >= 10:  # a squash merge: a header, then the squashed messages as paragraphs
        head = draw(st.sampled_from(["chore: squash", "Merge pull request #7", "Squashed"]))
        parts = draw(st.lists(single(), min_size=1, max_size=3))
        bullet = draw(st.sampled_from(["", "* ", "- "]))
        return head + "".join(f"\n\n{bullet}{part}" for part in parts)
    return draw(single())


@st.composite
def single(draw: st.DrawFn) -> str:
    shape = draw(st.integers(0, 9))
    if shape == 0:
        return draw(st.sampled_from(["Update README.md", "WIP", "Feat: capitalised", "fix typo"]))
    text = f"{draw(types)}{draw(scopes)}{'!' if draw(st.integers(0, 7)) == 0 else ''}: "
    text += draw(subjects)
    if draw(st.integers(0, 7)) == 0:
        text += "\n\nBREAKING CHANGE: the old behaviour is gone"
    elif draw(st.integers(0, 5)) == 0:
        text += "\n\nSome more words about it.\n\nRefs: #12"
    return text


@st.composite
def histories(draw: st.DrawFn) -> list[Event]:
    major = draw(st.sampled_from([0, 1]))
    minor, patch = 1, 0
    events: list[Event] = []
    tagged_final = False
    for _ in range(draw(st.integers(1, 14))):
        step = draw(st.integers(0, 9))
        if step <= 5:
            events.append(("commit", draw(messages())))
        elif step == 6:
            events.append(("merge", draw(st.lists(messages(), min_size=1, max_size=3))))
        elif step == 7:
            level = draw(st.sampled_from(["minor", "patch"]))
            if tagged_final:
                minor, patch = (minor + 1, 0) if level == "minor" else (minor, patch + 1)
            events.append(("tag", f"v{major}.{minor}.{patch}"))
            tagged_final = True
        elif step == 8 and tagged_final:
            events.append(("tag", f"v{major}.{minor}.{patch}.post{draw(st.integers(1, 3))}"))
        elif step == 9:
            events.append(("tag", f"v{major}.{minor + 1}.0-rc.{draw(st.integers(1, 2))}"))
    return events


def semantic_release_says(root: Path) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "semantic_release", "--noop", "version", "--print"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    return proc.stdout.strip().splitlines()[-1]


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(histories())
def test_plan_agrees_with_semantic_release(history: list[Event]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        write_history(root, psr_project(), history)
        theirs = semantic_release_says(root)
        plan = make_plan(root)
        breaking_listed = "### Breaking changes" in plan.notes
        if plan.release:
            assert plan.next_version == theirs, (plan.reason, history)
            asked = any(c.level is BumpLevel.MAJOR for c in plan.commits)
            assert breaking_listed == asked, history
        else:
            last = plan.last_version or "0.0.0"
            assert Version(theirs) == Version(last), (plan.reason, history)
