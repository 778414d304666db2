"""Real servers on 127.0.0.1 for the tests: a pypiserver index and misbehaving HTTP servers."""

from __future__ import annotations

import http.server
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def isolated_pip_env(**extra: str) -> dict[str, str]:
    """The environment for a pip that must see only the index it is given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1", **extra)
    if "PIP_CERT" in os.environ:
        env["PIP_CERT"] = os.environ["PIP_CERT"]
    return env


class LocalIndex:
    """A pypiserver serving ``packages`` on 127.0.0.1 (no auth, no fallback to PyPI)."""

    def __init__(self, packages: Path, port: int) -> None:
        self.packages = packages
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.simple_url = f"{self.url}/simple/"

    def upload(self, paths: Sequence[Path]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                str(BIN / "twine"),
                "upload",
                "--non-interactive",
                "--disable-progress-bar",
                "--repository-url",
                f"{self.url}/",
                *map(str, paths),
            ],
            env={**isolated_pip_env(), "TWINE_USERNAME": "x", "TWINE_PASSWORD": "x"},
            capture_output=True,
            text=True,
            check=True,
        )


@contextmanager
def local_index(packages: Path) -> Iterator[LocalIndex]:
    packages.mkdir(parents=True, exist_ok=True)
    port = free_port()
    proc = subprocess.Popen(
        [
            str(BIN / "pypi-server"),
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
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    index = LocalIndex(packages, port)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"{index.url}/health", timeout=1):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    err = proc.stderr.read().decode() if proc.stderr else ""
                    raise RuntimeError(f"pypiserver did not start: {err}") from None
                time.sleep(0.05)
        yield index
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()


Behaviour = Callable[[http.server.BaseHTTPRequestHandler], None]


@contextmanager
def fault_server(behaviour: Behaviour) -> Iterator[str]:
    """An HTTP server on 127.0.0.1 whose every request is answered by ``behaviour``."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            behaviour(self)

        do_POST = do_GET

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def answer(status: int, body: bytes = b"", content_type: str = "text/html") -> Behaviour:
    def behave(handler: http.server.BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return behave


def hang(seconds: float, release: threading.Event) -> Behaviour:
    def behave(handler: http.server.BaseHTTPRequestHandler) -> None:
        release.wait(seconds)

    return behave
