"""Real servers on 127.0.0.1 for the tests: a pypiserver index and misbehaving HTTP servers."""

from __future__ import annotations

import http.server
import os
import re
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from wheeltrain.adapters.localindex import local_index as embedded_index

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
    """wheeltrain's own embedded index (a pypiserver on 127.0.0.1), with an upload helper."""
    with embedded_index(packages) as server:
        yield LocalIndex(packages, server.port)


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


@contextmanager
def faulty_proxy(
    upstream: str,
    upload: Callable[[int], str],
    *,
    hang_seconds: float = 30.0,
    strip_digests: bool = False,
) -> Iterator[tuple[str, list[str]]]:
    """A proxy in front of a real index whose uploads (POST) misbehave on purpose.

    ``upload(n)`` decides the n-th upload (from 1): "pass" forwards it, "500" answers 500
    without forwarding, "drop" forwards it and then closes the connection without an answer,
    "cut" closes the connection before forwarding (the upload is lost mid-way), "hang" waits
    ``hang_seconds`` first, "403" and "413" answer that status with twine's usual reason.
    Reads (GET) are always forwarded; with ``strip_digests`` the index pages lose their
    ``#sha256=`` fragments (an index that gives no digest). Yields the proxy's URL and the log
    of what each upload got.
    """
    log: list[str] = []
    release = threading.Event()

    def behave(handler: http.server.BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        if handler.command == "POST" and upload(len(log) + 1) == "cut":
            log.append("cut")
            handler.rfile.read(min(length, 1024))  # part of the upload, then the line goes dead
            handler.close_connection = True
            handler.connection.shutdown(socket.SHUT_RDWR)
            return
        body = handler.rfile.read(length) if length else None
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in ("host",)}
        if handler.command == "POST":
            action = upload(len(log) + 1)
            log.append(action)
            if action == "500":
                answer(500, b"Internal Server Error")(handler)
                return
            if action in ("403", "413"):
                reason = b"Forbidden" if action == "403" else b"Request Entity Too Large"
                answer(int(action), reason)(handler)
                return
            if action == "hang":
                release.wait(hang_seconds)
                return
        if strip_digests and handler.command == "GET":
            headers["Accept"] = "text/html"  # the HTML page, whose digests are in fragments
        request = urllib.request.Request(
            upstream + handler.path, data=body, headers=headers, method=handler.command
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, content, ctype = (
                    response.status,
                    response.read(),
                    response.headers.get("Content-Type", "text/html"),
                )
        except urllib.error.HTTPError as exc:
            status, content, ctype = exc.code, exc.read(), "text/plain"
        if strip_digests and handler.command == "GET" and ctype.startswith("text/html"):
            content = re.sub(rb"#sha256=[0-9a-f]+", b"", content)
        if handler.command == "POST" and log and log[-1] == "drop":
            handler.close_connection = True
            handler.connection.shutdown(socket.SHUT_RDWR)
            return
        answer(status, content, ctype)(handler)

    with fault_server(behave) as url:
        try:
            yield url, log
        finally:
            release.set()


PEP691 = "application/vnd.pypi.simple.v1+json"


@contextmanager
def json_index(pages: Callable[[str], bytes | None]) -> Iterator[str]:
    """A PEP 691 JSON simple index on 127.0.0.1: ``pages(name)`` answers ``/simple/<name>/``
    (``None`` is a 404). Yields the simple root URL."""

    def behave(handler: http.server.BaseHTTPRequestHandler) -> None:
        parts = [p for p in handler.path.split("?")[0].split("/") if p]
        body = pages(parts[1]) if len(parts) == 2 and parts[0] == "simple" else None
        if body is None:
            answer(404, b"not found")(handler)
        else:
            answer(200, body, PEP691)(handler)

    with fault_server(behave) as url:
        yield f"{url}/simple/"
