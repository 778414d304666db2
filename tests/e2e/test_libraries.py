"""`check` reads the shared libraries a wheel needs and carries, on real ELF files made with
gcc (no CUDA toolkit needed): forbidden libraries, CUDA runtimes that must not be bundled, the
CUDA runtime a CUDA variant must need, the wrong CUDA major, and files it cannot read."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.artifacts import make_wheel
from tests.support.cli import Cli

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc to make ELF files")

PROJECT = """\
[project]
name = "demo"
version = "1.0.0"

[tool.wheeltrain]
python = ["3.12"]
archs = ["x86_64"]

[tool.wheeltrain.variants.cpu]
distribution = "demo-cpu"
import-name = "demo"
forbid-libraries = ["libz.so*", "libcudart.so*"]

[tool.wheeltrain.variants.cu12]
distribution = "demo"
import-name = "demo"
cuda = "12.8"

[tool.wheeltrain.variants.cu13]
distribution = "demo-cu13"
import-name = "demo"
cuda = "13.0"
"""


def shared_object(work: Path, name: str, *, needs: tuple[str, ...] = (), soname: str = "") -> bytes:
    """A real shared object built by gcc whose DT_NEEDED lists ``needs``."""
    work.mkdir(parents=True, exist_ok=True)
    source = work / "x.c"
    source.write_text("int wheeltrain_probe(void) { return 1; }\n")
    links = []
    for lib in needs:  # a stub for each needed library, so the linker records it
        stub = work / lib
        subprocess.run(
            ["gcc", "-shared", "-fPIC", f"-Wl,-soname,{lib}", "-o", str(stub), str(source)],
            check=True,
        )
        links.append(str(stub))
    out = work / name
    args = ["gcc", "-shared", "-fPIC", "-Wl,--no-as-needed", "-o", str(out), str(source), *links]
    if soname:
        args.insert(3, f"-Wl,-soname,{soname}")
    subprocess.run(args, check=True)
    return out.read_bytes()


def check(cli: Cli, root: Path, dist: Path, variant: str) -> str:
    event = "monthly"
    result = cli(
        "check", str(dist), "--version", "1.0.0", "--event", event, "--variant", variant,
        "--no-twine", "--project", str(root),
    )  # fmt: skip
    return result.out if result.code == 1 else ""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "pyproject.toml").write_text(PROJECT)
    return tmp_path / "proj"


TAG = "cp312-cp312-manylinux_2_28_x86_64"


def test_a_forbidden_library_is_stopped_without_any_cuda(
    root: Path, tmp_path: Path, cli: Cli
) -> None:
    ext = shared_object(tmp_path / "so", "_engine.so", needs=("libz.so.1",))
    make_wheel(
        tmp_path / "d", "demo-cpu", "1.0.0", TAG, module="demo", binaries={"demo/_engine.so": ext}
    )
    out = check(cli, root, tmp_path / "d", "cpu")
    assert "demo/_engine.so needs libz.so.1, which the cpu variant forbids ('libz.so*')" in out


def test_a_cuda_wheel_that_bundles_libcudart_is_stopped(
    root: Path, tmp_path: Path, cli: Cli
) -> None:
    runtime = shared_object(tmp_path / "rt", "libcudart.so.12", soname="libcudart-1a2b3c4d.so.12")
    ext = shared_object(tmp_path / "so", "_engine.so", needs=("libcudart-1a2b3c4d.so.12",))
    make_wheel(
        tmp_path / "d", "demo", "1.0.0", TAG, module="demo",
        binaries={"demo/_engine.so": ext, "demo.libs/libcudart-1a2b3c4d.so.12": runtime},
    )  # fmt: skip
    out = check(cli, root, tmp_path / "d", "cu12")
    assert (
        "bundles demo.libs/libcudart-1a2b3c4d.so.12 ('libcudart.so*'), which a cu12 wheel must "
        "not carry" in out
    )


def test_a_cpu_only_build_under_a_cuda_name_is_stopped(
    root: Path, tmp_path: Path, cli: Cli
) -> None:
    ext = shared_object(tmp_path / "so", "_engine.so")
    make_wheel(
        tmp_path / "d", "demo", "1.0.0", TAG, module="demo", binaries={"demo/_engine.so": ext}
    )
    out = check(cli, root, tmp_path / "d", "cu12")
    assert (
        "no file needs libcudart.so.12, which the cu12 variant requires (a CUDA 12.8 build)" in out
    )


def test_a_cuda_12_library_in_the_cuda_13_wheel_is_stopped(
    root: Path, tmp_path: Path, cli: Cli
) -> None:
    ext = shared_object(tmp_path / "so", "_engine.so", needs=("libcudart.so.12",))
    make_wheel(
        tmp_path / "d", "demo-cu13", "1.0.0", TAG, module="demo", binaries={"demo/_engine.so": ext}
    )
    out = check(cli, root, tmp_path / "d", "cu13")
    assert "needs libcudart.so.12, a CUDA 12 library in the CUDA 13.0 variant cu13" in out
    assert "no file needs libcudart.so.13" in out


def test_the_right_cuda_runtime_passes(root: Path, tmp_path: Path, cli: Cli) -> None:
    ext = shared_object(tmp_path / "so", "_engine.so", needs=("libcudart.so.13",))
    make_wheel(
        tmp_path / "d", "demo-cu13", "1.0.0", TAG, module="demo", binaries={"demo/_engine.so": ext}
    )
    assert check(cli, root, tmp_path / "d", "cu13") == ""


def test_an_elf_file_that_cannot_be_read_fails_closed(root: Path, tmp_path: Path, cli: Cli) -> None:
    broken = b"\x7fELF" + b"\x02\x01\x01" + b"\xff" * 40
    make_wheel(
        tmp_path / "d",
        "demo-cpu",
        "1.0.0",
        TAG,
        module="demo",
        binaries={"demo/_engine.so": broken},
    )
    out = check(cli, root, tmp_path / "d", "cpu")
    assert "demo/_engine.so is an ELF file that cannot be read" in out
