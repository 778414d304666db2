"""Pure and abi3 variants and sdists, end to end: built, checked, tested with every CPython of
the variant before the upload, published, verified and installed again from the index."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.test_libraries import shared_object
from tests.support.artifacts import make_sdist, make_wheel
from tests.support.cli import Cli
from tests.support.kinds import write_kinds_project
from tests.support.servers import LocalIndex

WHEELTRAIN = str(Path(sys.executable).parent / "wheeltrain")


def _python(version: str) -> bool:
    from wheeltrain.adapters.builder import find_python

    return find_python(version) is not None


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc for the abi3 extension")
@pytest.mark.skipif(
    not all(_python(v) for v in ("3.10", "3.11", "3.12")),
    reason="needs CPython 3.10, 3.11 and 3.12 (the kinds project's matrix)",
)
def test_a_pure_and_an_abi3_variant_with_sdists_are_released_and_tested_on_each_python(
    tmp_path: Path,
) -> None:
    project = write_kinds_project(tmp_path / "kinds")
    proc = subprocess.run(
        [
            WHEELTRAIN,
            "rehearse",
            "--project",
            str(project),
            "--python",
            "3.11",
            "--python",
            "3.12",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout)
    monthly = report["releases"][0]
    assert monthly["version"] == "1.1.0"
    names = {v: sorted(f["name"] for f in files) for v, files in monthly["files"].items()}
    assert names["pure"] == ["kinds_pure-1.1.0-py3-none-any.whl", "kinds_pure-1.1.0.tar.gz"]
    wheel, sdist = names["abi3"]
    # one abi3 wheel, built with the variant's lowest CPython (3.10), for all of them
    assert wheel.startswith("kinds_abi3-1.1.0-cp310-abi3-manylinux") and wheel.endswith(".whl")
    assert sdist == "kinds_abi3-1.1.0.tar.gz"
    stages = {(s["release"], s["stage"]): s["detail"] for s in report["stages"]}
    # 2 variants x the 2 chosen CPythons, each installed from the built files before the upload
    assert stages[("monthly", "smoke built files")] == "4 install(s) from the built files passed"
    assert stages[("monthly", "publish")] == "4 uploaded, 0 already there"
    smoke = monthly["smoke"]
    for python in ("3.11", "3.12"):
        major, minor = python.split(".")
        assert f"abi3 {python}: install 1.1.0: 42 ({major}, {minor})" in smoke
        assert f"pure {python}: install 1.1.0: 42 ({major}, {minor})" in smoke
    assert [r["version"] for r in report["releases"]] == ["1.1.0", "1.1.0.post1"]


def _check(cli: Cli, root: Path, dist: Path, variant: str) -> tuple[int, str]:
    result = cli(
        "check", str(dist), "--version", "1.0.0", "--event", "monthly", "--variant", variant,
        "--no-twine", "--project", str(root),
    )  # fmt: skip
    return result.code, result.out


def test_check_knows_each_kind_of_wheel(tmp_path: Path, cli: Cli) -> None:
    root = write_kinds_project(tmp_path / "kinds")
    good = tmp_path / "good"
    make_wheel(good / "pure", "kinds-pure", "1.0.0", "py3-none-any", module="kinds")
    make_wheel(
        good / "abi3", "kinds-abi3", "1.0.0", "cp310-abi3-manylinux_2_28_x86_64", module="kinds"
    )
    for variant in ("pure", "abi3"):  # the project asks for both sdists
        make_sdist(good / variant, f"kinds-{variant}", "1.0.0")
    assert _check(cli, root, good / "pure", "pure")[0] == 0
    assert _check(cli, root, good / "abi3", "abi3")[0] == 0

    # a CPython-specific wheel where the variant promises abi3, and where it promises pure
    bad = tmp_path / "bad"
    make_wheel(bad / "abi3", "kinds-abi3", "1.0.0", "cp312-cp312-manylinux_2_28_x86_64")
    code, out = _check(cli, root, bad / "abi3", "abi3")
    assert code == 1
    assert "tags ['cp312']/['cp312'] are not one CPython's abi3" in out
    assert "missing: kinds_abi3-1.0.0-cp310-abi3-manylinux_2_28_x86_64.whl" in out
    make_wheel(bad / "pure", "kinds-pure", "1.0.0", "cp312-cp312-manylinux_2_28_x86_64")
    code, out = _check(cli, root, bad / "pure", "pure")
    assert code == 1
    assert "are not a pure wheel's py3-none-any (the pure variant is pure)" in out
    assert "missing: kinds_pure-1.0.0-py3-none-any.whl" in out


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc to make an ELF file")
def test_a_pure_wheel_that_carries_compiled_code_is_stopped(tmp_path: Path, cli: Cli) -> None:
    root = write_kinds_project(tmp_path / "kinds")
    ext = shared_object(tmp_path / "so", "_speed.so")
    make_wheel(
        tmp_path / "d", "kinds-pure", "1.0.0", module="kinds", binaries={"kinds/_speed.so": ext}
    )
    code, out = _check(cli, root, tmp_path / "d", "pure")
    assert code == 1
    assert "kinds/_speed.so is compiled code, but the pure variant is pure" in out


@pytest.mark.slow
def test_wheeltrain_rehearses_its_own_release(tmp_path: Path) -> None:
    """wheeltrain's own [tool.wheeltrain]: a pure variant and its sdist; its dependencies come
    from the index pip is configured with into the rehearsal's index before the smoke tests."""
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run(
        [WHEELTRAIN, "rehearse", "--project", str(root), "--python", "3.12", "--json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout)
    monthly, hotfix = report["releases"]
    version = monthly["version"]
    assert sorted(f["name"] for f in monthly["files"]["wheeltrain"]) == [
        f"wheeltrain-{version}-py3-none-any.whl",
        f"wheeltrain-{version}.tar.gz",
    ]
    assert monthly["smoke"] == [f"wheeltrain 3.12: install {version}: wheeltrain {version}"]
    post = hotfix["version"]
    assert hotfix["smoke"] == [f"wheeltrain 3.12: upgrade {version} -> {post}: wheeltrain {post}"]
    stages = {(s["release"], s["stage"]): s["detail"] for s in report["stages"]}
    assert "requirement(s)" in stages[("monthly", "dependencies")]


@pytest.mark.slow
@pytest.mark.skipif(not _python("3.12"), reason="needs CPython 3.12")
def test_build_test_installs_a_host_built_wheel_and_stops_a_failing_one(
    tmp_path: Path, cli: Cli, index: LocalIndex
) -> None:
    """`build --test` for a wheel cibuildwheel did not build (a pure variant's): installed from
    the output folder into a fresh environment and smoke-tested before it is kept."""
    root = write_kinds_project(tmp_path / "kinds")
    args = [
        "build", "--variant", "pure", "--python", "3.12", "--test", "--version", "1.0.0",
        "--index-url", index.simple_url, "--project", str(root),
    ]  # fmt: skip
    result = cli(*args, "--out", str(tmp_path / "good"))
    assert result.code == 0, result.err
    assert "tested: pure on CPython 3.12: 42 (3, 12)" in result.out
    pyproject = root / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace(
            "smoke = \"python -c 'import kinds, sys; print(",
            "smoke = \"python -c 'raise SystemExit(3); print(",
        )
    )
    result = cli(*args, "--out", str(tmp_path / "bad"))
    assert result.code == 1
    assert (
        "a built wheel failed its test, do not publish it: pure 3.12: smoke command failed"
        in result.err
    )


def test_a_file_larger_than_the_upload_limit_is_stopped_by_check(tmp_path: Path, cli: Cli) -> None:
    root = write_kinds_project(tmp_path / "kinds")
    pyproject = root / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace('kind = "pure"\n', 'kind = "pure"\nmax-file-size-mb = 0.01\n')
    )
    dist = tmp_path / "d"
    wheel = make_wheel(dist, "kinds-pure", "1.0.0", module="kinds", payload="# " + "x" * 20000)
    make_sdist(dist, "kinds-pure", "1.0.0")
    code, out = _check(cli, root, dist, "pure")
    assert code == 1
    size = wheel.stat().st_size / 1024 / 1024
    assert f"{wheel.name}: {size:.1f} MiB, more than the 0.01 MiB an upload of pure may be" in out
    assert out.count("MiB, more than") == 1  # the small sdist passes
