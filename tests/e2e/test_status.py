"""`wheeltrain status` and `wheeltrain yank`: against PyPI's real data for the first user's
three distributions (tests/fixtures/pypi, served on 127.0.0.1), and against a real pypiserver
holding a release that only some variants reached."""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from pathlib import Path

import pytest

from tests.support.artifacts import make_wheel
from tests.support.cli import Cli
from tests.support.servers import LocalIndex, free_port, json_index
from wheeltrain.stages.commands.status import manage_page

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "transfer-engine"
FIXTURES = ROOT / "tests" / "fixtures" / "pypi"
DISTS = (
    "mooncake-transfer-engine",
    "mooncake-transfer-engine-non-cuda",
    "mooncake-transfer-engine-cuda13",
)


def fixture_page(name: str) -> bytes | None:
    path = FIXTURES / f"{name}.json"
    return path.read_bytes() if path.is_file() else None


def counted(name: str) -> Counter[str]:
    """Files per version in the stored page, counted here from the raw JSON."""
    page = json.loads((FIXTURES / f"{name}.json").read_text())
    return Counter(
        f["filename"].removesuffix(".tar.gz").removesuffix(".zip").split("-")[1]
        for f in page["files"]
    )


def test_status_on_pypis_real_data_says_that_0_3_14_exists_only_for_cuda13(cli: Cli) -> None:
    with json_index(fixture_page) as url:
        text = cli("status", "--index-url", url, "--project", str(EXAMPLE), "--last", "3")
        data = cli("status", "--index-url", url, "--project", str(EXAMPLE), "--all", "--json")
    assert text.code == 0, text.err
    assert (
        "0.3.14 exists only for mooncake-transfer-engine-cuda13; mooncake-transfer-engine and "
        "mooncake-transfer-engine-non-cuda lack it" in text.out
    )
    row = next(line for line in text.out.splitlines() if line.startswith("0.3.14 "))
    assert row.split() == ["0.3.14", "monthly", "-", "-", "8/8", "+2"]
    assert "cp314-cp314-manylinux_2_28_aarch64" in text.out  # the Python the matrix lacks
    # every version of every distribution, with the number of files the data holds
    versions = data.json()["versions"]
    for name in DISTS:
        files = counted(name)
        shown = {
            v["version"]: s["files"]
            for v in versions
            for s in v["variants"]
            if s["distribution"] == name and s["files"]
        }
        assert shown == dict(files)
    kinds = {v["version"]: v["kind"] for v in versions}
    assert kinds["0.3.13.post1"] == "hotfix" and kinds["0.3.13"] == "monthly"
    assert kinds["0.3.0b1"] == "pre"  # the project's own early pre-releases


def test_status_names_wheels_newer_than_the_variants_max_platform(cli: Cli) -> None:
    with json_index(fixture_page) as url:
        result = cli("status", "0.3.10.post2", "--index-url", url, "--project", str(EXAMPLE))
    assert result.code == 0, result.err
    assert re.search(
        r"mooncake-transfer-engine 0\.3\.10\.post2: 8 wheel\(s\) newer than manylinux_2_28: "
        r"cp310-cp310-manylinux_2_35_x86_64",
        result.out,
    )
    # the CPU distribution had no aarch64 wheels then
    assert "mooncake-transfer-engine-non-cuda 0.3.10.post2: 4 file(s) missing" in result.out


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["9.9.9"], "has no files of 9.9.9 for any variant"),
        (["not-a-version"], "'not-a-version' is not a PEP 440 version"),
        (["--last", "0"], "is not a count from 1 to 100000"),
    ],
)
def test_status_refuses_bad_input_in_one_line(cli: Cli, args: list[str], says: str) -> None:
    with json_index(fixture_page) as url:
        result = cli("status", *args, "--index-url", url, "--project", str(EXAMPLE))
    assert result.code == 2
    assert says in result.err and len(result.err.strip().splitlines()) == 1


def test_an_unreachable_index_is_bad_input_in_one_line(cli: Cli) -> None:
    url = f"http://127.0.0.1:{free_port()}/simple/"
    for args in (["status"], ["yank", "0.3.9", "--reason", "broken", "--wait", "0"]):
        result = cli(*args, "--index-url", url, "--project", str(EXAMPLE))
        assert result.code == 2, result.err
        assert "did not answer" in result.err and len(result.err.strip().splitlines()) == 1


def test_status_on_a_local_index_shows_a_release_only_some_variants_reached(
    tmp_path: Path, index: LocalIndex, cli: Cli
) -> None:
    full = [
        make_wheel(
            tmp_path / "dist",
            dist,
            "0.4.0",
            f"cp{py}-cp{py}-manylinux_2_28_{arch}",
            module="mooncake",
        )
        for dist in DISTS[:2]
        for py in ("310", "311", "312", "313")
        for arch in ("x86_64", "aarch64")
    ]
    # 0.4.0: the CPU variant's upload stopped after 5 of its 8 files
    index.upload(
        [f for f in full if "non_cuda" not in f.name]
        + [f for f in full if "non_cuda" in f.name][:5]
    )
    result = cli("status", "--index-url", index.simple_url, "--project", str(EXAMPLE), "--json")
    assert result.code == 0, result.err
    (state,) = result.json()["versions"]
    by_variant = {s["variant"]: s for s in state["variants"]}
    assert by_variant["cuda"]["state"] == "complete" and by_variant["cuda"]["present"] == 8
    assert (
        by_variant["non-cuda"]["state"] == "drift" and len(by_variant["non-cuda"]["missing"]) == 3
    )
    assert by_variant["cuda13"]["state"] == "absent"
    assert "mooncake-transfer-engine-non-cuda 0.4.0: 3 file(s) missing" in "\n".join(state["drift"])


def yank_page(name: str, version: str, yanked: bool) -> bytes:
    stem = name.replace("-", "_")
    files = [
        {
            "filename": f"{stem}-{version}-cp{py}-cp{py}-manylinux_2_28_x86_64.whl",
            "url": f"https://files.example/{stem}-{py}.whl",
            "hashes": {"sha256": "0" * 64},
            "yanked": "bad build" if yanked else False,
        }
        for py in ("310", "311")
    ]
    return json.dumps({"meta": {"api-version": "1.1"}, "name": name, "files": files}).encode()


def test_yank_prints_the_pages_then_watches_until_every_file_is_yanked(cli: Cli) -> None:
    """The index shows the CPU distribution yanked at once and the CUDA one only from the
    fourth question on: yank keeps asking, saying which is still live, until both are."""
    asked: Counter[str] = Counter()
    lock = threading.Lock()

    def pages(name: str) -> bytes | None:
        if name not in DISTS[:2]:
            return None
        with lock:
            asked[name] += 1
            yanked = name == DISTS[1] or asked[name] >= 4
        return yank_page(name, "0.4.0", yanked)

    with json_index(pages) as url:
        result = cli("yank", "0.4.0", "--reason", "segfaults on import with CUDA 12.4",
                     "--index-url", url, "--project", str(EXAMPLE), "--interval", "0.1")  # fmt: skip
    assert result.code == 0, result.err
    assert "reason: segfaults on import with CUDA 12.4" in result.out
    assert "never delete" in result.out
    assert "still live: mooncake-transfer-engine (2 of 2)" in result.err
    assert "mooncake-transfer-engine-non-cuda (" not in result.err.split("still live")[1]
    assert result.out.strip().endswith("all 4 file(s) of 0.4.0 show yanked on " + url)
    assert asked[DISTS[0]] >= 4


def test_yank_reports_what_is_still_live_when_the_wait_ends(cli: Cli) -> None:
    def pages(name: str) -> bytes | None:
        return yank_page(name, "0.4.0", name == DISTS[1]) if name in DISTS[:2] else None

    with json_index(pages) as url:
        result = cli("yank", "0.4.0", "--reason", "bad build", "--index-url", url,
                     "--project", str(EXAMPLE), "--wait", "0", "--json")  # fmt: skip
    assert result.code == 1
    states = {s["distribution"]: s["live"] for s in result.json()["states"]}
    assert states[DISTS[1]] == [] and len(states[DISTS[0]]) == 2
    # as text: how many files are still live, one line per distribution, no line of file names
    with json_index(pages) as url:
        text = cli("yank", "0.4.0", "--reason", "a reason " * 50, "--index-url", url,
                   "--project", str(EXAMPLE), "--wait", "0")  # fmt: skip
    assert text.code == 1
    assert f"  {DISTS[0]}: 2 of 2 file(s)" in text.out.splitlines()
    assert max(len(line) for line in (text.out + text.err).splitlines()) <= 100


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["0.4.0", "--reason", " "], "--reason must be one line"),
        (["0.4.0", "--reason", "a\nb"], "--reason must be one line"),
        (["7.7.7", "--reason", "bad"], "has no files of 7.7.7 for any variant"),
        (["0.4.0", "--reason", "bad", "--wait", "nan"], "is not a number of seconds"),
    ],
)
def test_yank_refuses_bad_input_in_one_line(cli: Cli, args: list[str], says: str) -> None:
    def pages(name: str) -> bytes | None:
        return yank_page(name, "0.4.0", False) if name in DISTS[:2] else None

    with json_index(pages) as url:
        result = cli("yank", *args, "--index-url", url, "--project", str(EXAMPLE))
    assert result.code == 2
    assert says in result.err and len(result.err.strip().splitlines()) == 1


def test_the_page_to_yank_on_is_pypis_or_testpypis_release_page() -> None:
    assert (
        manage_page(None, "Mooncake_Transfer.Engine", "0.3.13.post1")
        == "https://pypi.org/manage/project/mooncake-transfer-engine/release/0.3.13.post1/"
    )
    assert manage_page("https://test.pypi.org/simple/", "x", "1.0") == (
        "https://test.pypi.org/manage/project/x/release/1.0/"
    )
    assert manage_page("http://127.0.0.1:8080/simple/", "x", "1.0") is None


def test_a_version_past_pythons_integer_limit_is_bad_input(cli: Cli) -> None:
    huge = "9" * 5000
    with json_index(fixture_page) as url:
        for args in (["status", huge], ["yank", huge, "--reason", "bad", "--wait", "0"]):
            result = cli(*args, "--index-url", url, "--project", str(EXAMPLE))
            assert result.code == 2 and "is not a PEP 440 version" in result.err
            assert len(result.err) < 300
