"""`wheeltrain rehearse`, the main job, run as a user runs it."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "transfer-engine"
WHEELTRAIN = str(Path(sys.executable).parent / "wheeltrain")


def listing(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def sandbox(tmp_path: Path) -> dict[str, str]:
    """HOME, TMPDIR and the working folder are empty folders we can inspect afterwards."""
    env = dict(os.environ)
    for name in ("home", "tmp", "cwd"):
        (tmp_path / name).mkdir()
    env["PYENV_ROOT"] = os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))
    env.update(HOME=str(tmp_path / "home"), TMPDIR=str(tmp_path / "tmp"))
    return env


@pytest.mark.slow
def test_rehearsal_releases_monthly_and_hotfix_and_leaves_nothing(tmp_path: Path) -> None:
    env = sandbox(tmp_path)
    before = listing(EXAMPLE)
    proc = subprocess.run(
        [WHEELTRAIN, "rehearse", "--project", str(EXAMPLE), "--python", "3.12", "--json"],
        cwd=tmp_path / "cwd",
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout)
    monthly, hotfix = report["releases"]
    assert (monthly["kind"], monthly["version"]) == ("monthly", "0.4.0")
    assert (hotfix["kind"], hotfix["version"]) == ("hotfix", "0.4.0.post1")
    assert set(monthly["files"]) == {"non-cuda"}
    assert "cuda13" in hotfix["files"] or shutil.which("nvcc") is None
    assert any("upgrade 0.4.0 -> 0.4.0.post1" in line for line in hotfix["smoke"])
    assert any("aarch64 builds run on CI" in line for line in monthly["ci_only"])
    assert any(
        line.startswith("cuda cp312-manylinux_x86_64: needs the CUDA 12.8 toolkit")
        for line in monthly["ci_only"]
    )
    stages = [(s["release"], s["stage"]) for s in report["stages"]]
    for stage in ("plan", "build", "check", "publish", "verify", "smoke"):
        assert ("monthly", stage) in stages
    assert ("hotfix", "smoke") in stages
    assert "[monthly] build" in proc.stderr  # progress on long steps
    # nothing written outside its temporary folder, no server left behind
    assert listing(tmp_path / "home") == [] and listing(tmp_path / "tmp") == []
    assert listing(tmp_path / "cwd") == [] and listing(EXAMPLE) == before
    port = proc.stderr.split("local index on http://127.0.0.1:")[1].split("/")[0]
    leftovers = subprocess.run(
        ["pgrep", "-f", f"pypiserver run -p {port}"], capture_output=True, text=True
    )
    assert leftovers.stdout == ""


@pytest.mark.slow
def test_a_failing_rehearsal_names_the_stage(tmp_path: Path) -> None:
    env = sandbox(tmp_path)
    broken = tmp_path / "broken"
    shutil.copytree(EXAMPLE, broken)
    (broken / "csrc" / "engine.c").write_text("not C at all\n")
    proc = subprocess.run(
        [WHEELTRAIN, "rehearse", "--project", str(broken), "--python", "3.12"],
        cwd=tmp_path / "cwd",
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 1
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("wheeltrain: error: rehearsal failed at monthly/build: ")
    # the rehearsal's folder is gone: no advice names a log inside it
    assert "wheeltrain-rehearsal-" not in last and "--keep" in last, last
    assert listing(tmp_path / "tmp") == []


def test_rehearsal_refuses_a_project_without_variants(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\nversion = '1.0.0'\n")
    proc = subprocess.run(
        [WHEELTRAIN, "rehearse", "--project", str(tmp_path)], capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert "has no [tool.wheeltrain] table" in proc.stderr


@pytest.mark.slow
def test_rehearsing_a_git_repository_uses_a_clone_and_leaves_the_repository_alone(
    tmp_path: Path,
) -> None:
    from tests.support.gitrepo import GitRepo

    env = sandbox(tmp_path)
    repo = GitRepo(tmp_path / "project")
    shutil.copytree(EXAMPLE, repo.root)
    # a project whose tags are not v-prefixed: every tag and branch the rehearsal makes follows
    # its tag_format
    pyproject = repo.root / "pyproject.toml"
    text = pyproject.read_text()
    assert 'tag_format = "v{version}"' in text
    pyproject.write_text(
        text.replace('tag_format = "v{version}"', 'tag_format = "release-{version}"')
    )
    repo.git("init", "-q", "-b", "main")
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "chore: import")
    repo.tag("release-0.3.9")
    repo.commit("fix(engine): a fix worth a patch release")
    before = (repo.git("rev-parse", "HEAD"), repo.git("tag"))
    proc = subprocess.run(
        [WHEELTRAIN, "rehearse", "--project", str(repo.root), "--python", "3.12", "--json"],
        cwd=tmp_path / "cwd",
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout)
    assert report["history"] == "a clone of the project's repository"
    assert [r["version"] for r in report["releases"]] == ["0.3.10", "0.3.10.post1"]
    details = {(s["release"], s["stage"]): s["detail"] for s in report["stages"]}
    assert details[("monthly", "stamp, changelog, tag")] == (
        "cut release-0.3.10, semantic-release agreeing"
    )
    assert details[("hotfix", "stamp, changelog, tag")] == (
        "release-0.3.10.post1 and hotfix/release-0.3.10.post1"
    )
    assert (repo.git("rev-parse", "HEAD"), repo.git("tag")) == before
    assert repo.git("status", "--porcelain") == ""


@pytest.mark.fault
@pytest.mark.slow
def test_a_wheel_whose_smoke_command_fails_is_never_uploaded(tmp_path: Path) -> None:
    env = sandbox(tmp_path)
    broken = tmp_path / "broken"
    shutil.copytree(EXAMPLE, broken)
    pyproject = broken / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace(
            'assert mooncake.backend() == \\"cpu\\"', 'assert mooncake.backend() == \\"tpu\\"'
        )
    )
    assert '== \\"tpu\\"' in pyproject.read_text()
    proc = subprocess.run(
        [WHEELTRAIN, "rehearse", "--project", str(broken), "--python", "3.12", "--keep"],
        cwd=tmp_path / "cwd",
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 1, proc.stderr[-2000:]
    last = proc.stderr.strip().splitlines()[-1]
    assert "rehearsal failed at monthly/smoke built files: nothing was uploaded" in last
    assert "smoke command failed" in last
    kept = next(line for line in proc.stderr.splitlines() if line.startswith("kept "))
    packages = Path(kept.removeprefix("kept ")) / "index" / "packages"
    assert sorted(p.name for p in packages.iterdir()) == []
    shutil.rmtree(kept.removeprefix("kept "), ignore_errors=True)


def _start_until_index(tmp_path: Path) -> tuple[subprocess.Popen[str], str, list[str]]:
    """A rehearsal of the example, running until its index answers: (process, port, lines)."""
    env = sandbox(tmp_path)
    proc = subprocess.Popen(
        [WHEELTRAIN, "rehearse", "--project", str(EXAMPLE), "--python", "3.12"],
        cwd=tmp_path / "cwd",
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    lines = []
    for line in proc.stderr:
        lines.append(line)
        if "local index on http://127.0.0.1:" in line:
            return proc, line.split("127.0.0.1:")[1].split("/")[0], lines
    raise AssertionError("the rehearsal never started its index: " + "".join(lines)[-2000:])


def _index_process(port: str) -> str:
    found = subprocess.run(
        ["pgrep", "-f", f"pypiserver run -p {port}"], capture_output=True, text=True
    )
    return found.stdout.strip()


@pytest.mark.fault
@pytest.mark.slow
def test_sigterm_unwinds_a_rehearsal_like_ctrl_c(tmp_path: Path) -> None:
    proc, port, _ = _start_until_index(tmp_path)
    assert _index_process(port)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 143, err
    assert err.strip().splitlines()[-1] == "wheeltrain: terminated"
    assert _index_process(port) == ""
    assert listing(tmp_path / "tmp") == [] and listing(tmp_path / "home") == []


@pytest.mark.fault
@pytest.mark.slow
def test_after_sigkill_the_index_dies_and_the_next_rehearsal_clears_the_rest(
    tmp_path: Path,
) -> None:
    proc, port, _ = _start_until_index(tmp_path)
    proc.kill()
    proc.wait(timeout=30)
    assert proc.stderr is not None
    proc.stderr.close()
    deadline = time.monotonic() + 15
    while _index_process(port) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _index_process(port) == ""  # it died with its parent
    left = [p.name for p in (tmp_path / "tmp").iterdir()]
    assert any(name.startswith("wheeltrain-rehearsal-") for name in left)
    # the next rehearsal (even one refused at once) removes what the killed one left
    empty = tmp_path / "no-project"
    empty.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp_path / "tmp")}
    again = subprocess.run(
        [WHEELTRAIN, "rehearse", "--project", str(empty)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert again.returncode == 2
    assert "removed 1 folder(s) left by rehearsals that were killed" in again.stderr
    assert not [p for p in (tmp_path / "tmp").iterdir() if p.name.startswith("wheeltrain-")]


def _processes_under(folder: Path) -> list[str]:
    """Processes whose environment points into ``folder`` (every child of a rehearsal sandboxed
    there inherits its TMPDIR): pid and command line."""
    found = []
    for proc_dir in Path("/proc").iterdir():
        if not proc_dir.name.isdigit() or int(proc_dir.name) == os.getpid():
            continue
        try:
            environ = (proc_dir / "environ").read_bytes()
            cmdline = (proc_dir / "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if str(folder).encode() in environ:
            found.append(f"{proc_dir.name}: {cmdline.decode(errors='replace')[:120]}")
    return found


def _containers_of(pid: int) -> list[str]:
    listed = subprocess.run(
        ["podman", "ps", "-a", "--filter", "label=io.wheeltrain.owner",
         "--format", '{{index .Labels "io.wheeltrain.owner"}}'],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    return [line for line in listed.stdout.split() if line.startswith(f"{pid}-")]


def _wait_for(what: Callable[[], object], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not what() and time.monotonic() < deadline:
        time.sleep(0.2)


@pytest.mark.fault
@pytest.mark.slow
@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM"])
@pytest.mark.parametrize("stage", ["build", "smoke built files", "publish", "smoke"])
def test_a_rehearsal_killed_at_a_stage_boundary_leaves_nothing_running(
    tmp_path: Path, stage: str, how: str
) -> None:
    """Killed as the stage starts (a build: once its container runs): no process, container
    or index is left; SIGTERM removes the rest itself, and after SIGKILL the next rehearsal
    does. The project is untouched either way."""
    if stage == "build" and shutil.which("podman") is None:
        pytest.skip("a build boundary needs podman, which this machine lacks")
    before = listing(EXAMPLE)
    proc, port, lines = _start_until_index(tmp_path)
    assert proc.stderr is not None
    for line in proc.stderr:
        lines.append(line)
        if line.startswith(f"[monthly] {stage} ..."):
            break
    else:
        raise AssertionError(f"the rehearsal never reached {stage}: " + "".join(lines)[-2000:])
    if stage == "build":
        _wait_for(lambda: _containers_of(proc.pid), 120)
        assert _containers_of(proc.pid), "the build started no container"
    else:
        time.sleep(1.0)  # into the stage: its pip or twine children are running
    proc.send_signal(getattr(signal, how))
    _, err = proc.communicate(timeout=120)
    _wait_for(lambda: not _processes_under(tmp_path) and not _containers_of(proc.pid), 30)
    assert _processes_under(tmp_path) == []
    assert _containers_of(proc.pid) == []
    assert _index_process(port) == ""
    if how == "SIGTERM":
        assert proc.returncode == 143, err
        assert err.strip().splitlines()[-1] == "wheeltrain: terminated"
    else:
        empty = tmp_path / "no-project"
        empty.mkdir()
        again = subprocess.run(
            [WHEELTRAIN, "rehearse", "--project", str(empty)],
            env={**os.environ, "TMPDIR": str(tmp_path / "tmp")},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert "removed 1 folder(s) left by rehearsals that were killed" in again.stderr
    assert listing(tmp_path / "tmp") == [] and listing(tmp_path / "home") == []
    assert listing(EXAMPLE) == before
