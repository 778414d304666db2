from __future__ import annotations

from pathlib import Path

import pytest

from wheeltrain.adapters.project import load_project
from wheeltrain.core.stamping import set_toml_string
from wheeltrain.core.tags import tag_name, version_from_tag
from wheeltrain.errors import ConfigError, StepFailed

TEXT = """\
# top comment
[build-system]
requires = ["hatchling"]
version = "9.9.9"   # not this one

[ project ]   # spaced header
name='demo'
version = '0.4.0'  # keep me
dependencies = [
  "packaging",
]

[tool.other]
version = "1.0"
"""


def test_set_toml_string_changes_only_the_value() -> None:
    new = set_toml_string(TEXT, "project.version", "0.5.0")
    # the value as semantic-release writes it (a basic string); every other byte kept
    assert new == TEXT.replace("version = '0.4.0'", 'version = "0.5.0"')


def test_set_toml_string_refuses_what_it_cannot_find() -> None:
    with pytest.raises(StepFailed, match=r"cannot find project\.version"):
        set_toml_string("[project]\nname = 'x'\n", "project.version", "1.0.0")


def test_tag_format_round_trip() -> None:
    assert tag_name("v{version}", "0.4.0.post1") == "v0.4.0.post1"
    assert version_from_tag("v{version}", "v0.4.0.post1") == "0.4.0.post1"
    assert version_from_tag("release-{version}-final", "release-1.0.0-final") == "1.0.0"
    assert version_from_tag("v{version}", "nightly") is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (None, "not found"),
        ("[project\n", "not valid TOML"),
        ("[tool.x]\n", "no \\[project\\] table"),
        ("[project]\nname = 'x'\ndynamic = ['version']\n", "declares it dynamic"),
        (
            "[project]\nname = 'x'\nversion = '1.0.0'\n[tool.semantic_release]\ntag_format = 'v'\n",
            "must contain",
        ),
    ],
)
def test_load_project_errors(tmp_path: Path, text: str | None, message: str) -> None:
    if text is not None:
        (tmp_path / "pyproject.toml").write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_project(tmp_path)


def test_repo_url_from_remote_or_urls(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[project]\nname='x'\nversion='1.0.0'\n[project.urls]\nRepository = 'git@github.com:o/r.git'\n"
    )
    assert load_project(tmp_path).repo_url == "https://github.com/o/r"
