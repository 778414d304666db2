from __future__ import annotations

from pathlib import Path

import pytest

from wheeltrain.adapters.project import load_project
from wheeltrain.adapters.stamp import stamp
from wheeltrain.core.changelog import insert_section
from wheeltrain.core.settings import Location
from wheeltrain.errors import ConfigError, StepFailed

PYPROJECT = """\
[project]
name = "demo"
version = "0.4.0"

[tool.semantic_release]
version_toml = ["pyproject.toml:project.version"]
version_variables = ["src/demo/__init__.py:__version__", "src/demo/_v.py:VERSION:nf"]
"""


def test_locations_come_from_semantic_release(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    assert [str(p) for p in list(load_project(tmp_path).settings.locations)] == [
        "pyproject.toml:project.version",
        "src/demo/__init__.py:__version__",
        "src/demo/_v.py:VERSION",
    ]


def test_default_location_is_project_version(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\nversion='1.0.0'\n")
    assert list(load_project(tmp_path).settings.locations) == [
        Location("pyproject.toml", "project.version", "toml")
    ]


def test_bad_location_setting(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[project]\nname='x'\nversion='1.0.0'\n[tool.semantic_release]\nversion_toml = ['nocolon']\n"
    )
    with pytest.raises(ConfigError, match="is not 'file:name'"):
        load_project(tmp_path)


def test_stamp_writes_every_place_or_none(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    pkg = tmp_path / "src" / "demo"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text('"""Demo."""\n__version__ = "0.4.0"  # stamped\n')
    (pkg / "_v.py").write_text("VERSION: str = '0.4.0'\nOTHER = '0.4.0'\n")
    places = list(load_project(tmp_path).settings.locations)
    stamp(tmp_path, places, "0.4.0.post1")
    assert '__version__ = "0.4.0.post1"  # stamped' in (pkg / "__init__.py").read_text()
    assert (pkg / "_v.py").read_text() == "VERSION: str = '0.4.0.post1'\nOTHER = '0.4.0'\n"
    assert 'version = "0.4.0.post1"' in (tmp_path / "pyproject.toml").read_text()
    (pkg / "_v.py").write_text("nothing here\n")
    before = (tmp_path / "pyproject.toml").read_text()
    with pytest.raises(StepFailed, match=r"cannot stamp src/demo/_v\.py:VERSION"):
        stamp(tmp_path, places, "0.4.0.post2")
    assert (tmp_path / "pyproject.toml").read_text() == before


FLAG = "<!-- version list -->"


@pytest.mark.parametrize(
    ("old", "expected"),
    [
        (
            f"# Changelog\n\n{FLAG}\n\n## v0.4.0 (x)\n",
            f"# Changelog\n\n{FLAG}\n\n## S\n\n## v0.4.0 (x)\n",
        ),
        ("# Changelog\n\n## v0.4.0 (x)\n", f"# Changelog\n\n{FLAG}\n\n## S\n\n## v0.4.0 (x)\n"),
        (None, f"# Changelog\n\n{FLAG}\n\n## S\n"),
    ],
)
def test_changelog_section_goes_where_semantic_release_puts_releases(
    old: str | None, expected: str
) -> None:
    assert insert_section(old, "## S\n", FLAG) == expected


def test_every_form_of_a_toml_version_is_stamped_where_it_stands() -> None:
    """The forms semantic-release's tomlkit stamper edits: a dotted key, a quoted key, a key
    inside an inline table; comments and the quote style stay."""
    from wheeltrain.core.stamping import set_toml_string

    dotted = 'project.name = "demo"\nproject.version = "0.4.0"  # the release\n'
    assert set_toml_string(dotted, "project.version", "0.4.1") == (
        'project.name = "demo"\nproject.version = "0.4.1"  # the release\n'
    )
    quoted = "[project]\n\"version\" = '0.4.0'\n"
    assert set_toml_string(quoted, "project.version", "0.4.1") == '[project]\n"version" = "0.4.1"\n'
    inline = 'meta = { release = { version = "0.4.0" }, other = 1 }\n'
    assert set_toml_string(inline, "meta.release.version", "0.4.1") == (
        'meta = { release = { version = "0.4.1" }, other = 1 }\n'
    )
    with pytest.raises(StepFailed, match=r"cannot find meta\.release\.name"):
        set_toml_string(inline, "meta.release.name", "0.4.1")
