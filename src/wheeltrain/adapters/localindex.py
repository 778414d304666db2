"""An embedded package index: a real pypiserver on 127.0.0.1, for rehearsals.

It serves a folder inside the rehearsal's temporary directory, accepts uploads without
authentication, never falls back to PyPI, and is stopped when the context ends.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from wheeltrain.adapters.proc import start
from wheeltrain.errors import StepFailed

__all__ = ["LocalIndex", "local_index"]


@dataclass(frozen=True)
class LocalIndex:
    port: int
    packages: Path

    @property
    def upload_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def simple_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/simple/"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def local_index(packages: Path, *, start_timeout: float = 30.0) -> Iterator[LocalIndex]:
    packages.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    log = packages.parent / "pypiserver.log"
    with log.open("wb") as out:
        proc = start(
            [
                sys.executable,
                "-m",
                "pypiserver",
                "run",
                "-p",
                str(port),
                "-i",
                "127.0.0.1",
                "-a",
                ".",
                "-P",
                ".",
                "--disable-fallback",
                str(packages),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            die_with_parent=True,
        )
        try:
            deadline = time.monotonic() + start_timeout
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1):
                        break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        tail = log.read_text(errors="replace").strip().splitlines()[-1:] or ["?"]
                        raise StepFailed(f"the local index did not start: {tail[0]}") from None
                    time.sleep(0.05)
            yield LocalIndex(port, packages)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
