"""wheeltrain: a release train for Python projects that ship several wheel variants."""

from __future__ import annotations

from wheeltrain.core.versioning import (
    BumpLevel,
    VersionInfo,
    bump,
    canonical,
    next_post_number,
    parse,
    post,
    validate_for_release,
)
from wheeltrain.errors import ConfigError, StepFailed, UsageError, WheeltrainError


def __getattr__(name: str) -> str:
    # importlib.metadata costs more than the rest of a `wheeltrain plan` run: read it lazily.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("wheeltrain")
        except PackageNotFoundError:  # a source tree that is not installed
            return "0+unknown"
    raise AttributeError(f"module 'wheeltrain' has no attribute {name!r}")


__all__ = [
    "BumpLevel",
    "ConfigError",
    "StepFailed",
    "UsageError",
    "VersionInfo",
    "WheeltrainError",
    "__version__",
    "bump",
    "canonical",
    "next_post_number",
    "parse",
    "post",
    "validate_for_release",
]
