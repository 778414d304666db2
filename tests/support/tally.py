"""Counts that test modules report at the end of a run: the fuzz suite's examples, the
planted-secret scan's outputs and files, the faults injected."""

from __future__ import annotations

from typing import Any

FUZZ = {"examples": 0, "failures": 0}
SECRETS = {"scanned": 0, "found": 0}

#: Where a run leaves its counts for scripts/reliability.py (ignored by git).
TALLY = "build/reliability.json"


def write_tally(stats: dict[str, list[Any]]) -> None:
    """The run's own figures, for the reliability table in docs/RELEASE_PLAN.md; written by a
    run that includes the fuzz suite (a partial run leaves the last full one's figures)."""
    if not FUZZ["examples"]:
        return
    import json
    import os
    from pathlib import Path

    def count(outcome: str, marker: str | None = None) -> int:
        return sum(
            1
            for report in stats.get(outcome, [])
            if getattr(report, "when", "call") == "call"
            and (marker is None or marker in getattr(report, "keywords", {}))
        )

    data = {
        "fuzz_examples": FUZZ["examples"],
        "fuzz_failures": FUZZ["failures"],
        "faults_passed": count("passed", "fault"),
        "faults_failed": count("failed", "fault"),
        "secrets_scanned": SECRETS["scanned"],
        "secrets_found": SECRETS["found"],
        "tests_passed": count("passed"),
        "tests_failed": count("failed"),
    }
    path = Path(os.environ.get("WHEELTRAIN_TALLY", Path(__file__).resolve().parents[2] / TALLY))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
