"""`check` lists the GPU architectures a CUDA wheel's device code is built for, read with the
real cuobjdump (NVIDIA's wheel of it, a dev dependency), against the variant's `cuda-archs`:
a kernel compiled by the real nvcc for sm_80 and sm_90, in a wheel whose variant declares 8.0,
9.0 and 10.3."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.artifacts import make_wheel
from tests.support.cli import Cli

NVCC = shutil.which("nvcc") or "/usr/local/cuda/bin/nvcc"
KERNEL = (
    '__global__ void k(float* x) { x[0] = 1; }\nextern "C" void run(float* x) { k<<<1, 1>>>(x); }\n'
)


def cuobjdump() -> Path | None:
    try:
        import nvidia  # type: ignore[import-untyped]  # NVIDIA's namespace package
    except ImportError:
        return None
    for root in nvidia.__path__:
        for found in Path(root).glob("cu*/bin/cuobjdump"):
            return found
    return None


def test_check_names_a_declared_gpu_architecture_the_wheel_lacks(
    tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    tool = cuobjdump()
    if not Path(NVCC).is_file() or tool is None:
        pytest.skip("needs nvcc (the CUDA 13 toolkit) and the nvidia-cuda-cuobjdump dev dependency")
    (tmp_path / "k.cu").write_text(KERNEL)
    subprocess.run(
        [NVCC, "-shared", "-Xcompiler", "-fPIC", "-cudart", "shared",
         "-gencode", "arch=compute_80,code=sm_80", "-gencode", "arch=compute_90,code=sm_90",
         str(tmp_path / "k.cu"), "-o", str(tmp_path / "libk.so")],
        check=True, capture_output=True,
    )  # fmt: skip
    project = tmp_path / "p"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        "[project]\nname = 'gpu-demo'\nversion = '1.0.0'\n"
        "[tool.wheeltrain]\npython = ['3.12']\narchs = ['x86_64']\n"
        "[tool.wheeltrain.variants.cu13]\ndistribution = 'gpu-demo'\nimport-name = 'gpu_demo'\n"
        "cuda = '13.0'\ncuda-archs = ['8.0', '9.0', '10.3']\n"
    )
    dist = tmp_path / "dist"
    make_wheel(dist, "gpu-demo", "1.0.0", "cp312-cp312-manylinux_2_28_x86_64",
               binaries={"gpu_demo/libk.so": (tmp_path / "libk.so").read_bytes()})  # fmt: skip
    monkeypatch.setenv("WHEELTRAIN_CUOBJDUMP", str(tool))
    result = cli("check", str(dist), "--event", "monthly", "--version", "1.0.0", "--no-twine",
                 "--project", str(project), "--json")  # fmt: skip
    report = result.json()
    assert result.code == 1
    assert report["problems"] == [
        "gpu_demo-1.0.0-cp312-cp312-manylinux_2_28_x86_64.whl: no device code for GPU "
        "architecture 10.3, which the cu13 variant declares (cuda-archs)"
    ]
    assert report["notes"] == [
        "gpu_demo-1.0.0-cp312-cp312-manylinux_2_28_x86_64.whl: GPU architectures 8.0, 9.0 "
        "(declared: 8.0, 9.0, 10.3)"
    ]
    # declared exactly what it carries: the check passes and still lists them
    text = (project / "pyproject.toml").read_text().replace(", '10.3'", "")
    (project / "pyproject.toml").write_text(text)
    ok = cli("check", str(dist), "--event", "monthly", "--version", "1.0.0", "--no-twine",
             "--project", str(project))  # fmt: skip
    assert ok.code == 0, ok.out
    assert "GPU architectures 8.0, 9.0 (declared: 8.0, 9.0)" in ok.out
