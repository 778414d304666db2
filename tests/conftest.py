from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import Cli, CliResult
from tests.support.gitrepo import GitRepo
from tests.support.servers import LocalIndex, local_index


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    """A fresh real git repository with a pyproject.toml at 0.1.0 and one commit."""
    return GitRepo.create(tmp_path / "repo")


@pytest.fixture
def index(tmp_path: Path) -> Iterator[LocalIndex]:
    """A real pypiserver on 127.0.0.1, stopped when the test ends."""
    with local_index(tmp_path / "packages") as server:
        yield server


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Cli:
    """Run ``wheeltrain.cli.main`` in-process and capture what it prints."""
    from wheeltrain.cli import main

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture(autouse=True, scope="session")
def _git_identity() -> Iterator[None]:
    """Commits made by the tools under test (semantic-release, wheeltrain) need an identity
    even on a machine whose git has no user configured."""
    import os

    saved = {k: os.environ.get(k) for k in ("GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL")}
    os.environ.setdefault("GIT_COMMITTER_NAME", "Test Committer")
    os.environ.setdefault("GIT_COMMITTER_EMAIL", "committer@example.com")
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def pytest_sessionfinish(session: pytest.Session) -> None:
    """A test worker (pytest-xdist) hands its counts to the controller, which reports them."""
    from tests.support.tally import FUZZ, SECRETS

    output = getattr(session.config, "workeroutput", None)
    if output is not None:
        output["wheeltrain_tally"] = {"fuzz": dict(FUZZ), "secrets": dict(SECRETS)}


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """The controller adds up what each worker counted."""
    from tests.support.tally import FUZZ, SECRETS

    counted = getattr(node, "workeroutput", {}).get("wheeltrain_tally")
    if counted:
        for key, value in counted["fuzz"].items():
            FUZZ[key] += value
        for key, value in counted["secrets"].items():
            SECRETS[key] += value


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The fuzz suite's own count, so a run shows how much hostile input it tried."""
    from tests.support.tally import FUZZ, SECRETS, write_tally

    if FUZZ["examples"]:
        terminalreporter.write_line(
            f"fuzz: {FUZZ['examples']:,} generated inputs tried, "
            f"{FUZZ['failures']} ended in an uncaught exception"
        )
    if SECRETS["scanned"]:
        terminalreporter.write_line(
            f"secrets: {SECRETS['scanned']:,} outputs and files searched for planted tokens, "
            f"{SECRETS['found']} found"
        )
    write_tally(terminalreporter.stats)
