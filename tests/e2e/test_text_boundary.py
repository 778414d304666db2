"""Arguments that are not text are refused before any work, files are replaced whole, and
output never fails on the terminal's encoding: a non-UTF-8 byte can no longer empty a file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.gitrepo import GitRepo
from tests.support.projects import psr_project

BIN = Path(sys.executable).parent
BAD = os.fsencode("fix\udcff it")  # the byte 0xff, which no UTF-8 text holds


def wheeltrain(*args: str | bytes, cwd: Path, **env: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [os.fsencode(str(BIN / "wheeltrain")), *(a if isinstance(a, bytes) else a.encode() for a in args)],
        cwd=cwd, capture_output=True, env={**os.environ, **env}, check=False,
    )  # fmt: skip


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.parts
    }


@pytest.fixture
def released(tmp_path: Path) -> GitRepo:
    files = psr_project(version="0.4.0")
    repo = GitRepo.create(tmp_path / "proj", pyproject=files["pyproject.toml"])
    repo.commit("chore: changelog", files={"CHANGELOG.md": files["CHANGELOG.md"]})
    repo.tag("v0.4.0")
    return repo


def test_a_non_utf8_argument_changes_no_file(released: GitRepo) -> None:
    released.build([("branch", "hotfix/v0.4.0"), "fix: a"])
    before = snapshot(released.root)
    head = released.git("rev-parse", "HEAD")
    for argv in (
        ("hotfix", "release", "--base", "0.4.0", "--description", BAD, "--no-push"),
        ("init", "--no-lock", "--branch", BAD),
        ("notify", "--workflow", BAD, "--results", '{"a": {"result": "failure"}}', "--out", "o"),
    ):
        proc = wheeltrain(*argv, cwd=released.root)
        assert proc.returncode == 2, proc.stderr
        [line] = proc.stderr.decode().splitlines()
        assert "holds bytes that are not UTF-8" in line
    assert snapshot(released.root) == before
    assert released.git("rev-parse", "HEAD") == head
    assert released.git("tag", "--list").split() == ["v0.4.0"]


def test_output_replaces_what_the_terminal_cannot_show(released: GitRepo) -> None:
    released.build(["fix: résumé of the naïve café 🚀"])
    proc = wheeltrain("changelog", cwd=released.root, PYTHONIOENCODING="ascii")
    assert proc.returncode == 0, proc.stderr
    assert b"r?sum? of the na?ve caf? ?" in proc.stdout


def test_a_write_that_fails_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wheeltrain.adapters.files import write_atomic
    from wheeltrain.errors import StepFailed, UsageError

    target = tmp_path / "pyproject.toml"
    target.write_text("old\n")
    with pytest.raises(UsageError):
        write_atomic(target, "new \udcff")  # cannot be encoded: nothing is written
    assert target.read_text() == "old\n"

    def full_disk(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(StepFailed, match="No space left on device"):
        write_atomic(target, "new\n")
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pyproject.toml"]
    monkeypatch.undo()
    write_atomic(target, "new\n")
    assert target.read_text() == "new\n" and oct(target.stat().st_mode & 0o777) == "0o644"


@pytest.mark.parametrize(
    "argv",
    [
        ("verify", "demo", "0.4.0", "--timeout", "1e308"),
        ("verify", "demo", "0.4.0", "--timeout", "nan"),
        ("verify", "demo", "0.4.0", "--timeout", "0"),
        ("verify", "--all-variants", "0.4.0", "--wait", "inf"),
        ("verify", "--all-variants", "0.4.0", "--wait", "-1"),
        ("verify", "demo", "0.4.0", "--retries", "99999999999999999999"),
        ("publish", "dist", "--version", "0.4.0", "--repository", "pypi", "--timeout", "-inf"),
        ("receipt", "0.4.0", "--no-attestations", "--wait", "NaN"),
    ],
)
def test_numbers_are_finite_and_in_range_before_anything_runs(argv: tuple[str, ...]) -> None:
    from wheeltrain.cli import main

    assert main(list(argv)) == 2


@pytest.mark.parametrize("extra", [(), ("--json",)], ids=["text", "json"])
def test_a_reader_that_leaves_early_gets_no_traceback(
    tmp_path: Path, extra: tuple[str, ...]
) -> None:
    """`wheeltrain changelog --all | head -c 1`: the reader leaves while the notes are being
    written (far more than a pipe holds); wheeltrain ends quietly, exit 0, nothing on stderr,
    also under --json (where an error would itself be written to the closed pipe)."""
    from tests.support.fastimport import write_history

    events = [("commit", f"fix(io): change number {i} " + "x" * 60) for i in range(3000)]
    write_history(tmp_path / "long", psr_project(version="0.4.0"), [*events, ("tag", "v0.4.0")])
    proc = subprocess.Popen(
        [str(BIN / "wheeltrain"), "changelog", "--all", *extra],
        cwd=tmp_path / "long", stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    with proc.stdout, proc.stderr:
        assert proc.stdout.read(1)
        proc.stdout.close()
        err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0, err
    assert err == ""
