"""`smoke --container`: the smoke test in wheeltrain's local builder image, with nothing of this
machine but its CPythons. A variant built without CUDA finds no CUDA library there (this
machine's own CUDA 13 runtime, which its loader finds, stays outside); a CUDA variant gets the
toolkit mounted."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support.artifacts import make_wheel
from tests.support.cli import Cli
from tests.support.servers import LocalIndex

LOADS_CUDART = "python -c \"import ctypes; ctypes.CDLL('libcudart.so.13'); print('cudart loads')\""


def test_smoke_in_a_container_has_no_cuda_unless_the_variant_is_built_with_it(
    tmp_path: Path, cli: Cli, index: LocalIndex
) -> None:
    if shutil.which("podman") is None or shutil.which("mmdebstrap") is None:
        pytest.skip(
            "needs podman and mmdebstrap for the local builder image (.ci/run installs them)"
        )
    if not Path("/usr/local/cuda/include/cuda.h").is_file():
        pytest.skip("needs the CUDA 13 toolkit to mount into the container")
    project = tmp_path / "p"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        "[project]\nname = 'boxed'\nversion = '1.0.0'\n"
        "[tool.wheeltrain]\npython = ['3.12']\narchs = ['x86_64']\n"
        "[tool.wheeltrain.variant-defaults]\n"
        f"smoke = '''{LOADS_CUDART}'''\n"
        "[tool.wheeltrain.variants.cpu]\ndistribution = 'boxed-cpu'\nimport-name = 'boxed_cpu'\n"
        "[tool.wheeltrain.variants.gpu]\ndistribution = 'boxed-gpu'\nimport-name = 'boxed_gpu'\n"
        "cuda = '13.0'\n"
    )
    dist = tmp_path / "dist"
    tag = "cp312-cp312-manylinux_2_28_x86_64"
    make_wheel(dist, "boxed-cpu", "1.0.0", tag)
    make_wheel(dist, "boxed-gpu", "1.0.0", tag)
    result = cli(
        "smoke", "--event", "monthly", "--version", "1.0.0", "--python", "3.12", "--arch",
        "x86_64", "--container", "--find-links",
        str(dist), "--index-url", index.url + "/simple/", "--project", str(project), "--json",
    )  # fmt: skip
    assert "results" in result.json(), result.err
    results = {r["variant"]: r for r in result.json()["results"]}
    assert result.code == 1
    assert not results["cpu"]["ok"]
    assert "libcudart.so.13: cannot open shared object file" in results["cpu"]["problem"]
    assert results["gpu"]["ok"], results["gpu"]["problem"]
    assert results["gpu"]["output"] == "cudart loads"
