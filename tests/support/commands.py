"""Argument lists for `build` and `check` narrowed to one variant, one Python, x86_64."""

from __future__ import annotations

from pathlib import Path


def build_args(
    out: Path,
    project: Path,
    *,
    variant: str = "non-cuda",
    python: str = "3.12",
    version: str = "0.4.0",
    builder: str | None = None,
) -> list[str]:
    return [
        "build",
        *("--variant", variant, "--python", python, "--arch", "x86_64"),
        *("--version", version, "--out", str(out), "--project", str(project)),
        *(("--builder", builder) if builder else ()),
    ]


def check_args(
    dist: Path,
    project: Path,
    *,
    event: str = "monthly",
    variant: str = "non-cuda",
    python: str = "3.12",
    version: str = "0.4.0",
) -> list[str]:
    return [
        "check",
        str(dist),
        *("--event", event, "--version", version, "--variant", variant),
        *("--python", python, "--arch", "x86_64", "--project", str(project)),
    ]
