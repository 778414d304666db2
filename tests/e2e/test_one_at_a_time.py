"""One release at a time: two `publish` runs of the same version to the same index upload each
file once and both tell the truth; a killed build's temporary copy is removed by the next
build. Real processes, a real pypiserver behind a proxy that counts uploads, real kill -9."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.e2e.test_publish import EXAMPLE, release_files
from tests.support.servers import LocalIndex, faulty_proxy

WHEELTRAIN = str(Path(sys.executable).parent / "wheeltrain")
pytestmark = pytest.mark.fault


def test_two_publish_runs_at_once_upload_each_file_once(tmp_path: Path, index: LocalIndex) -> None:
    files = release_files(tmp_path / "dist")
    env = {**os.environ, "WHEELTRAIN_CACHE_DIR": str(tmp_path / "cache")}
    with faulty_proxy(index.url.removesuffix("/simple/"), lambda _n: "pass") as (url, log):
        args = [WHEELTRAIN, "publish", str(tmp_path / "dist"), "--version", "0.4.0",
                "--repository-url", url, "--project", str(EXAMPLE), "--json"]  # fmt: skip
        runs = [
            subprocess.Popen(
                args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
            for _ in range(2)
        ]
        outs = [run.communicate(timeout=600) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], [err for _, err in outs]
    assert log.count("pass") == len(files)  # every file reached the index once
    import json

    reports = [json.loads(out) for out, _ in outs]
    uploaded = sorted(name for r in reports for name in r["uploaded"])
    assert uploaded == sorted(p.name for p in files)  # each upload claimed by one run only
    for report in reports:  # the other run says the file was there already
        assert sorted(report["uploaded"] + report["present"]) == sorted(p.name for p in files)


def test_a_killed_builds_copy_is_removed_by_the_next_build(tmp_path: Path) -> None:
    project = tmp_path / "p"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        "[build-system]\nrequires = ['setuptools>=61']\nbuild-backend = 'setuptools.build_meta'\n"
        "[project]\nname = 'slow-pure'\nversion = '1.0.0'\n"
        "[tool.wheeltrain]\npython = ['3.12']\narchs = ['x86_64']\n"
        "[tool.wheeltrain.variants.main]\ndistribution = 'slow-pure'\nimport-name = 'slow_pure'\n"
        "kind = 'pure'\n"
    )
    (project / "slow_pure").mkdir()
    (project / "slow_pure" / "__init__.py").write_text("")
    # a setup.py that takes its time, so the build can be killed while its copy exists
    (project / "setup.py").write_text(
        "import time\ntime.sleep(60)\nfrom setuptools import setup\nsetup()\n"
    )
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp)}
    build = subprocess.Popen(
        [WHEELTRAIN, "build", "--variant", "main", "--out", str(tmp_path / "out"),
         "--project", str(project)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not list(tmp.glob("wheeltrain-build-*")) and time.monotonic() < deadline:
        time.sleep(0.2)
    copies = list(tmp.glob("wheeltrain-build-*"))
    assert copies, "the build made no copy"
    os.kill(build.pid, signal.SIGKILL)
    build.wait()
    assert copies[0].exists()  # SIGKILL: no cleanup ran
    (project / "setup.py").write_text("from setuptools import setup\nsetup()\n")
    done = subprocess.run(
        [WHEELTRAIN, "build", "--variant", "main", "--out", str(tmp_path / "out"),
         "--project", str(project)],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert not copies[0].exists()
    assert list(tmp.glob("wheeltrain-build-*")) == []
    assert tempfile.gettempdir() != str(tmp)  # the test's own temporary folder was not used
