"""Rendering results as text or JSON, and an argparse that reports through our errors."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, NoReturn

from wheeltrain.errors import UsageError


class ArgumentParser(argparse.ArgumentParser):
    """argparse, but a bad command line raises :class:`UsageError` (exit 2, one line)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def emit(args: argparse.Namespace, text: str, data: dict[str, Any]) -> None:
    """Print ``data`` as JSON with ``--json``, else ``text``."""
    if getattr(args, "json", False):
        json.dump(data, sys.stdout, indent=2, sort_keys=False)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
