"""A planted-secret scan: tokens planted in the environment and inside index and webhook URLs,
then the commands that meet them run for real (upload, index reads, failures, webhooks), and
every line they print and every file they write is searched. Zero occurrences."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from tests.support.artifacts import make_wheel
from tests.support.servers import LocalIndex, answer, fault_server, faulty_proxy
from tests.support.tally import SECRETS

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "transfer-engine"
WHEELTRAIN = str(Path(sys.executable).parent / "wheeltrain")
PLANTED = {
    "TWINE_PASSWORD": "pypi-PLANTEDtwinepassword0001",
    "PYPI_API_TOKEN": "pypi-PLANTEDapitoken000000002",
    "GITHUB_TOKEN": "ghp_PLANTEDgithubtoken000000003",
    "GH_TOKEN": "ghs_PLANTEDghtoken00000000004",
}
URL_TOKEN = "pypi-PLANTEDinurl000000000005"
HOOK_TOKEN = "PLANTEDhookpath00000006"
AT_PASSWORD = "PLANTED@pass000000008"  # an "@" inside the password of a URL
PUSH_TOKEN = "ghp_PLANTEDpushtoken0000000009"


def basic(user: str, password: str) -> str:
    """The value of an HTTP basic ``Authorization`` header, as a server may echo it."""
    import base64

    return base64.b64encode(f"{user}:{password}".encode()).decode()


ALL = [*PLANTED.values(), URL_TOKEN, HOOK_TOKEN, AT_PASSWORD, PUSH_TOKEN,
       basic("__token__", PLANTED["TWINE_PASSWORD"])]  # fmt: skip


@pytest.fixture
def run(tmp_path: Path) -> Iterator[tuple[Path, list[str]]]:
    """Runs wheeltrain commands with the planted environment; collects everything printed."""
    printed: list[str] = []
    yield tmp_path, printed
    written = [
        p.read_bytes().decode("utf-8", "replace") for p in tmp_path.rglob("*") if p.is_file()
    ]
    haystack = "\n".join([*printed, *written])
    SECRETS["scanned"] += len(printed) + len(written)
    found = [token for token in ALL if token in haystack]
    SECRETS["found"] += len(found)
    assert found == [], f"planted secrets appear in the output or files: {found}"


def wheeltrain(tmp_path: Path, printed: list[str], *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **PLANTED, "TMPDIR": str(tmp_path)}
    env["SLACK_WEBHOOK_URL"] = os.environ.get("_PLANTED_HOOK", "")
    proc = subprocess.run([WHEELTRAIN, *args], env=env, capture_output=True, text=True)
    printed += [proc.stdout, proc.stderr]
    return proc


def with_token(url: str) -> str:
    return url.replace("http://", f"http://__token__:{URL_TOKEN}@")


def test_publishing_and_reading_indexes_never_show_a_token(
    run: tuple[Path, list[str]], index: LocalIndex
) -> None:
    tmp_path, printed = run
    dist = tmp_path / "dist"
    make_wheel(dist, "mooncake-transfer-engine-non-cuda", "0.4.0",
               "cp312-cp312-manylinux_2_28_x86_64", module="mooncake")  # fmt: skip
    upload = with_token(index.url + "/")
    ok = wheeltrain(tmp_path, printed, "publish", str(dist), "--version", "0.4.0",
                    "--repository-url", upload, "--project", str(EXAMPLE))  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    for args in (
        ["publish", str(dist), "--version", "0.4.0", "--repository-url", upload, "--dry-run"],
        ["verify", "mooncake-transfer-engine-non-cuda", "0.4.0", "--index-url",
         with_token(index.url + "/simple/"), "--json"],
        ["verify", "--all-variants", "0.4.0", "--event", "monthly", "--index-url",
         with_token(index.url + "/simple/")],
        ["hotfix", "plan", "--base", "0.4.0", "--index-url", with_token(index.url + "/simple/")],
        ["download", "--version", "0.4.0", "--event", "monthly", "--variant", "non-cuda",
         "--python", "3.12", "--arch", "x86_64", "--dest", str(tmp_path / "fetched"),
         "--index-url", with_token(index.url + "/simple/")],
    ):  # fmt: skip
        wheeltrain(tmp_path, printed, *args, "--project", str(EXAMPLE))
    # failures: an index that answers 500 and one that refuses the upload, both behind tokens
    with faulty_proxy(index.url, lambda n: "403") as (url, _):
        refused = wheeltrain(tmp_path, printed, "publish", str(dist), "--version", "0.4.0",
                             "--repository-url", with_token(url + "/"), "--project",
                             str(EXAMPLE))  # fmt: skip
    assert refused.returncode in (0, 1)
    with fault_server(answer(500)) as url:
        broken = wheeltrain(tmp_path, printed, "verify", "x", "1.0", "--index-url",
                            with_token(url + "/simple/"), "--retries", "0")  # fmt: skip
    assert broken.returncode == 1


def test_failure_reports_never_show_a_webhook(run: tuple[Path, list[str]]) -> None:
    tmp_path, printed = run
    results = json.dumps({"build": {"result": "failure"}})
    with fault_server(answer(404)) as url:
        os.environ["_PLANTED_HOOK"] = f"{url}/services/{HOOK_TOKEN}"
        try:
            proc = wheeltrain(tmp_path, printed, "notify", "--workflow", "W", "--run-url",
                              "https://github.com/o/r/actions/runs/1", "--results", results,
                              "--out", str(tmp_path / "failure"))  # fmt: skip
        finally:
            del os.environ["_PLANTED_HOOK"]
    assert proc.returncode == 1


def test_every_channel_and_every_server_echo_is_redacted(
    run: tuple[Path, list[str]], index: LocalIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A secret planted in each channel (arguments, the environment, a verbose command line,
    step outputs, a notification, a file) and echoed back by each kind of server."""
    tmp_path, printed = run
    monkeypatch.setenv("WHEELTRAIN_PUSH_TOKEN", PUSH_TOKEN)
    output = tmp_path / "github-output"
    output.write_text("")
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))
    dist = tmp_path / "dist"
    make_wheel(dist, "mooncake-transfer-engine-non-cuda", "0.4.0",
               "cp312-cp312-manylinux_2_28_x86_64", module="mooncake")  # fmt: skip

    def echo(handler: BaseHTTPRequestHandler) -> None:
        """A server that answers 403 with everything it was sent: path and headers."""
        said = f"{handler.command} {handler.path}\n{handler.headers}".encode()
        answer(403, said, "text/plain")(handler)

    def at_url(url: str) -> str:
        return url.replace("http://", f"http://user:{AT_PASSWORD}@")

    with fault_server(echo) as url:
        cases = [
            # a credentialed index in smoke's argument, the server echoing the request back
            ["smoke", "--event", "monthly", "--variant", "non-cuda", "--python", "3.12",
             "--version", "0.4.0", "--index-url", with_token(url + "/simple/")],
            # "@" in the password, and the step outputs of a failed verify
            ["verify", "x", "1.0", "--index-url", at_url(url + "/simple/"), "--retries", "0",
             "--github-output"],
            # twine's basic authentication header echoed by the index (base64 of the token)
            ["publish", str(dist), "--version", "0.4.0", "--repository-url", url + "/"],
        ]  # fmt: skip
        for args in cases:
            wheeltrain(tmp_path, printed, *args, "--project", str(EXAMPLE))
        # the credentialed command line under WHEELTRAIN_VERBOSE=1
        monkeypatch.setenv("WHEELTRAIN_VERBOSE", "1")
        wheeltrain(tmp_path, printed, "publish", str(dist), "--version", "0.4.0",
                   "--repository-url", at_url(index.url + "/"), "--project", str(EXAMPLE))  # fmt: skip
        monkeypatch.delenv("WHEELTRAIN_VERBOSE")
        # a webhook whose server echoes the path it was sent to (its secret)
        results = json.dumps({"build": {"result": "failure"}})
        os.environ["_PLANTED_HOOK"] = f"{url}/services/{HOOK_TOKEN}"
        try:
            notified = wheeltrain(tmp_path, printed, "notify", "--workflow", "W", "--run-url",
                                  "https://github.com/o/r/actions/runs/1", "--results", results,
                                  "--out", str(tmp_path / "failure"))  # fmt: skip
        finally:
            del os.environ["_PLANTED_HOOK"]
    assert notified.returncode == 1
    assert "webhook refused the message (403" in notified.stderr
    assert "twine" in "".join(printed) or "upload" in "".join(printed)  # the runs did run
