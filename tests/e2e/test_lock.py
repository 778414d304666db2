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
    planned = cli("lock", "--install", "demo-tool==1.0", "--index-url", simple,
                  "--project", str(project), "--dry-run")  # fmt: skip
    assert planned.code == 0, planned.err
    assert planned.out.startswith("would write .github/wheeltrain/requirements.txt: 2 ")
    assert "resolving 1 requirement(s) for CPython 3.12 on x86_64" in planned.err  # progress
    assert list(project.iterdir()) == []  # a dry run writes nothing
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


def test_a_wheel_on_no_index_is_kept_beside_the_lock_and_installed_hash_checked(
    tmp_path: Path, index: LocalIndex, cli: Cli
) -> None:
    """The tool is on no index: its wheel goes beside the lock, pinned by its sha256 like
    every dependency; a fresh venv installs exactly that, and pip refuses a changed copy."""
    wheels = tmp_path / "wheels"
    dep = make_wheel(wheels, "demo-dep", "1.0")
    index.upload([dep])
    tool = make_wheel(tmp_path / "built", "demo-tool", "2.0", requires=("demo-dep>=1",))
    project = tmp_path / "project"
    project.mkdir()
    simple = index.url + "/simple/"
    result = cli("lock", "--install", str(tool), "--index-url", simple,
                 "--project", str(project), "--json")  # fmt: skip
    assert result.code == 0, result.err
    kept = project / ".github" / "wheeltrain" / tool.name
    assert result.json()["bundled"] == str(kept) and kept.read_bytes() == tool.read_bytes()
    text = (project / ".github" / "wheeltrain" / "requirements.txt").read_text()
    assert f"demo-dep==1.0 \\\n    --hash=sha256:{sha256_of(dep)}\n" in text
    assert text.endswith(
        f"./.github/wheeltrain/{tool.name} \\\n    --hash=sha256:{sha256_of(tool)}\n"
    )
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    lock = ".github/wheeltrain/requirements.txt"

    def install(into: Path) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
        env.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1")
        return subprocess.run(
            [str(into / "bin" / "python"), "-m", "pip", "install", "--index-url", simple,
             "--require-hashes", "--no-deps", "-r", lock],
            cwd=project, env=env, capture_output=True, text=True,
        )  # fmt: skip

    ok = install(venv)
    assert ok.returncode == 0, ok.stderr
    assert "demo_tool" in subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import demo_tool; print(demo_tool.__name__)"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    # the committed wheel is changed: pip refuses it
    kept.write_bytes(kept.read_bytes() + b"\0")
    venv2 = tmp_path / "venv2"
    subprocess.run([sys.executable, "-m", "venv", str(venv2)], check=True)
    refused = install(venv2)
    assert refused.returncode != 0 and "DO NOT MATCH THE HASHES" in refused.stderr
    # a new lock replaces the old wheel beside it, never keeps both
    newer = make_wheel(tmp_path / "built2", "demo-tool", "2.1", requires=("demo-dep>=1",))
    assert cli("lock", "--install", str(newer), "--index-url", simple,
               "--project", str(project)).code == 0  # fmt: skip
    beside = sorted(p.name for p in (project / ".github" / "wheeltrain").glob("*.whl"))
    assert beside == [newer.name]


@pytest.mark.slow
@pytest.mark.skipif(not _pypi_answers(), reason="needs https://pypi.org to resolve the real lock")
def test_init_bundles_the_wheeltrain_on_no_index_and_it_installs_on_every_declared_cpython(
    tmp_path: Path, cli: Cli
) -> None:
    """A fresh repository, the wheeltrain of this checkout (on no index): init writes a lock
    with this wheeltrain's wheel beside it; a fresh venv installs it with --require-hashes
    and runs it; and the same wheel installs on CPython 3.10, the oldest it declares."""
    from wheeltrain.adapters.builder import find_python
    from wheeltrain.stages.commands.lock import running_wheeltrain

    if running_wheeltrain()[0] == "index":
        pytest.skip("this wheeltrain was installed from an index: nothing to bundle")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "pyproject.toml").write_text('[project]\nname = "demo"\nversion = "0.1.0"\n')
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    result = cli("init", "--project", str(repo), "--json")
    assert result.code == 0, result.err
    written = result.json()["written"]
    bundled = [w for w in written if w.endswith(".whl")]
    assert bundled and bundled[0].startswith(".github/wheeltrain/wheeltrain-"), written
    lock = repo / ".github" / "wheeltrain" / "requirements.txt"
    assert "# install: this wheeltrain" in lock.read_text()
    python = find_python("3.12") or sys.executable
    venv = tmp_path / "venv"
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1")
    if "PIP_CERT" in os.environ:
        env["PIP_CERT"] = os.environ["PIP_CERT"]
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--index-url",
           "https://pypi.org/simple/", "--require-hashes", "--no-deps", "-r", str(lock)]  # fmt: skip
    ok = subprocess.run(pip, cwd=repo, env=env, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr[-2000:]
    ran = subprocess.run(
        [
            str(
                venv / "bin" / "wheeltrain",
            ),
            "--version",
        ],
        capture_output=True,
        text=True,
    )
    assert ran.stdout.startswith("wheeltrain "), ran.stderr
    # CPython 3.10: the same wheel, its dependencies resolved for 3.10 by pip
    old = find_python("3.10")
    if old is None:
        pytest.skip("no CPython 3.10 on this machine (pyenv) for the oldest declared Python")
    venv310 = tmp_path / "venv310"
    subprocess.run([old, "-m", "venv", str(venv310)], check=True)
    wheel = repo / bundled[0]
    on310 = subprocess.run(
        [str(venv310 / "bin" / "python"), "-m", "pip", "install", "--quiet", "--index-url",
         "https://pypi.org/simple/", str(wheel)],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert on310.returncode == 0, on310.stderr[-2000:]
    ran310 = subprocess.run(
        [str(venv310 / "bin" / "wheeltrain"), "--version"], capture_output=True, text=True
    )
    assert ran310.stdout.startswith("wheeltrain "), ran310.stderr
