"""The index's history of a distribution, read from its file names, against the table."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from wheeltrain.core.config import parse_config
from wheeltrain.core.history import differences, proposal, shipped

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

PROFILE = (
    Path(__file__).resolve().parents[2] / "src" / "wheeltrain" / "templates" / "profiles"
    / "mooncake.toml"
)  # fmt: skip


def wheels(
    dist: str, version: str, pythons: str, archs: str, plat: str = "manylinux_2_28"
) -> list[str]:
    stem = dist.replace("-", "_")
    return [
        f"{stem}-{version}-cp{p.replace('.', '')}-cp{p.replace('.', '')}-{plat}_{a}.whl"
        for p in pythons.split()
        for a in archs.split()
    ]


def table() -> dict[str, Any]:
    data: dict[str, Any] = tomllib.loads(PROFILE.read_text())["tool"]["wheeltrain"]
    return data


def test_versions_group_their_wheels_and_names_that_are_not_files_are_skipped() -> None:
    names = [
        *wheels("demo", "1.0", "3.10 3.11", "x86_64"),
        *wheels("demo", "1.1", "3.11 3.12", "x86_64 aarch64", "manylinux_2_35"),
        "demo-1.1.tar.gz",
        "README.txt",
        "demo-1.2rc1-py3-none-any.whl",
    ]
    past = shipped("demo", names)
    assert [str(r.version) for r in past.releases] == ["1.0", "1.1", "1.2rc1"]
    latest = past.latest
    assert latest is not None and str(latest.version) == "1.1"  # not the pre-release
    assert latest.pythons == {"3.11", "3.12"} and latest.archs == {"x86_64", "aarch64"}
    assert latest.sdist and not past.releases[0].sdist
    assert proposal(past) == {
        "python": ["3.11", "3.12"],
        "archs": ["aarch64", "x86_64"],
        "max-platform": "manylinux_2_35",
    }
    assert proposal(shipped("demo", [])) == {}


def test_each_kind_of_difference_is_one_line() -> None:
    config = parse_config(table())
    main, cpu, cu13 = (v.distribution for v in config.variants)
    history = {
        "cuda": shipped(main, [
            *wheels(main, "0.3.1", "3.10 3.11", "x86_64"),
            *wheels(main, "0.3.2", "3.10 3.11 3.12 3.13", "x86_64 aarch64"),
        ]),
        "non-cuda": shipped(cpu, [
            *wheels(cpu, "0.3.1", "3.10 3.11 3.12 3.13", "x86_64", "manylinux_2_35"),
            *wheels(cpu, "0.3.2", "3.10 3.11 3.12 3.13 3.14", "x86_64 aarch64", "manylinux_2_35"),
        ]),
        "cuda13": shipped(cu13, wheels(cu13, "0.3.2", "3.11 3.12 3.13", "x86_64 aarch64 ppc64le")),
    }  # fmt: skip
    lines = differences(config, history)
    assert lines == [
        "cuda (mooncake-transfer-engine): the table builds aarch64; the index has none for 0.3.1",
        "non-cuda (mooncake-transfer-engine-non-cuda): 0.3.2 shipped CPython 3.14, which the "
        "table no longer builds",
        "non-cuda (mooncake-transfer-engine-non-cuda): the table builds aarch64; the index has "
        "none for 0.3.1",
        "non-cuda (mooncake-transfer-engine-non-cuda): 0.3.2 is tagged manylinux_2_35, newer "
        "than the table's max-platform manylinux_2_28",
        "cuda13 (mooncake-transfer-engine-cuda13): the table builds CPython 3.10, which 0.3.2 "
        "(the latest release) did not ship",
        "cuda13 (mooncake-transfer-engine-cuda13): 0.3.2 shipped ppc64le wheels, which the table "
        "does not build",
        "cuda13 (mooncake-transfer-engine-cuda13): released by hand only in the table, yet the "
        "index has it with the cuda releases 0.3.2",
    ]
    assert differences(config, {**history, "cuda13": shipped(cu13, [])})[-1] == (
        "cuda13 (mooncake-transfer-engine-cuda13): nothing on the index yet; its first release "
        "creates it"
    )


def test_long_runs_of_versions_are_said_as_runs() -> None:
    config = parse_config(table())
    main = config.variants[0].distribution
    names = [n for i in range(10) for n in wheels(main, f"0.{i}", "3.10 3.11 3.12 3.13", "x86_64")]
    names += [n for n in wheels(main, "0.10", "3.10 3.11 3.12 3.13", "x86_64 aarch64")]
    names += [n for n in wheels(main, "0.11", "3.10 3.11 3.12 3.13", "x86_64")]
    lines = differences(config, {"cuda": shipped(main, names)})
    assert lines[0] == (
        "cuda (mooncake-transfer-engine): the table builds aarch64; the index has none for "
        "0.0 to 0.9; 0.11 (11 versions)"
    )
