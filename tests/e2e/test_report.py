"""`wheeltrain report`: the dashboard made from PyPI's real data for the first user's three
distributions (tests/fixtures/pypi, served on 127.0.0.1), its numbers checked against that
data, and the page rendered by headless Chromium from Debian's packages."""

from __future__ import annotations

import datetime
import json
import re
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from tests.support.cli import Cli
from tests.support.servers import free_port, json_index

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "transfer-engine"
FIXTURES = ROOT / "tests" / "fixtures" / "pypi"
VARIANTS = {
    "cuda": "mooncake-transfer-engine",
    "non-cuda": "mooncake-transfer-engine-non-cuda",
    "cuda13": "mooncake-transfer-engine-cuda13",
}


def fixture_page(name: str) -> bytes | None:
    path = FIXTURES / f"{name}.json"
    return path.read_bytes() if path.is_file() else None


def from_the_data() -> dict[str, dict[str, tuple[int, int, str]]]:
    """version -> variant -> (files, bytes, first upload), read here from the raw JSON."""
    out: dict[str, dict[str, tuple[int, int, str]]] = defaultdict(dict)
    for variant, dist in VARIANTS.items():
        page = json.loads((FIXTURES / f"{dist}.json").read_text())
        by_version: dict[str, list[dict[str, object]]] = defaultdict(list)
        for item in page["files"]:
            stem = str(item["filename"]).removesuffix(".tar.gz").removesuffix(".whl")
            by_version[stem.split("-")[1]].append(item)
        for version, items in by_version.items():
            first = min(str(i["upload-time"]) for i in items)
            out[version][variant] = (len(items), sum(int(str(i["size"])) for i in items), first)
    return out


def page_rows(text: str) -> dict[str, dict[str, tuple[int, str]]]:
    """version -> variant -> (files, bytes as shown) from the page's table."""
    rows = {}
    for version, cells in re.findall(r'<tr data-version="([^"]+)">(.*?)</tr>', text):
        files = dict(re.findall(r'<td class="files" data-variant="([^"]+)">(\d+)</td>', cells))
        sizes = dict(re.findall(r'<td class="bytes" data-variant="([^"]+)">([\d,]*)</td>', cells))
        rows[version] = {v: (int(files[v]), sizes[v]) for v in files}
    return rows


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report")
    with json_index(fixture_page) as url:
        proc = subprocess.run(
            [str(Path(sys.executable).parent / "wheeltrain"), "report", "--out", str(out),
             "--index-url", url, "--project", str(EXAMPLE)],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"wrote {out / 'index.html'}: 36 version(s)")
    return out / "index.html"


def test_the_numbers_on_the_page_are_the_datas(page: Path) -> None:
    text = page.read_text()
    shown = page_rows(text)
    data = from_the_data()
    assert set(shown) == set(data)
    for version, variants in data.items():
        for variant in VARIANTS:
            files, size, _ = variants.get(variant, (0, 0, ""))
            assert shown[version][variant] == (files, f"{size:,}" if files else ""), version
    total = sum(f for v in data.values() for f, _, _ in v.values())
    assert re.search(rf'<td id="files">{total}</td>', text)


def test_the_lag_is_from_the_first_to_the_last_variants_first_upload(page: Path) -> None:
    text = page.read_text()
    data = from_the_data()["0.3.9"]
    firsts = sorted(
        datetime.datetime.fromisoformat(first.replace("Z", "+00:00"))
        for _, _, first in data.values()
    )
    hours = (firsts[-1] - firsts[0]).total_seconds() / 3600
    row = re.search(r'<tr data-version="0\.3\.9">.*?<td class="lag">([\d.]+)</td>', text)
    assert row is not None and abs(float(row[1]) - hours) < 0.01
    assert hours > 600  # the CUDA 13 wheels of 0.3.9 came 25 days after the others


def test_the_page_needs_no_network(page: Path) -> None:
    text = page.read_text()
    assert "<script" not in text
    assert not re.search(r'(src|href)="(https?:)?//', text)
    assert "@import" not in text and not re.search(r"url\((?!#)", text)  # only url(#clip)
    assert text.count("<svg") == 4  # the four plots, drawn in the page itself


def test_chromium_renders_the_plots(page: Path, tmp_path: Path) -> None:
    browser = shutil.which("chromium")
    if browser is None:
        pytest.skip("headless Chromium is missing: apt-get install chromium (Debian's package)")
    shot = tmp_path / "shot.png"
    subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         "--window-size=1280,2200", f"--screenshot={shot}", page.as_uri()],
        capture_output=True, timeout=120, check=True,
    )  # fmt: skip
    from matplotlib.image import imread

    pixels = imread(str(shot))[:, :, :3]
    colours = {
        "monthly and cuda blue": (0x1F, 0x77, 0xB4),
        "hotfix red": (0xD6, 0x27, 0x28),
        "cuda13 green": (0x2C, 0xA0, 0x2C),
        "non-cuda orange": (0xFF, 0x7F, 0x0E),
    }
    for name, rgb in colours.items():
        target = [c / 255 for c in rgb]
        close = (abs(pixels - target).max(axis=2) < 0.02).sum()
        assert close > 500, f"the screenshot shows no {name} ({close} pixels)"


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, cli: Cli) -> None:
    taken = tmp_path / "a-file"
    taken.write_text("")
    with json_index(fixture_page) as url:
        result = cli("report", "--out", str(taken), "--index-url", url, "--project", str(EXAMPLE))
        assert result.code == 2 and "a file is there, not a folder" in result.err
    url = f"http://127.0.0.1:{free_port()}/simple/"
    result = cli("report", "--out", str(tmp_path / "o"), "--index-url", url,
                 "--project", str(EXAMPLE))  # fmt: skip
    assert result.code == 2 and "did not answer" in result.err
    with json_index(lambda name: None) as url:
        result = cli("report", "--out", str(tmp_path / "o"), "--index-url", url,
                     "--project", str(EXAMPLE))  # fmt: skip
    assert result.code == 2 and "has no files of mooncake-transfer-engine" in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_without_matplotlib_the_report_says_how_to_get_it(
    tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib: ImportError
    with json_index(fixture_page) as url:
        result = cli("report", "--out", str(tmp_path), "--index-url", url,
                     "--project", str(EXAMPLE))  # fmt: skip
    assert result.code == 2
    assert "pip install 'wheeltrain[report]'" in result.err
    assert not (tmp_path / "index.html").exists()
