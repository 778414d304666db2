"""The in-process CLI runner that the ``cli`` fixture hands to tests."""

from __future__ import annotations

import json
from typing import Any, Protocol


class CliResult:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    def json(self) -> Any:
        return json.loads(self.out)


class Cli(Protocol):
    def __call__(self, *args: str) -> CliResult: ...
