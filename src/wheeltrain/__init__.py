"""wheeltrain: a release train for Python projects that ship several wheel variants."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from wheeltrain.errors import ConfigError, StepFailed, UsageError, WheeltrainError
from wheeltrain.versioning import (
    BumpLevel,
    VersionInfo,
    bump,
    canonical,
    next_post_number,
    parse,
    post,
    validate_for_release,
)

try:
    __version__ = version("wheeltrain")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

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
