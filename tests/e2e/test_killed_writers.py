"""Every writer, killed at many moments: a real `wheeltrain` process that writes files is sent
SIGKILL at evenly spaced moments across its whole run (no cleanup survives SIGKILL), and each
file it touches is found either as it was or as the finished run writes it, never empty or
half-written, and no temporary file is left beside it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.gitrepo import GitRepo

WHEELTRAIN = str(Path(sys.executable).parent / "wheeltrain")
pytestmark = pytest.mark.fault
MOMENTS = 24


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


def project(tmp_path: Path) -> GitRepo:
    repo = GitRepo.create(tmp_path / "r", version="0.1.0")
    pyproject = repo.root / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text()
        + 'version_toml = ["pyproject.toml:project.version", "wheel/pyproject.toml:project.version"]\n'
        + 'version_variables = ["src/demo/__init__.py:__version__"]\n'
    )
    (repo.root / "wheel").mkdir()
    (repo.root / "wheel" / "pyproject.toml").write_text(
        '[project]\nname = "w"\nversion = "0.1.0"\n'
    )
    (repo.root / "src" / "demo").mkdir(parents=True)
    (repo.root / "src" / "demo" / "__init__.py").write_text('__version__ = "0.1.0"\n')
    repo.build(["chore: version files", ("tag", "v0.1.0")])
    return repo


WRITERS = {
    "bump": ["bump", "patch"],  # three version locations
    "init": ["init", "--no-lock", "--profile", "mooncake"],  # some thirty files
    "notify": ["notify", "--workflow", "W", "--run-url", "https://github.com/o/r/actions/runs/1",
               "--results", json.dumps({"build": {"result": "failure"}}), "--out", "report"],
}  # fmt: skip


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_a_killed_writer_leaves_each_file_old_or_new(tmp_path: Path, writer: str) -> None:
    repo = project(tmp_path)
    args = [WHEELTRAIN, *WRITERS[writer], "--project", str(repo.root)]
    env = {**os.environ, "SLACK_WEBHOOK_URL": "", "DISCORD_WEBHOOK_URL": ""}
    old = snapshot(repo.root)
    began = time.monotonic()
    done = subprocess.run(args, env=env, cwd=repo.root, capture_output=True, text=True)
    took = time.monotonic() - began
    assert done.returncode in (0, 1), done.stderr  # notify exits 1: no webhook was set
    new = snapshot(repo.root)
    changed = {k for k in set(old) | set(new) if old.get(k) != new.get(k)}
    assert changed, "the writer wrote nothing"
    seen_partial_runs = 0
    left_any = False
    for moment in range(1, MOMENTS + 1):
        repo.git("reset", "-q", "--hard")
        repo.git("clean", "-q", "-fdx")
        assert snapshot(repo.root) == old
        process = subprocess.Popen(args, env=env, cwd=repo.root, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)  # fmt: skip
        # a half of the moments across the whole run, the other half across its last third,
        # where the files are written
        share = moment / MOMENTS
        time.sleep(took * (2 * share if share <= 0.5 else 2 / 3 + (share - 0.5) * 2 / 3 * 1.1))
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        now = snapshot(repo.root)
        for name in changed:
            assert now.get(name) in (old.get(name), new.get(name)), (writer, moment, name)
        # a killed writer may leave its temporary beside the file (never the file half-done):
        # the next run's write of that file removes it
        leftovers = [n for n in now if n not in old and n not in new]
        assert all(Path(n).name.startswith(".") and n.endswith(".tmp") for n in leftovers), (
            writer, moment, leftovers,
        )  # fmt: skip
        left_any = left_any or bool(leftovers)
        # from the old state again, but with the leftovers: a whole run removes them
        repo.git("reset", "-q", "--hard")
        repo.git("clean", "-q", "-fdx", "-e", "*.tmp")
        finished = subprocess.run(args, env=env, cwd=repo.root, capture_output=True, text=True)
        assert finished.returncode == done.returncode, finished.stderr
        assert snapshot(repo.root) == new, (writer, moment)  # the re-run finished, no leftover
        seen_partial_runs += any(now.get(n) != new.get(n) for n in changed) and any(
            now.get(n) != old.get(n) for n in changed
        )
    # how many kills fell between two of the files' writes depends on the machine's load, so
    # it is reported, not required: the property above holds at every moment either way
    print(f"{writer}: {seen_partial_runs} of {MOMENTS} kills left some files new, some old")
