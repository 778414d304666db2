"""The one error hierarchy of wheeltrain.

Every foreseeable failure is a :class:`WheeltrainError` whose message is one line saying what
is wrong and what to do next, and whose ``exit_code`` the CLI returns. Only
:func:`wheeltrain.cli.main` turns these into exit codes.
"""

from __future__ import annotations

__all__ = ["ConfigError", "IndexUnusable", "StepFailed", "UsageError", "WheeltrainError"]


class WheeltrainError(Exception):
    """Base of every error wheeltrain reports to a user."""

    exit_code: int = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(WheeltrainError, ValueError):
    """Bad input on the command line: exit code 2."""

    exit_code = 2


class ConfigError(UsageError):
    """Bad or missing project configuration (pyproject.toml, tags, repository): exit code 2."""


class StepFailed(WheeltrainError):
    """A step that was asked to run failed (network, git, an index, a check): exit code 1."""

    exit_code = 1


class IndexUnusable(StepFailed):
    """An index that did not answer, or not as an index: a failed step (exit 1) where the
    index is the project's own, bad input (exit 2) where the URL was just given; the caller
    that knows which says so by its type, never by the message's words."""
