"""Counts that test modules report at the end of a run (the fuzz suite's examples)."""

from __future__ import annotations

FUZZ = {"examples": 0, "failures": 0}
