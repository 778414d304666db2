"""`wheeltrain init --history`: what each distribution really shipped, read from the index
(PyPI's own pages for Mooncake's three distributions, tests/fixtures/pypi, served on
127.0.0.1), and every difference from the table init writes."""

from __future__ import annotations

from pathlib import Path

import tomlkit

from tests.e2e.test_status import fixture_page
from tests.support.cli import Cli
from tests.support.gitrepo import GitRepo
from tests.support.servers import free_port, json_index

PYPROJECT = (
    "[project]\nname = '{name}'\nversion = '0.3.13'\n"
    "[project.urls]\nRepository = 'https://github.com/kvcache-ai/Mooncake'\n"
)


def test_init_names_each_difference_between_the_mooncake_table_and_pypi(
    tmp_path: Path, cli: Cli
) -> None:
    repo = GitRepo.create(
        tmp_path / "r", pyproject=PYPROJECT.format(name="mooncake-transfer-engine")
    )
    with json_index(fixture_page) as url:
        result = cli(
            "init", "--profile", "mooncake", "--no-lock", "--history", "--history-index-url", url,
            "--project", str(repo.root),
        )  # fmt: skip
        data = cli(
            "init", "--profile", "mooncake", "--no-lock", "--history", "--history-index-url", url,
            "--project", str(repo.root), "--json",
        ).json()  # fmt: skip
    assert result.code == 0, result.err
    found = data["found"][f"where the table and {url} differ"]
    # the facts, as PyPI holds them: no CPU-only aarch64 wheel before 0.3.13, CUDA 13 wheels
    # beside the monthly releases, and CPython 3.14 in cuda13 0.3.14 only
    assert (
        "non-cuda (mooncake-transfer-engine-non-cuda): the table builds aarch64; the index has "
        "none for 0.3.7.post1 to 0.3.12.post1 (12 versions)" in found
    )
    assert (
        "cuda13 (mooncake-transfer-engine-cuda13): 0.3.14 shipped CPython 3.14, which the table "
        "no longer builds" in found
    )
    assert any(
        line.startswith("cuda13 (mooncake-transfer-engine-cuda13): released by hand only in the "
                        "table, yet the index has it with the cuda releases 0.3.9 to 0.3.13.post1")
        for line in found
    )  # fmt: skip
    assert not any(line.startswith("cuda (") and "CPython" in line for line in found)
    assert "where the table and" in result.out and "    - non-cuda (" in result.out
    assert any("decide each difference" in item for item in data["todo"])


def test_without_a_profile_the_table_follows_the_latest_release_on_the_index(
    tmp_path: Path, cli: Cli
) -> None:
    name = "mooncake-transfer-engine-cuda13"
    repo = GitRepo.create(tmp_path / "r", pyproject=PYPROJECT.format(name=name))
    with json_index(fixture_page) as url:
        result = cli(
            "init", "--no-lock", "--history", "--history-index-url", url,
            "--project", str(repo.root),
        )  # fmt: skip
    assert result.code == 0, result.err
    table = tomlkit.parse((repo.root / "pyproject.toml").read_text()).unwrap()["tool"]["wheeltrain"]
    assert table["python"] == ["3.10", "3.11", "3.12", "3.13", "3.14"]
    assert table["archs"] == ["aarch64", "x86_64"]
    assert table["variants"]["default"]["max-platform"] == "manylinux_2_28"
    assert "follows the latest release on the index" in result.out


def test_a_distribution_the_index_never_saw_is_said_and_init_still_writes(
    tmp_path: Path, cli: Cli
) -> None:
    repo = GitRepo.create(tmp_path / "r", pyproject=PYPROJECT.format(name="demo-never-published"))
    with json_index(lambda _name: None) as url:
        result = cli(
            "init", "--no-lock", "--history", "--history-index-url", url,
            "--project", str(repo.root), "--json",
        )  # fmt: skip
    assert result.code == 0, result.err
    report = result.json()
    assert "pyproject.toml [tool.wheeltrain]" in report["written"]
    assert any(
        "nothing on the index yet" in line
        for line in report["found"].get(f"where the table and {url} differ", [])
    )


def test_an_index_that_does_not_answer_is_a_note_and_init_still_writes(
    tmp_path: Path, cli: Cli
) -> None:
    repo = GitRepo.create(
        tmp_path / "r", pyproject=PYPROJECT.format(name="mooncake-transfer-engine")
    )
    url = f"http://127.0.0.1:{free_port()}/simple/"  # nothing listens there
    result = cli(
        "init", "--profile", "mooncake", "--no-lock", "--history", "--history-index-url", url,
        "--project", str(repo.root), "--json",
    )  # fmt: skip
    assert result.code == 0, result.err
    report = result.json()
    assert any(note.startswith("the index's history was not read: ") for note in report["notes"])
    assert not any(key.startswith("where the table") for key in report["found"])
    assert "pyproject.toml [tool.wheeltrain]" in report["written"]
