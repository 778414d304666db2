"""publish / verify --all-variants / smoke against a real pypiserver, with faults injected at
the HTTP boundary by a proxy in front of it."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.artifacts import make_sdist, make_wheel, sha256_of
from tests.support.cli import Cli
from tests.support.commands import build_args
from tests.support.servers import LocalIndex, faulty_proxy, local_index

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "transfer-engine"
DISTS = ("mooncake-transfer-engine", "mooncake-transfer-engine-non-cuda")


def release_files(dist: Path, version: str = "0.4.0") -> list[Path]:
    """Two variants x two Pythons, x86_64: the shape of a (narrowed) monthly release."""
    return [
        make_wheel(
            dist / name, name, version, f"cp{py}-cp{py}-manylinux_2_28_x86_64", module="mooncake"
        )
        for name in DISTS
        for py in ("311", "312")
    ]


def on_index(index: LocalIndex) -> list[str]:
    return sorted(p.name for p in index.packages.iterdir())


def publish(cli: Cli, dist: Path, url: str, *extra: str):  # type: ignore[no-untyped-def]
    return cli(
        "publish",
        str(dist),
        "--version",
        "0.4.0",
        "--repository-url",
        url,
        "--project",
        str(EXAMPLE),
        *extra,
    )


def test_publish_uploads_only_what_is_missing(tmp_path: Path, index: LocalIndex, cli: Cli) -> None:
    files = release_files(tmp_path / "dist")
    index.upload(files[:1])
    first = publish(cli, tmp_path / "dist", index.url + "/", "--json")
    assert first.code == 0, first.err
    data = first.json()
    assert sorted(data["uploaded"]) == sorted(f.name for f in files[1:])
    assert data["present"] == [files[0].name]
    again = publish(cli, tmp_path / "dist", index.url + "/", "--json").json()
    assert again["uploaded"] == [] and len(again["present"]) == 4
    assert on_index(index) == sorted(f.name for f in files)


@pytest.mark.fault
def test_a_different_file_under_the_same_name_is_an_error(
    tmp_path: Path, index: LocalIndex, cli: Cli
) -> None:
    files = release_files(tmp_path / "dist")
    other = make_wheel(
        tmp_path / "other",
        DISTS[0],
        "0.4.0",
        "cp311-cp311-manylinux_2_28_x86_64",
        module="mooncake",
        payload="# built twice\n",
    )
    assert other.name == files[0].name and sha256_of(other) != sha256_of(files[0])
    index.upload([other])
    result = publish(cli, tmp_path / "dist", index.url + "/")
    assert result.code == 1
    assert f"holds a different file under the name {other.name}" in result.err
    assert "nothing was uploaded" in result.err
    assert on_index(index) == [other.name]


@pytest.mark.fault
@pytest.mark.parametrize(
    ("name", "plan", "extra"),
    [
        ("500 to the first uploads", lambda n: "500" if n <= 2 else "pass", ()),
        ("connection dropped after the upload", lambda n: "drop" if n == 1 else "pass", ()),
        ("connection cut mid-upload", lambda n: "cut" if n <= 2 else "pass", ()),
        (
            "upload hangs past the timeout",
            lambda n: "hang" if n == 1 else "pass",
            ("--timeout", "3"),
        ),
    ],
)
def test_transient_failures_are_retried_and_every_file_lands_once(
    tmp_path: Path,
    index: LocalIndex,
    cli: Cli,
    name: str,
    plan: Callable[[int], str],
    extra: tuple[str, ...],
) -> None:
    files = release_files(tmp_path / "dist")
    with faulty_proxy(index.url, plan) as (url, log):
        result = publish(cli, tmp_path / "dist", url + "/", "--json", *extra)
    assert result.code == 0, (name, result.err)
    assert on_index(index) == sorted(f.name for f in files)
    assert log[0] != "pass"  # the fault really happened


@pytest.mark.fault
def test_a_failed_run_is_finished_by_a_rerun(tmp_path: Path, index: LocalIndex, cli: Cli) -> None:
    files = release_files(tmp_path / "dist")
    with faulty_proxy(index.url, lambda n: "pass" if n == 1 else "500") as (url, _):
        broken = publish(cli, tmp_path / "dist", url + "/", "--retries", "1")
    assert broken.code == 1 and "re-run publish to finish the release" in broken.err
    assert len(on_index(index)) == 1
    rerun = publish(cli, tmp_path / "dist", index.url + "/")
    assert rerun.code == 0, rerun.err
    assert on_index(index) == sorted(f.name for f in files)


def test_credentials_never_reach_a_command_line_or_the_output(
    tmp_path: Path,
    index: LocalIndex,
    cli: Cli,
) -> None:
    release_files(tmp_path / "dist")
    secret = "pypi-SeCrEt0123456789abcdefXYZ"
    seen: list[str] = []

    def watch() -> None:  # read every twine command line while the upload hangs
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not seen:
            for proc in Path("/proc").iterdir():
                try:
                    cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                except OSError:
                    continue
                if "twine" in cmdline and "upload" in cmdline:
                    seen.append(cmdline)
            time.sleep(0.05)

    os.environ["TWINE_USERNAME"], os.environ["TWINE_PASSWORD"] = "__token__", secret
    try:
        with faulty_proxy(index.url, lambda n: "hang" if n == 1 else "500") as (url, _):
            watcher = threading.Thread(target=watch)
            watcher.start()
            result = publish(cli, tmp_path / "dist", url + "/", "--timeout", "2", "--retries", "1")
            watcher.join()
    finally:
        del os.environ["TWINE_USERNAME"], os.environ["TWINE_PASSWORD"]
    assert result.code == 1
    assert seen and all(secret not in line for line in seen)
    assert secret not in result.out + result.err


def test_verify_all_variants_in_lockstep(tmp_path: Path, index: LocalIndex, cli: Cli) -> None:
    files = release_files(tmp_path / "dist")
    args = (
        "verify",
        "--all-variants",
        "0.4.0",
        "--event",
        "monthly",
        "--python",
        "3.11",
        "--python",
        "3.12",
        "--arch",
        "x86_64",
        "--index-url",
        index.simple_url,
        "--project",
        str(EXAMPLE),
    )
    index.upload([f for f in files if "non_cuda" not in f.name])
    behind = cli(*args)
    assert behind.code == 1
    assert "mooncake-transfer-engine-non-cuda 0.4.0 is not on" in behind.out
    index.upload([f for f in files if "non_cuda" in f.name][:1])
    partial = cli(*args)
    assert partial.code == 1 and "missing on" in partial.out and "cp312" in partial.out
    index.upload([f for f in files if "non_cuda" in f.name][1:])
    assert cli(*args, "--dist", str(tmp_path / "dist")).code == 0
    release_files(tmp_path / "rebuilt")
    make_wheel(
        tmp_path / "rebuilt" / DISTS[0],
        DISTS[0],
        "0.4.0",
        "cp311-cp311-manylinux_2_28_x86_64",
        module="mooncake",
        payload="# other\n",
    )
    differs = cli(*args, "--dist", str(tmp_path / "rebuilt"))
    assert differs.code == 1 and "differs from the built file" in differs.out
    index.upload([make_sdist(tmp_path / "sd", DISTS[1], "0.4.0")])
    extra = cli(*args)
    assert extra.code == 1 and "unexpected on" in extra.out


@pytest.mark.slow
def test_smoke_installs_each_variant_from_the_index_only(
    tmp_path: Path, index: LocalIndex, cli: Cli
) -> None:
    dist = tmp_path / "dist"
    built = cli(*build_args(dist, EXAMPLE))
    assert built.code == 0, built.err
    assert publish(cli, dist, index.url + "/").code == 0
    result = cli(
        "smoke",
        "--version",
        "0.4.0",
        "--event",
        "monthly",
        "--variant",
        "non-cuda",
        "--python",
        "3.12",
        "--index-url",
        index.simple_url,
        "--json",
        "--project",
        str(EXAMPLE),
    )
    assert result.code == 0, result.out
    (only,) = result.json()["results"]
    assert only["ok"] and only["installed"] == "0.4.0"
    assert only["output"].startswith("0.4.0 ")
    missing = cli(
        "smoke",
        "--version",
        "0.4.1",
        "--event",
        "monthly",
        "--variant",
        "non-cuda",
        "--python",
        "3.12",
        "--index-url",
        index.simple_url,
        "--project",
        str(EXAMPLE),
    )
    assert missing.code == 1 and "FAIL" in missing.out


def test_pip_in_smoke_sees_no_site_configuration() -> None:
    from wheeltrain.stages.pipeline.smoke import pip_env

    env = pip_env(
        without_cuda=True,
        base={
            "PIP_FIND_LINKS": "/opt/wheels",
            "PIP_CERT": "/c",
            "PATH": "/usr/local/cuda/bin:/usr/bin",
            "LD_LIBRARY_PATH": "/usr/local/cuda/lib64",
        },
    )
    assert env["PIP_CONFIG_FILE"] == os.devnull and "PIP_FIND_LINKS" not in env
    assert env["PIP_CERT"] == "/c" and env["PATH"] == "/usr/bin"
    assert "LD_LIBRARY_PATH" not in env and env["CUDA_VISIBLE_DEVICES"] == ""
    proc = subprocess.run(["pip", "config", "list"], env=env, capture_output=True, text=True)
    assert "find-links" not in proc.stdout and "extra-index-url" not in proc.stdout


def test_verify_all_variants_in_the_form_people_type_names_the_drift(
    tmp_path: Path, index: LocalIndex, cli: Cli
) -> None:
    # 0.3.14 was released only by hand, for the CUDA 13 distribution.
    cuda13 = "mooncake-transfer-engine-cuda13"
    index.upload(
        [
            make_wheel(
                tmp_path / "d",
                cuda13,
                "0.3.14",
                "cp312-cp312-manylinux_2_28_x86_64",
                module="mooncake",
            )
        ]
    )
    args = ("--index-url", index.simple_url, "--project", str(EXAMPLE))
    result = cli("verify", "--all-variants", "mooncake-transfer-engine", "0.3.14", *args)
    assert result.code == 1, result.err
    assert "mooncake-transfer-engine 0.3.14 is not on" in result.out
    assert (
        f"note: {cuda13}: not part of a monthly release (it is released by: manual, hotfix); "
        "the index has 0.3.14 of it"
    ) in result.out
    assert (
        f"0.3.14 exists only for {cuda13}; mooncake-transfer-engine, "
        "mooncake-transfer-engine-non-cuda lack it"
    ) in result.out
    data = cli("verify", "--all-variants", "0.3.14", "--json", *args).json()
    assert data["present"] == {
        "mooncake-transfer-engine": False,
        "mooncake-transfer-engine-non-cuda": False,
        cuda13: True,
    }
    wrong = cli("verify", "--all-variants", "numpy", "0.3.14", *args)
    assert wrong.code == 2 and "is not a distribution of this project" in wrong.err
    hotfix = cli("verify", "--all-variants", "0.3.14.post1", "--json", *args).json()
    assert not any("not part of a hotfix release" in n for n in hotfix["notes"])  # all three


@pytest.mark.fault
@pytest.mark.parametrize(
    ("status", "says"),
    [
        ("403", "the credentials may not upload mooncake-transfer-engine"),
        ("413", "is larger than the index accepts"),
    ],
)
def test_an_upload_a_rerun_cannot_fix_says_what_to_do_instead(
    tmp_path: Path, index: LocalIndex, cli: Cli, status: str, says: str
) -> None:
    release_files(tmp_path / "dist")
    with faulty_proxy(index.url, lambda n: status) as (url, log):
        result = publish(cli, tmp_path / "dist", url + "/")
    assert result.code == 1
    assert "\x1b" not in result.err
    line = result.err.strip().splitlines()[-1]  # above it: the progress lines
    assert line.startswith("wheeltrain: error: ")
    assert says in line
    assert "re-run publish" not in line
    assert log == [status]  # not retried: the same answer would come again
    assert on_index(index) == []


def test_files_of_another_version_are_refused_before_anything_is_uploaded(
    tmp_path: Path, index: LocalIndex, cli: Cli
) -> None:
    files = release_files(tmp_path / "dist")
    stray = make_wheel(tmp_path / "dist", DISTS[0], "0.3.9", "cp312-cp312-manylinux_2_28_x86_64")
    result = publish(cli, tmp_path / "dist", index.url + "/")
    assert result.code == 2
    assert f"{stray.name} is 0.3.9" in result.err
    assert on_index(index) == []
    assert len(files) == 4


@pytest.mark.fault
def test_without_digests_the_index_copy_is_compared_by_download(
    tmp_path: Path, index: LocalIndex, cli: Cli
) -> None:
    files = release_files(tmp_path / "dist")
    index.upload(files[:1])  # the very same file: done
    other = release_files(tmp_path / "other")[1]  # another build under the same name
    other.write_bytes(other.read_bytes() + b"\0")  # same name, different bytes
    index.upload([other])
    with faulty_proxy(index.url, lambda n: "pass", strip_digests=True) as (url, log):
        result = publish(cli, tmp_path / "dist", url + "/")
    assert result.code == 1
    assert f"different file under the name {files[1].name}" in result.err
    assert "nothing was uploaded" in result.err
    assert log == []
    files[1].unlink()  # without the conflicting one, the identical file counts as published
    with faulty_proxy(index.url, lambda n: "pass", strip_digests=True) as (url, log):
        result = publish(cli, tmp_path / "dist", url + "/", "--json")
    assert result.code == 0, result.err
    assert result.json()["present"] == [files[0].name]
    assert sorted(result.json()["uploaded"]) == sorted(f.name for f in files[2:])


@pytest.mark.fault
def test_a_truncated_copy_on_the_server_is_named_as_such(
    tmp_path: Path, index: LocalIndex, cli: Cli
) -> None:
    files = release_files(tmp_path / "dist")
    data = files[0].read_bytes()
    (index.packages / files[0].name).write_bytes(data[: len(data) // 2])  # a full disk's work
    result = publish(cli, tmp_path / "dist", index.url + "/")
    assert result.code == 1
    assert f"truncated copy of {files[0].name} ({len(data) // 2} of {len(data)} bytes" in result.err
    assert "delete that file on the server, then re-run publish" in result.err


@contextmanager
def small_disk(where: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` mounted at ``where``: a disk that fills up for real."""
    where.mkdir(parents=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"a full disk needs a small tmpfs, and mount says: {mounted.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "--lazy", str(where)], check=False)


@pytest.mark.fault
def test_an_index_whose_disk_is_full_is_finished_by_a_rerun_after_the_cleanup_it_names(
    tmp_path: Path, cli: Cli
) -> None:
    """pypiserver on a 64 KiB disk: the third 31 KB wheel no longer fits, and the server keeps
    an empty file under its name. publish names it; once space is made and that file removed,
    the re-run uploads exactly what is missing."""
    dist = tmp_path / "dist"
    files = [
        make_wheel(
            dist, DISTS[0], "0.4.0", f"cp{py}-cp{py}-manylinux_2_28_x86_64",
            module="mooncake", binaries={"mooncake/blob.bin": os.urandom(30_000)},
        )
        for py in ("311", "312", "313")
    ]  # fmt: skip
    with small_disk(tmp_path / "packages", "64k") as packages, local_index(packages) as index:
        full = publish(cli, dist, index.url + "/")
        assert full.code == 1
        errors = [line for line in full.err.splitlines() if line.startswith("wheeltrain:")]
        assert len(errors) == 1 and full.err.rstrip("\n").endswith(errors[0])
        stuck = [p for p in packages.iterdir() if p.stat().st_size < files[0].stat().st_size]
        assert len(stuck) == 1
        assert f"truncated copy of {stuck[0].name}" in full.err
        assert "delete that file on the server, then re-run publish" in full.err
        subprocess.run(["mount", "-o", "remount,size=1m", str(packages)], check=True)
        stuck[0].unlink()
        again = publish(cli, dist, index.url + "/", "--json")
        assert again.code == 0, again.err
        assert again.json()["uploaded"] == [stuck[0].name]
        assert {p.name: sha256_of(p) for p in packages.iterdir()} == {
            f.name: sha256_of(f) for f in files
        }


@pytest.mark.fault
@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM"])
def test_a_killed_publish_leaves_no_upload_running(
    tmp_path: Path, index: LocalIndex, how: str
) -> None:
    import signal
    import sys

    release_files(tmp_path / "dist")
    wheeltrain = str(Path(sys.executable).parent / "wheeltrain")
    with faulty_proxy(index.url, lambda n: "hang", hang_seconds=60) as (url, log):
        proc = subprocess.Popen(
            [
                wheeltrain, "publish", str(tmp_path / "dist"), "--version", "0.4.0",
                "--repository-url", url + "/", "--project", str(EXAMPLE),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while not log:  # twine's upload reached the server and hangs there
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr
            time.sleep(0.05)
        proc.send_signal(getattr(signal, how))
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == (-9 if how == "SIGKILL" else 143), err
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            found = subprocess.run(
                ["pgrep", "-f", f"twine upload .*--repository-url {url}/"],
                capture_output=True,
                text=True,
            ).stdout.strip()
            if not found:
                break
            time.sleep(0.1)
        assert found == ""


@pytest.mark.fault
def test_a_dry_run_stages_only_what_the_index_lacks_and_stops_on_a_conflict(
    tmp_path: Path, index: LocalIndex, cli: Cli
) -> None:
    files = release_files(tmp_path / "dist")
    index.upload(files[:1])
    staged = tmp_path / "to-publish"
    result = publish(
        cli, tmp_path / "dist", index.url + "/", "--dry-run", "--stage-to", str(staged)
    )
    assert result.code == 0, result.err
    assert sorted(p.name for p in staged.iterdir()) == sorted(f.name for f in files[1:])
    assert "3 to upload, 1 already there (same sha256)" in result.out
    assert on_index(index) == [files[0].name]  # nothing uploaded
    # a different file under a name the index has: stopped before anything is staged or sent
    other = release_files(tmp_path / "other")[1]
    other.write_bytes(other.read_bytes() + b"\0")
    index.upload([other])
    again = publish(
        cli, tmp_path / "dist", index.url + "/", "--dry-run", "--stage-to", str(tmp_path / "s2")
    )
    assert again.code == 1
    assert f"different file under the name {files[1].name}" in again.err
    assert not (tmp_path / "s2").exists()
    refused = publish(cli, tmp_path / "dist", index.url + "/", "--stage-to", str(tmp_path / "s3"))
    assert refused.code == 2 and "--stage-to goes with --dry-run" in refused.err


def test_a_rerun_leaves_out_the_wheels_the_index_has_and_downloads_them_verified(
    tmp_path: Path, index: LocalIndex, cli: Cli
) -> None:
    files = release_files(tmp_path / "dist")  # two variants x CPython 3.11, 3.12
    index.upload(files[:1])
    simple = index.url + "/simple/"
    select = ["--event", "monthly", "--variant", "cuda", "--variant", "non-cuda",
              "--arch", "x86_64", "--python", "3.11", "--python", "3.12",
              "--project", str(EXAMPLE)]  # fmt: skip
    matrix = cli("matrix", "--version", "0.4.0", "--skip-published", "--index-url", simple,
                 "--json", *select).json()  # fmt: skip
    assert matrix["published"] == 1
    assert len(matrix["include"]) == 3 and len(matrix["expected"]) == 4
    got = cli("download", "--version", "0.4.0", "--index-url", simple,
              "--dest", str(tmp_path / "fetched"), "--json", *select)  # fmt: skip
    assert got.code == 0, got.err
    [path] = [Path(p) for p in got.json()["files"]]
    assert path.name == files[0].name and sha256_of(path) == sha256_of(files[0])
    # an index that gives no digest cannot vouch for its copy: it is built again instead
    with faulty_proxy(index.url, lambda n: "pass", strip_digests=True) as (url, _):
        refused = cli("download", "--version", "0.4.0", "--index-url", url + "/simple/",
                      "--dest", str(tmp_path / "unverified"), *select)  # fmt: skip
    assert refused.code == 1 and "gives no sha256" in refused.err


@pytest.mark.fault
def test_a_persistent_server_error_is_tried_once_per_attempt(
    tmp_path: Path, index: LocalIndex, cli: Cli
) -> None:
    """One retry policy per fault: twine retries a 5xx itself (5 POSTs), so wheeltrain does
    not multiply it by its own attempts (it retries what twine does not: cut connections,
    timeouts)."""
    release_files(tmp_path / "dist")
    with faulty_proxy(index.url, lambda n: "500") as (url, log):
        result = publish(cli, tmp_path / "dist", url + "/", "--retries", "3")
    assert result.code == 1
    assert "re-run publish to finish the release" in result.err
    assert log == ["500"] * 5  # the first file, twine's five tries; nothing after it
    assert on_index(index) == []


def test_a_nightly_takes_only_its_own_files_from_the_nightly_index(
    tmp_path: Path, index: LocalIndex
) -> None:
    """The nightly index also serves a dependency's name (a squatter, or a stale copy): the
    smoke test installs the release's own wheel from it and the dependency from the main
    index, as `--dependencies-index` promises."""
    from tests.support.artifacts import make_wheel
    from tests.support.servers import local_index
    from wheeltrain.adapters.builder import find_python
    from wheeltrain.core.config import parse_config
    from wheeltrain.stages.pipeline.smoke import smoke_one

    python = find_python("3.12")
    if python is None:
        pytest.skip("no CPython 3.12 on this machine (pyenv) for the smoke venv")
    version = "0.4.1.dev20261202"
    own = make_wheel(tmp_path / "own", "demo-nightly", version, requires=("demo-dep",))
    squatter = make_wheel(tmp_path / "squat", "demo-dep", "9.0", payload="raise SystemExit(3)")
    index.upload([own, squatter])  # the nightly index
    with local_index(tmp_path / "main-index") as main:
        main.upload([make_wheel(tmp_path / "dep", "demo-dep", "1.0")])
        config = parse_config(
            {"python": ["3.12"], "archs": ["x86_64"], "variants": {"n": {
                "distribution": "demo-nightly", "import-name": "demo_nightly", "kind": "pure",
                "smoke": "python -c \"import importlib.metadata as m; print(m.version('demo-dep'))\"",
            }}}
        )  # fmt: skip
        variant = config.variants[0]
        result = smoke_one(
            variant, python, "3.12", version, index.simple_url, dependencies_url=main.simple_url
        )
        assert result.ok, result.problem
        assert result.output == "1.0"  # not the nightly index's 9.0
        # without it, the nightly index's copy wins: what the option is there to prevent
        mixed = smoke_one(variant, python, "3.12", version, index.simple_url)
        assert mixed.output == "9.0" or not mixed.ok
