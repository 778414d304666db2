"""The project is loaded once per command: `release monthly` and `hotfix release` parse
`pyproject.toml` as a project one time, however many steps they take (the plan, the dry run's
checks, the resume check, the cut and the check after it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import Cli
from tests.support.gitrepo import GitRepo, released_repo
from tests.support.projects import psr_project
from wheeltrain.adapters import project as project_adapter


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every project file parsed as a project, in order."""
    seen: list[str] = []
    real = project_adapter.read_toml

    def counting(path):  # type: ignore[no-untyped-def]
        seen.append(str(path))
        return real(path)

    monkeypatch.setattr(project_adapter, "read_toml", counting)
    return seen


def test_release_monthly_loads_the_project_once(tmp_path: Path, cli: Cli, loads: list[str]) -> None:
    psr_repo = released_repo(tmp_path / "proj")
    psr_repo.build(["fix: a leak"])
    for extra in (("--dry-run",), ()):
        loads.clear()
        result = cli("release", "monthly", "--no-push", *extra, "--project", str(psr_repo.root))
        assert result.code == 0, result.err
        assert len(loads) == 1, loads
    assert psr_repo.git("describe", "--tags", "--exact-match", "HEAD").strip() == "v0.3.10"


def test_hotfix_release_loads_the_project_once(tmp_path: Path, cli: Cli, loads: list[str]) -> None:
    files = psr_project(version="0.4.0")
    repo = GitRepo.create(tmp_path / "proj", pyproject=files["pyproject.toml"])
    repo.tag("v0.4.0")
    repo.build([("branch", "hotfix/v0.4.0"), "fix(store): leak"])
    for extra in (("--dry-run",), ()):
        loads.clear()
        result = cli(
            "hotfix", "release", "--base", "0.4.0", "--description", "A leak.", "--no-push",
            *extra, "--project", str(repo.root),
        )  # fmt: skip
        assert result.code == 0, result.err
        assert len(loads) == 1, loads
    assert repo.git("describe", "--tags", "--exact-match", "HEAD").strip() == "v0.4.0.post1"
