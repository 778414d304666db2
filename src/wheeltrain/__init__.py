"""wheeltrain: a release train for Python projects that ship several wheel variants."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

#: Where each name of the public API lives: imported on first use, so that starting the
#: command line (which imports this package first) pays only for what a command needs.
_LAZY = {
    **dict.fromkeys(
        (
            "BumpLevel",
            "VersionInfo",
            "bump",
            "canonical",
            "next_post_number",
            "parse",
            "post",
            "validate_for_release",
        ),
        "wheeltrain.core.versioning",
    ),
    **dict.fromkeys(
        ("ConfigError", "StepFailed", "UsageError", "WheeltrainError"), "wheeltrain.errors"
    ),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
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
