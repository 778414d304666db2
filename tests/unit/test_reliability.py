"""The reliability table is generated from a run's own figures, between its markers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_the_table_is_written_between_its_markers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "reliability", ROOT / "scripts" / "reliability.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    tally = tmp_path / "reliability.json"
    tally.write_text(json.dumps({
        "fuzz_examples": 10013, "fuzz_failures": 0, "faults_passed": 21, "faults_failed": 0,
        "secrets_scanned": 40, "secrets_found": 0, "tests_passed": 350, "tests_failed": 0,
    }))  # fmt: skip
    doc = tmp_path / "PLAN.md"
    doc.write_text(f"before\n{module.BEGIN}\nold table\n{module.END}\nafter\n")
    monkeypatch.setattr(module, "TALLY", tally)
    monkeypatch.setattr(module, "DOC", doc)
    assert module.main(["--write"]) == 0
    text = doc.read_text()
    assert text.startswith("before\n") and text.endswith("after\n") and "old table" not in text
    assert "| 10,013 tried, 0 uncaught |" in text
    assert "| 21 held, 0 broke |" in text
    assert "| 40 searched, 0 found |" in text
    assert "| 350 passed, 0 failed |" in text
