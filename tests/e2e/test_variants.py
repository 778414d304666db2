"""The variant matrix end to end: cibuildwheel's view of it, real builds, and `check`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.support.artifacts import make_wheel
from tests.support.cli import Cli
from tests.support.commands import build_args, check_args
from tests.support.gitrepo import GitRepo

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "transfer-engine"
BIN = Path(sys.executable).parent
HAS_NVCC = shutil.which("nvcc") is not None


def example_repo(tmp_path: Path) -> GitRepo:
    """A git repository holding a copy of examples/transfer-engine."""
    root = tmp_path / "transfer-engine"
    shutil.copytree(EXAMPLE, root)
    repo = GitRepo(root)
    repo.git("init", "-q", "-b", "main")
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "chore: import the example")
    return repo


@pytest.mark.parametrize("event", ["monthly", "hotfix", "manual"])
def test_cibuildwheel_lists_exactly_each_matrix_build(cli: Cli, event: str) -> None:
    data = cli("matrix", "--event", event, "--json", "--project", str(EXAMPLE)).json()
    include = data["include"]
    assert len(data["expected"]) == len(include)
    seen: dict[tuple[str, str], list[str]] = {}
    for entry in include:
        key = (entry["CIBW_BUILD"], entry["CIBW_ARCHS"])
        if key in seen:
            continue
        env = {
            **os.environ,
            "CIBW_BUILD": entry["CIBW_BUILD"],
            "CIBW_ARCHS": entry["CIBW_ARCHS"],
            "CIBW_ENVIRONMENT": entry["CIBW_ENVIRONMENT"],
        }
        proc = subprocess.run(
            [
                str(BIN / "cibuildwheel"),
                "--print-build-identifiers",
                "--platform",
                "linux",
                str(EXAMPLE),
            ],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        seen[key] = proc.stdout.split()
        assert seen[key] == [entry["CIBW_BUILD"]], (entry, proc.stderr)


def test_matrix_writes_github_output(tmp_path: Path, cli: Cli) -> None:
    out = tmp_path / "github_output"
    os.environ["GITHUB_OUTPUT"] = str(out)
    try:
        assert (
            cli("matrix", "--event", "monthly", "--github-output", "--project", str(EXAMPLE)).code
            == 0
        )
    finally:
        del os.environ["GITHUB_OUTPUT"]
    lines = dict(line.split("=", 1) for line in out.read_text().splitlines())
    assert len(json.loads(lines["matrix"])["include"]) == 16
    assert len(json.loads(lines["expected"])) == 16


def test_matrix_refuses_bad_config(tmp_path: Path, cli: Cli) -> None:
    repo = example_repo(tmp_path)
    path = repo.root / "pyproject.toml"
    path.write_text(
        path.read_text().replace(
            'releases = ["manual", "hotfix"]', 'releases = ["manual", "hotfix"]\nsmoke-test = "x"'
        )
    )
    result = cli("matrix", "--event", "monthly", "--project", str(repo.root))
    assert result.code == 2
    assert "unknown key 'smoke-test' (did you mean 'smoke'?)" in result.err
    assert result.err.count("\n") == 1


@pytest.mark.slow
def test_build_then_check_a_variant_without_touching_the_tree(tmp_path: Path, cli: Cli) -> None:
    repo = example_repo(tmp_path)
    dist = tmp_path / "dist"
    result = cli(
        "build",
        "--variant",
        "non-cuda",
        "--python",
        "3.11",
        "--version",
        "0.4.0",
        "--out",
        str(dist),
        "--json",
        "--project",
        str(repo.root),
    )
    assert result.code == 0, result.err
    report = result.json()
    assert [Path(p).parent.name for p in report["built"]] == ["non-cuda"]
    assert [c["build"] for c in report["ci_only"]] == ["cp311-manylinux_aarch64"]
    assert repo.git("status", "--porcelain") == ""
    check = cli(*check_args(dist, repo.root, python="3.11"))
    assert check.code == 0, check.out
    wrong = cli(*check_args(dist, repo.root, python="3.11", version="0.4.1"))
    assert wrong.code == 1 and "version 0.4.0, the release is 0.4.1" in wrong.out


@pytest.mark.slow
def test_the_variant_copy_is_renamed_stamped_and_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wheeltrain.adapters import builder
    from wheeltrain.adapters.project import load_project
    from wheeltrain.cli._matrix import load_config
    from wheeltrain.core.matrix import select_targets

    repo = example_repo(tmp_path)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    config = load_config(load_project(repo.root))
    variant = config.variant("non-cuda")
    seen: list[str] = []

    def look(_: str) -> None:  # called while the copy exists
        for copy in scratch.glob("wheeltrain-build-non-cuda-*/src"):
            seen.append((copy / "pyproject.toml").read_text())

    targets = select_targets(
        config, "monthly", variants=["non-cuda"], pythons=["3.10"], archs=["x86_64"]
    )
    report = builder.build_variant(
        repo.root, variant, targets, "0.4.0.post1", tmp_path / "out", progress=look
    )
    assert len(report.built) == 1 and "0.4.0.post1" in report.built[0].name
    assert seen and len(set(seen)) == 1  # the one copy, seen at each progress line
    assert 'name = "mooncake-transfer-engine-non-cuda"' in seen[0]
    assert 'version = "0.4.0.post1"' in seen[0]
    assert "# --- the variants" in seen[0]  # the rest of the file is kept, comments included
    assert list(scratch.iterdir()) == []
    assert repo.git("status", "--porcelain") == ""


@pytest.mark.slow
def test_a_failed_build_leaves_the_tree_as_it_was(tmp_path: Path, cli: Cli) -> None:
    repo = example_repo(tmp_path)
    (repo.root / "csrc" / "engine.c").write_text("this is not C\n")
    repo.git("commit", "-q", "-am", "fix: break the build")
    result = cli(
        "build",
        "--variant",
        "non-cuda",
        "--python",
        "3.11",
        "--out",
        str(tmp_path / "dist"),
        "--project",
        str(repo.root),
    )
    assert result.code == 1
    assert (
        "building non-cuda cp311-manylinux_x86_64 failed" in result.err
        or "cibuildwheel non-cuda cp311-manylinux_x86_64 failed" in result.err
    )
    assert repo.git("status", "--porcelain") == ""


@pytest.mark.slow
@pytest.mark.skipif(not HAS_NVCC, reason="needs nvcc (a CUDA toolkit) to link CUDA into a build")
def test_check_stops_a_cpu_only_wheel_that_links_cuda(tmp_path: Path, cli: Cli) -> None:
    """The shipped defect: a CPU-only wheel that needed libcudart. Built for real, then
    stopped by `check` before anything is published."""
    repo = example_repo(tmp_path)
    path = repo.root / "pyproject.toml"
    path.write_text(
        path.read_text().replace(
            'environment = { WITH_CUDA = "0" }',
            'environment = { WITH_CUDA = "0", LINK_CUDART_SHARED = "1" }',
        )
    )
    repo.git("commit", "-q", "-am", "build: a broken configuration")
    dist = tmp_path / "dist"
    # on the host, where the CUDA toolkit is in reach of a CPU-only build (as in an image that
    # carries CUDA for every variant)
    built = cli(*build_args(dist, repo.root, builder="host"))
    assert built.code == 0, built.err
    result = cli(*check_args(dist, repo.root))
    assert result.code == 1
    assert "needs libcudart-" in result.out and "which the non-cuda variant forbids" in result.out
    assert "bundles mooncake_transfer_engine_non_cuda.libs/libcudart-" in result.out


def container_missing() -> str | None:
    """What the container build path needs and this machine lacks, in words."""
    missing = [tool for tool in ("podman", "runc", "mmdebstrap") if shutil.which(tool) is None]
    if missing:
        return f"needs {', '.join(missing)} for cibuildwheel in a podman container (.ci/run installs them)"
    if subprocess.run(["podman", "info"], capture_output=True, check=False).returncode != 0:
        return "podman is installed but does not answer `podman info`"
    return None


@pytest.mark.slow
@pytest.mark.parametrize("variant", ["non-cuda", "cuda13"])
def test_the_example_builds_with_cibuildwheel_in_a_podman_container(
    tmp_path: Path, cli: Cli, variant: str
) -> None:
    why = container_missing()
    if why:
        pytest.skip(why)
    if variant == "cuda13" and not HAS_NVCC:
        pytest.skip("needs the CUDA 13 toolkit (nvcc) to mount into the builder")
    repo = example_repo(tmp_path)
    dist = tmp_path / "dist"
    built = cli(*build_args(dist, repo.root, variant=variant, builder="container"), "--test")
    assert built.code == 0, built.err
    assert "with cibuildwheel in localhost/wheeltrain-builder:" in built.err
    log = dist / variant / "logs" / f"{variant}-cp312-manylinux_x86_64.log"
    text = log.read_text()
    assert "Repairing wheel" in text
    assert "Testing wheel" in text  # the smoke command ran inside, with the wheel installed
    assert "0.4.0 " in text.split("Testing wheel", 1)[1]
    event = "hotfix" if variant == "cuda13" else "monthly"
    checked = cli(*check_args(dist, repo.root, event=event, variant=variant))
    assert checked.code == 0, checked.out
    if variant == "cuda13":  # the runtime is needed, not bundled: the torch-ecosystem shape
        wheel = next((dist / variant).glob("*.whl"))
        import zipfile

        names = zipfile.ZipFile(wheel).namelist()
        assert not [n for n in names if "libcudart" in n], names


@pytest.mark.slow
def test_a_failed_container_build_shows_its_log(tmp_path: Path, cli: Cli) -> None:
    why = container_missing()
    if why:
        pytest.skip(why)
    repo = example_repo(tmp_path)
    (repo.root / "csrc" / "engine.c").write_text("this is not C\n")
    repo.git("commit", "-q", "-am", "build: broken source")
    dist = tmp_path / "dist"
    built = cli(*build_args(dist, repo.root, builder="container"))
    assert built.code == 1
    err_lines = built.err.strip().splitlines()
    assert err_lines[-1].startswith("wheeltrain: error: cibuildwheel non-cuda cp312")
    log = dist / "non-cuda" / "logs" / "non-cuda-cp312-manylinux_x86_64.log"
    assert err_lines[-1].endswith(f"the whole log: {log}")
    assert f"--- the last 40 lines of {log} ---" in built.err
    assert len(err_lines) > 40 and log.stat().st_size > 0


@pytest.mark.slow
@pytest.mark.skipif(not HAS_NVCC, reason="needs nvcc (a CUDA toolkit) to build the CUDA variant")
def test_the_cuda13_variant_builds_with_its_kernel_and_passes(tmp_path: Path, cli: Cli) -> None:
    repo = example_repo(tmp_path)
    dist = tmp_path / "dist"
    built = cli(*build_args(dist, repo.root, variant="cuda13"))
    if "needs the CUDA 13.0 toolkit" in built.out + built.err:
        pytest.skip("the installed CUDA toolkit is not 13.0")
    assert built.code == 0, built.err
    result = cli(*check_args(dist, repo.root, event="hotfix", variant="cuda13"))
    assert result.code == 0, result.out


def fake(dist: Path, name: str, version: str, tag: str) -> Path:
    return make_wheel(dist, name, version, tag, module="mooncake")


def test_check_lists_every_problem(tmp_path: Path, cli: Cli) -> None:
    dist = tmp_path / "dist"
    fake(dist, "mooncake-transfer-engine", "0.4.0", "cp312-cp312-manylinux_2_28_x86_64")
    fake(dist, "mooncake-transfer-engine-non-cuda", "0.4.0", "cp312-cp312-manylinux_2_39_x86_64")
    fake(dist, "mooncake-transfer-engine", "0.4.0+cu128", "cp313-cp313-manylinux_2_28_x86_64")
    fake(dist, "mooncake-transfer-engine-cuda13", "0.4.0", "cp312-cp312-linux_x86_64")
    fake(dist, "something-else", "0.4.0", "cp312-cp312-manylinux_2_28_x86_64")
    (dist / "notes.txt").write_text("x")
    result = cli(
        "check",
        str(dist),
        "--event",
        "monthly",
        "--version",
        "0.4.0",
        "--python",
        "3.12",
        "--python",
        "3.13",
        "--arch",
        "x86_64",
        "--no-twine",
        "--json",
        "--project",
        str(EXAMPLE),
    )
    assert result.code == 1
    problems = "\n".join(result.json()["problems"])
    for needle in [
        "manylinux_2_39_x86_64 is newer than manylinux_2_28",
        "local version 0.4.0+cu128",
        "version 0.4.0+cu128, the release is 0.4.0",
        "platform tag linux_x86_64 is not manylinux",
        "something_else-0.4.0-cp312-cp312-manylinux_2_28_x86_64.whl: unexpected",
        "notes.txt: unexpected file",
        "missing: mooncake_transfer_engine_non_cuda-0.4.0-cp313-cp313-manylinux_2_28_x86_64.whl",
        "mooncake_transfer_engine_cuda13-0.4.0-cp312-cp312-linux_x86_64.whl: unexpected",
    ]:
        assert needle in problems, (needle, problems)


def test_check_reads_the_metadata_inside_the_wheel(tmp_path: Path, cli: Cli) -> None:
    dist = tmp_path / "dist"
    wheel = fake(dist, "mooncake-transfer-engine", "0.4.0", "cp312-cp312-manylinux_2_28_x86_64")
    renamed = wheel.with_name(
        wheel.name.replace("mooncake_transfer_engine", "mooncake_transfer_engine_non_cuda")
    )
    wheel.rename(renamed)
    result = cli(
        "check",
        str(dist),
        "--event",
        "monthly",
        "--version",
        "0.4.0",
        "--variant",
        "non-cuda",
        "--python",
        "3.12",
        "--arch",
        "x86_64",
        "--no-twine",
        "--project",
        str(EXAMPLE),
    )
    assert result.code == 1
    assert "METADATA names 'mooncake-transfer-engine', the non-cuda variant is" in result.out


def test_check_runs_twine_check(tmp_path: Path, cli: Cli) -> None:
    dist = tmp_path / "dist"
    fake(dist, "mooncake-transfer-engine-non-cuda", "0.4.0", "cp312-cp312-manylinux_2_28_x86_64")
    result = cli(*check_args(dist, EXAMPLE))
    assert result.code == 1
    assert "twine check" in result.out and "long_description" in result.out


@pytest.mark.slow
def test_an_interrupted_build_leaves_nothing_behind(tmp_path: Path) -> None:
    import signal
    import time

    repo = example_repo(tmp_path)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    proc = subprocess.Popen(
        [
            str(BIN / "wheeltrain"),
            "build",
            "--variant",
            "non-cuda",
            "--python",
            "3.12",
            "--arch",
            "x86_64",
            "--out",
            str(tmp_path / "dist"),
            "--project",
            str(repo.root),
        ],
        env={**os.environ, "TMPDIR": str(scratch)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # Ctrl-C as a terminal delivers it, even where the suite itself was started in the
        # background (a shell starts background commands with SIGINT ignored, and children
        # inherit that)
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 60
    while not list(scratch.glob("wheeltrain-build-non-cuda-*/src/pyproject.toml")):
        assert proc.poll() is None and time.monotonic() < deadline, "the build never started"
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.strip().endswith("interrupted")
    assert not list(scratch.glob("wheeltrain-*"))
    assert repo.git("status", "--porcelain") == ""
