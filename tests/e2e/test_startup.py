"""`wheeltrain plan` loads only what a plan needs: a workflow runs it on every push, and its
start is most of its time. The check runs the real command in a fresh interpreter without
``site`` (so that no ``.pth`` file, coverage's included, adds modules of its own) and reads
which modules the command itself brought in."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from pathlib import Path

import wheeltrain
from tests.support.gitrepo import released_repo

#: Modules that other commands use and that a plan must not load.
NOT_FOR_PLAN = (
    "pathlib",  # a plan keeps folders as strings
    "queue",
    "importlib.metadata",
    "json",  # only --json prints JSON
    "requests",
    "urllib3",
    "pypi_simple",
    "tomlkit",
    "ruamel",
    "elftools",
    "matplotlib",
    "wheeltrain.adapters.index",
    "wheeltrain.stages.pipeline.steps",
)

PROBE = """
import sys
sys.path[:0] = [{src!r}, {site!r}]
before = set(sys.modules)
from wheeltrain.cli import main
code = main(["plan", "--project", {project!r}])
print("LOADED", " ".join(sorted(set(sys.modules) - before)))
sys.exit(code)
"""


def test_plan_loads_none_of_the_modules_other_commands_need(tmp_path: Path) -> None:
    repo = released_repo(tmp_path / "proj")
    repo.build(["fix(store): leak", "feat(ep): expert parallelism"])
    src = str(Path(wheeltrain.__file__).resolve().parents[1])
    code = PROBE.format(src=src, site=sysconfig.get_paths()["purelib"], project=str(repo.root))
    proc = subprocess.run(
        [sys.executable, "-S", "-c", code], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert "next version: 0.4.0" in proc.stdout
    loaded = set(proc.stdout.split("LOADED", 1)[1].split())
    assert "wheeltrain.stages.release.monthly" in loaded  # the probe saw the plan's own modules
    assert not {m for m in loaded if m.split(".")[0] in NOT_FOR_PLAN or m in NOT_FOR_PLAN}
