"""`verify` against a real pypiserver on 127.0.0.1 and against servers that misbehave."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from tests.support.artifacts import make_sdist, make_wheel, sha256_of
from tests.support.cli import Cli
from tests.support.servers import LocalIndex, answer, fault_server, hang

NAME = "mooncake-transfer-engine"


def test_found_with_wheel_tags_and_sdist(tmp_path: Path, index: LocalIndex, cli: Cli) -> None:
    dist = tmp_path / "dist"
    files = [
        make_wheel(dist, NAME, "0.4.0", "cp310-cp310-manylinux_2_28_x86_64"),
        make_wheel(dist, NAME, "0.4.0", "cp311-cp311-manylinux_2_28_aarch64"),
        make_sdist(dist, NAME, "0.4.0"),
        make_wheel(dist, NAME, "0.4.0.post1", "cp310-cp310-manylinux_2_28_x86_64"),
    ]
    index.upload(files)
    result = cli("verify", NAME, "0.4.0", "--index-url", index.simple_url, "--json")
    assert result.code == 0, result.err
    data = result.json()
    assert data["found"] is True
    got = {(f["kind"], tuple(f["tags"]), f["sha256"]) for f in data["files"]}
    assert got == {
        ("wheel", ("cp310-cp310-manylinux_2_28_x86_64",), sha256_of(files[0])),
        ("wheel", ("cp311-cp311-manylinux_2_28_aarch64",), sha256_of(files[1])),
        ("sdist", (), sha256_of(files[2])),
    }
    text = cli("verify", NAME, "0.4.0", "--index-url", index.simple_url)
    assert text.code == 0
    assert "with 3 file(s)" in text.out and "source distribution" in text.out
    assert "cp311-cp311-manylinux_2_28_aarch64" in text.out


def test_exact_version_only(tmp_path: Path, index: LocalIndex, cli: Cli) -> None:
    index.upload([make_wheel(tmp_path, NAME, "0.4.0.post1")])
    result = cli("verify", NAME, "0.4.0", "--index-url", index.simple_url)
    assert result.code == 1
    assert result.out == f"{NAME} 0.4.0 is not on {index.simple_url}\n"
    assert cli("verify", NAME, "0.4.0.post1", "--index-url", index.simple_url).code == 0


def test_unknown_package_is_not_found(index: LocalIndex, cli: Cli) -> None:
    result = cli("verify", "nothing-here", "1.0.0", "--index-url", index.simple_url, "--json")
    assert result.code == 1
    assert json.loads(result.out)["found"] is False


def test_sdist_only_release(tmp_path: Path, index: LocalIndex, cli: Cli) -> None:
    index.upload([make_sdist(tmp_path, NAME, "0.3.9")])
    result = cli("verify", NAME, "0.3.9", "--index-url", index.simple_url, "--json")
    assert result.code == 0
    assert [f["kind"] for f in result.json()["files"]] == ["sdist"]


def test_server_error_is_retried_then_one_line(cli: Cli) -> None:
    calls: list[int] = []

    def count_then_500(handler: BaseHTTPRequestHandler) -> None:
        calls.append(1)
        answer(500, b"boom")(handler)

    with fault_server(count_then_500) as url:
        result = cli("verify", NAME, "1.0.0", "--index-url", url + "/simple/", "--retries", "2")
    assert result.code == 1
    assert len(calls) == 3
    assert "did not answer after 3 attempts (HTTP 500" in result.err
    assert result.err.count("\n") == 1 and "Traceback" not in result.err


def test_server_recovering_from_500_succeeds(tmp_path: Path, index: LocalIndex, cli: Cli) -> None:
    """A transient 500 is retried: the first answer fails, the second is the real index."""
    import urllib.request

    index.upload([make_wheel(tmp_path, NAME, "1.0.0")])
    calls: list[int] = []

    def flaky(handler: BaseHTTPRequestHandler) -> None:
        calls.append(1)
        if len(calls) == 1:
            answer(503, b"busy")(handler)
            return
        with urllib.request.urlopen(index.url + handler.path) as upstream:
            answer(200, upstream.read(), upstream.headers["Content-Type"])(handler)

    with fault_server(flaky) as url:
        result = cli("verify", NAME, "1.0.0", "--index-url", url + "/simple/")
    assert result.code == 0, result.err
    assert len(calls) == 2


def test_hanging_server_times_out(cli: Cli) -> None:
    release = threading.Event()
    with fault_server(hang(30, release)) as url:
        start = time.monotonic()
        result = cli(
            "verify",
            NAME,
            "1.0.0",
            "--index-url",
            url + "/simple/",
            "--timeout",
            "0.5",
            "--retries",
            "1",
        )
        elapsed = time.monotonic() - start
        release.set()
    assert result.code == 1
    assert "no answer within 0.5 s" in result.err
    assert elapsed < 10


def test_refused_connection_is_a_failed_step(cli: Cli) -> None:
    from tests.support.servers import free_port

    url = f"http://127.0.0.1:{free_port()}/simple/"
    result = cli("verify", NAME, "1.0.0", "--index-url", url, "--retries", "0")
    assert result.code == 1
    assert "did not answer after 1 attempt (" in result.err


def test_default_json_api_against_a_server_that_speaks_it(
    tmp_path: Path,
    index: LocalIndex,
    cli: Cli,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without --index-url, `verify` reads the PyPI JSON API (`<root>/<project>/json`);
    pypiserver answers that same route, so the default path runs against a real server."""
    files = [
        make_wheel(tmp_path, NAME, "0.4.0", "cp310-cp310-manylinux_2_28_x86_64"),
        make_sdist(tmp_path, NAME, "0.4.0"),
        make_wheel(tmp_path, NAME, "0.4.1", "cp310-cp310-manylinux_2_28_x86_64"),
    ]
    index.upload(files)
    monkeypatch.setenv("WHEELTRAIN_PYPI_JSON_URL", index.url)
    result = cli("verify", "Mooncake_Transfer.Engine", "0.4.0", "--json")
    assert result.code == 0, result.err
    data = result.json()
    assert data["index"] == index.url
    assert sorted(f["filename"] for f in data["files"]) == sorted(p.name for p in files[:2])
    assert {f["kind"] for f in data["files"]} == {"wheel", "sdist"}
    missing = cli("verify", NAME, "0.4.2")
    assert missing.code == 1
    assert missing.out == f"{NAME} 0.4.2 is not on {index.url}\n"
    assert cli("verify", "nothing-here", "1.0.0").code == 1


def test_json_api_root_that_is_not_a_url_is_bad_input(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WHEELTRAIN_PYPI_JSON_URL", "pypi.org/pypi")
    result = cli("verify", NAME, "1.0.0")
    assert result.code == 2
    assert result.err.startswith(
        "wheeltrain: error: WHEELTRAIN_PYPI_JSON_URL='pypi.org/pypi' is not an http(s) URL"
    )
    assert result.err.count("\n") == 1
    # the variable only concerns the JSON API: a simple index given on the command line is read
    with fault_server(answer(404)) as url:
        assert cli("verify", NAME, "1.0.0", "--index-url", url + "/simple/").code == 1


def test_pep_691_json_simple_index(cli: Cli) -> None:
    """An index that answers the JSON form of the simple API (PEP 691), as PyPI and devpi do."""
    wheel = "mooncake_transfer_engine-0.4.0-cp312-cp312-manylinux_2_28_x86_64.whl"
    page = {
        "meta": {"api-version": "1.1"},
        "name": NAME,
        "files": [
            {"filename": wheel, "url": f"../../files/{wheel}", "hashes": {"sha256": "ab" * 32}},
            {"filename": "mooncake_transfer_engine-0.4.0.tar.gz", "url": "x.tar.gz", "hashes": {}},
            {"filename": "mooncake_transfer_engine-0.3.9.tar.gz", "url": "y.tar.gz", "hashes": {}},
            {"filename": "other_project-0.4.0.tar.gz", "url": "z.tar.gz", "hashes": {}},
        ],
    }
    body = json.dumps(page).encode()
    with fault_server(answer(200, body, "application/vnd.pypi.simple.v1+json")) as url:
        result = cli("verify", NAME, "0.4.0", "--index-url", url + "/simple/", "--json")
    assert result.code == 0, result.err
    files = {f["filename"]: f for f in result.json()["files"]}
    assert set(files) == {wheel, "mooncake_transfer_engine-0.4.0.tar.gz"}
    assert files[wheel]["sha256"] == "ab" * 32
    assert files[wheel]["tags"] == ["cp312-cp312-manylinux_2_28_x86_64"]
    assert files[wheel]["url"] == f"{url}/files/{wheel}"


def test_a_json_api_that_gives_relative_file_urls_is_read_against_its_own_address(
    tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A mirror of PyPI's JSON API may give a file's URL relative to the JSON document
    (``../../packages/…``): the file is fetched from there, not refused as "no scheme"."""
    import hashlib

    wheel = make_wheel(tmp_path, NAME, "0.4.0", "cp310-cp310-manylinux_2_28_x86_64")
    body = wheel.read_bytes()
    page = {
        "releases": {
            "0.4.0": [
                {
                    "filename": wheel.name,
                    "url": f"../../packages/ab/{wheel.name}",
                    "digests": {"sha256": hashlib.sha256(body).hexdigest()},
                    "size": len(body),
                }
            ]
        }
    }
    served: list[str] = []

    def behave(handler: BaseHTTPRequestHandler) -> None:
        served.append(handler.path)
        if handler.path == f"/pypi/{NAME}/json":
            answer(200, json.dumps(page).encode(), "application/json")(handler)
        elif handler.path == f"/packages/ab/{wheel.name}":
            answer(200, body, "application/octet-stream")(handler)
        else:
            answer(404)(handler)

    project = tmp_path / "p"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        f"[project]\nname = '{NAME}'\nversion = '0.4.0'\n"
        "[tool.wheeltrain]\npython = ['3.10']\narchs = ['x86_64']\n"
        f"[tool.wheeltrain.variants.main]\ndistribution = '{NAME}'\nimport-name = 'x'\n"
    )
    with fault_server(behave) as url:
        monkeypatch.setenv("WHEELTRAIN_PYPI_JSON_URL", f"{url}/pypi")
        result = cli(
            "download", "--event", "manual", "--version", "0.4.0", "--repository", "pypi",
            "--dest", str(tmp_path / "got"), "--project", str(project),
        )  # fmt: skip
    assert result.code == 0, result.err
    assert (tmp_path / "got" / "main" / wheel.name).read_bytes() == body
    assert f"/packages/ab/{wheel.name}" in served
