"""`wheeltrain notify` against real HTTP receivers on 127.0.0.1 standing in for Slack and
Discord: one message each, the issue text for the workflow, and no webhook URL in any output."""

from __future__ import annotations

import http.server
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.cli import Cli
from tests.support.servers import fault_server

RESULTS = json.dumps(
    {
        "plan": {"result": "success", "outputs": {}},
        "prepare": {"result": "success", "outputs": {}},
        "build": {"result": "failure", "outputs": {}},
        "check": {"result": "skipped", "outputs": {}},
    }
)
RUN = "https://github.com/kvcache-ai/Mooncake/actions/runs/42"


@contextmanager
def receiver(status: int = 200) -> Iterator[tuple[str, list[tuple[str, dict[str, str]]]]]:
    got: list[tuple[str, dict[str, str]]] = []

    def behave(handler: http.server.BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        got.append((handler.path, json.loads(handler.rfile.read(length) or b"{}")))
        handler.send_response(status)
        handler.send_header("Content-Length", "2")
        handler.end_headers()
        handler.wfile.write(b"ok")

    with fault_server(behave) as url:
        yield url, got


@pytest.fixture
def webhooks(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """The webhook variables, set by each test and restored after it."""
    monkeypatch.delenv("SLACK_WEBHOOK_URL", raising=False)
    monkeypatch.delenv("DISCORD_WEBHOOK_URL", raising=False)
    return monkeypatch


def test_one_message_per_webhook_and_the_issue_text(
    tmp_path: Path, cli: Cli, webhooks: pytest.MonkeyPatch
) -> None:
    with receiver() as (url, got):
        webhooks.setenv("SLACK_WEBHOOK_URL", f"{url}/services/T0/B0/s3cr3t-slack-path")
        webhooks.setenv("DISCORD_WEBHOOK_URL", f"{url}/api/webhooks/1/s3cr3t-discord-path")
        result = cli(
            "notify", "--workflow", "Monthly Release", "--run-url", RUN, "--results", RESULTS,
            "--ref", "main", "--out", str(tmp_path / "failure"),
        )  # fmt: skip
    assert result.code == 0, result.err
    assert [path for path, _ in got] == [
        "/services/T0/B0/s3cr3t-slack-path",
        "/api/webhooks/1/s3cr3t-discord-path",
    ]
    slack, discord = got[0][1]["text"], got[1][1]["content"]
    assert slack == discord
    assert slack.startswith("Release failed: Monthly Release on main: build failed.")
    assert slack.endswith(
        f"Nothing pushed, nothing published: the build log is an artifact of the run; fix the cause and run the workflow again. {RUN}"
    )
    title = (tmp_path / "failure" / "title.txt").read_text()
    body = (tmp_path / "failure" / "body.md").read_text()
    assert title == "Release failed: Monthly Release\n"
    assert "| build | failure | nothing pushed, nothing published" in body
    assert "| check | skipped |  |" in body
    assert "s3cr3t" not in result.out + result.err


@pytest.mark.fault
def test_a_refusing_webhook_fails_in_one_line_without_its_url(
    tmp_path: Path, cli: Cli, webhooks: pytest.MonkeyPatch
) -> None:
    with receiver(status=404) as (url, got):
        webhooks.setenv("SLACK_WEBHOOK_URL", f"{url}/services/T0/B0/s3cr3t-slack-path")
        result = cli("notify", "--workflow", "Monthly Release", "--run-url", RUN,
                     "--results", RESULTS)  # fmt: skip
    assert result.code == 1
    assert len(got) == 1
    line = result.err.strip()
    assert "\n" not in line
    assert "the slack webhook refused the message (404" in line
    assert "s3cr3t" not in result.out + result.err


@pytest.mark.parametrize(
    ("results", "says"),
    [
        ("not json", "--results is not JSON"),
        ('{"plan": {"result": "success"}}', "holds no failed or cancelled job"),
        ('{"plan": 5}', "job 'plan' has no result"),
    ],
)
def test_bad_results_are_bad_input(cli: Cli, results: str, says: str) -> None:
    result = cli("notify", "--workflow", "W", "--run-url", RUN, "--results", results)
    assert result.code == 2 and says in result.err


@pytest.mark.parametrize(
    "args",
    [
        ["notify", "--workflow", "W", "--run-url", RUN, "--results", RESULTS, "--out"],
        ["download", "--version", "0.4.0", "--event", "monthly", "--index-url",
         "http://127.0.0.1:9/simple/", "--dest"],
        ["publish", ".", "--version", "0.4.0", "--repository-url", "http://127.0.0.1:9/",
         "--dry-run", "--stage-to"],
    ],
)  # fmt: skip
def test_an_output_folder_that_is_a_file_is_bad_input(
    tmp_path: Path, cli: Cli, args: list[str]
) -> None:
    taken = tmp_path / "taken"
    taken.write_text("a file\n")
    project = Path(__file__).resolve().parents[2] / "examples" / "transfer-engine"
    result = cli(*args, str(taken), "--project", str(project))
    assert result.code == 2
    assert "a file is there, not a folder" in result.err
    assert taken.read_text() == "a file\n"
