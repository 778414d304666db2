"""CPython 3.14 in the default matrix: built on CI, and here only where an interpreter is."""

from __future__ import annotations

from pathlib import Path

from tests.support.cli import Cli
from wheeltrain.adapters import builder
from wheeltrain.core.config import parse_config
from wheeltrain.core.matrix import select_targets

PYPROJECT = """\
[project]
name = "demo314"
version = "0.1.0"

[tool.wheeltrain.variants.cpu]
distribution = "demo314"
import-name = "demo314"
"""


def test_the_default_matrix_builds_python_3_14_on_both_archs(tmp_path: Path, cli: Cli) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    result = cli("matrix", "--event", "monthly", "--json", "--project", str(tmp_path))
    assert result.code == 0, result.err
    builds = {(e["python"], e["arch"]) for e in result.json()["include"]}
    assert {py for py, _ in builds} == {"3.10", "3.11", "3.12", "3.13", "3.14"}
    assert ("3.14", "x86_64") in builds and ("3.14", "aarch64") in builds
    names = [e["filename"] for e in result.json()["expected"]]
    assert "demo314-0.1.0-cp314-cp314-manylinux_2_28_x86_64.whl" in names


def test_a_local_build_of_3_14_needs_a_local_interpreter() -> None:
    """Whatever this machine has: without a CPython 3.14 the build is CI only and says why;
    with one, it is built here."""
    config = parse_config({"variants": {"cpu": {"distribution": "d", "import-name": "d"}}})
    (target,) = select_targets(config, "monthly", pythons=["3.14"], archs=[_arch()])
    why = builder.unbuildable_reason(target, "host")
    if builder.find_python("3.14") is None:
        assert why == "CPython 3.14 is not installed here"
    else:
        assert why is None


def _arch() -> str:
    import platform

    return "aarch64" if platform.machine() == "aarch64" else "x86_64"
