"""`wheeltrain lock` and `init`: what the workflows install, pinned with every file's sha256,
resolved by real pip against a real index, and refused by pip when a file changes."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.support.artifacts import make_wheel, sha256_of
from tests.support.cli import Cli
from tests.support.servers import LocalIndex

ROOT = Path(__file__).resolve().parents[2]


def _pip(venv: Path, *args: str, index: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_CACHE_DIR="1")
    return subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--index-url", index, *args],
        env=env,
        capture_output=True,
        text=True,
    )


def test_lock_pins_versions_and_hashes_and_pip_enforces_them(
    tmp_path: Path, index: LocalIndex, cli: Cli
) -> None:
    wheels = tmp_path / "wheels"
    tool = make_wheel(wheels, "demo-tool", "1.0", requires=("demo-dep>=1",))
    make_wheel(wheels, "demo-dep", "1.0")
    dep = make_wheel(wheels, "demo-dep", "1.1")
    index.upload(list(wheels.iterdir()))
    simple = index.url + "/simple/"
    project = tmp_path / "project"
    project.mkdir()
    result = cli("lock", "--install", "demo-tool==1.0", "--index-url", simple,
                 "--project", str(project), "--json")  # fmt: skip
    assert result.code == 0, result.err
    assert result.json()["self_pinned"] is True
    text = (project / ".github" / "wheeltrain" / "requirements.txt").read_text()
    assert f"demo-dep==1.1 \\\n    --hash=sha256:{sha256_of(dep)}\n" in text
    assert f"demo-tool==1.0 \\\n    --hash=sha256:{sha256_of(tool)}\n" in text
    assert "# install: demo-tool==1.0" in text
    # the workflows' install: exactly these files, or nothing
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    lock = str(project / ".github" / "wheeltrain" / "requirements.txt")
    ok = _pip(venv, "--require-hashes", "--no-deps", "-r", lock, index=simple)
    assert ok.returncode == 0, ok.stderr
    # the index now serves another file under the same name: pip refuses it
    (index.packages / dep.name).write_bytes(dep.read_bytes() + b"\0")
    venv2 = tmp_path / "venv2"
    subprocess.run([sys.executable, "-m", "venv", str(venv2)], check=True)
    refused = _pip(venv2, "--require-hashes", "--no-deps", "-r", lock, index=simple)
    assert refused.returncode != 0
    assert "THESE PACKAGES DO NOT MATCH THE HASHES" in refused.stderr


def test_lock_refuses_what_pip_cannot_resolve(tmp_path: Path, index: LocalIndex, cli: Cli) -> None:
    result = cli("lock", "--install", "no-such-tool==9", "--index-url", index.url + "/simple/",
                 "--project", str(tmp_path))  # fmt: skip
    assert result.code == 1
    assert "pip could not resolve what the workflows install for CPython 3.12" in result.err
    assert not (tmp_path / ".github").exists()


def _pypi_answers() -> bool:
    try:
        with urllib.request.urlopen("https://pypi.org/simple/pip/", timeout=10):
            return True
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.skipif(not _pypi_answers(), reason="needs https://pypi.org to resolve the real lock")
def test_this_repositorys_lock_installs_a_working_wheeltrain(tmp_path: Path) -> None:
    """The committed .github/wheeltrain/requirements.txt is complete: hash-checked, no
    dependency resolution, then wheeltrain from the checkout, and pip finds nothing missing."""
    from wheeltrain.adapters.builder import find_python

    python = find_python("3.12") or sys.executable
    venv = tmp_path / "venv"
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    lock = str(ROOT / ".github" / "wheeltrain" / "requirements.txt")
    first = _pip(venv, "--quiet", "--require-hashes", "--no-deps", "-r", lock,
                 index="https://pypi.org/simple/")  # fmt: skip
    assert first.returncode == 0, first.stderr[-2000:]
    second = _pip(venv, "--quiet", "--no-deps", str(ROOT), index="https://pypi.org/simple/")
    assert second.returncode == 0, second.stderr[-2000:]
    check = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "check"], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout
    version = subprocess.run(
        [str(venv / "bin" / "wheeltrain"), "--version"], capture_output=True, text=True
    )
    assert version.stdout.startswith("wheeltrain ")
