"""[tool.semantic_release] read once into ReleaseSettings: semantic-release's defaults, and
every mistake refused with one line before anything runs."""

from __future__ import annotations

from typing import Any

import pytest

from wheeltrain.core.settings import (
    DEFAULT_COMMIT_MESSAGE,
    Location,
    ReleaseSettings,
    parse_release_settings,
)
from wheeltrain.errors import ConfigError


def test_defaults_are_semantic_releases() -> None:
    settings = parse_release_settings(None)
    assert settings == ReleaseSettings()
    assert settings.tag_format == "v{version}"
    assert settings.commit_message == DEFAULT_COMMIT_MESSAGE
    assert (settings.allow_zero_version, settings.major_on_zero) == (False, True)
    assert settings.locations == (Location("pyproject.toml", "project.version", "toml"),)
    assert settings.changelog_file == "CHANGELOG.md"
    assert settings.insertion_flag == "<!-- version list -->"


def test_a_full_table() -> None:
    settings = parse_release_settings(
        {
            "tag_format": "release-{version}",
            "commit_message": "chore(release): {version} [skip ci]",
            "allow_zero_version": True,
            "major_on_zero": False,
            "version_toml": ["pyproject.toml:project.version"],
            "version_variables": ["src/x/__init__.py:__version__:nf"],
            "remote": {"url": "https://github.com/o/r.git", "type": "github"},
            "branches": {"main": {"match": "main"}, "rel": {"match": "^release/.+"}},
            "changelog": {
                "mode": "update",
                "template_dir": "tpl",
                "insertion_flag": "<!-- here -->",
                "exclude_commit_patterns": ["^chore"],
                "default_templates": {"changelog_file": "docs/CHANGES.md"},
            },
        }
    )
    assert settings.release_message("1.2.3") == "chore(release): 1.2.3 [skip ci]"
    assert settings.version_of_release_subject("chore(release): 1.2.3 [skip ci]") == "1.2.3"
    assert settings.version_of_release_subject("chore(release): x [skip ci]") is None
    assert settings.version_of_release_subject("fix: something") is None
    assert settings.is_release_commit("chore(release): 0.4.0.post1 [skip ci]\n\nnotes")
    assert [str(p) for p in settings.locations] == [
        "pyproject.toml:project.version",
        "src/x/__init__.py:__version__",
    ]
    assert settings.changelog_file == "docs/CHANGES.md"
    assert settings.branches == (("main", "main"), ("rel", "^release/.+"))
    assert settings.remote_url == "https://github.com/o/r.git"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            {"tag_fromat": "v{version}"},
            "tag_fromat is not a semantic-release setting (did you mean 'tag_format'?)",
        ),
        (
            {"changelog": {"insertion_flags": "x"}},
            "changelog].insertion_flags is not a semantic-release setting",
        ),
        ({"remote": {"urll": "x"}}, "remote].urll is not a semantic-release setting"),
        ({"branches": {"main": {"matches": "main"}}}, "branches.main].matches is not"),
        ({"branches": {"main": "main"}}, "branches].main must be a table"),
        ({"major_on_zero": "false"}, "major_on_zero must be true or false"),
        ({"tag_format": "v"}, "must contain {version} once"),
        ({"tag_format": "v {version}"}, "does not make a valid git tag name"),
        ({"tag_format": "{version}..x"}, "does not make a valid git tag name"),
        ({"commit_message": "release"}, "must name {version} in its first line"),
        ({"version_toml": "pyproject.toml:project.version"}, "version_toml must be a list"),
        ({"version_variables": ["nocolon"]}, "is not 'file:name'"),
        ({"changelog": {"mode": "rewrite"}}, "mode must be 'update' or 'init'"),
        ({"changelog": []}, "changelog must be a table"),
        ({"tag_format": 5}, "tag_format must be a string"),
    ],
)
def test_mistakes_are_one_line(table: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_release_settings(table)
    assert message in str(info.value)
    assert "\n" not in str(info.value)
