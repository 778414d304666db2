"""core.adoption: the old tree's project file and where its version lives."""

from __future__ import annotations

from typing import Any

from wheeltrain.core.adoption import choose_project_file, relocate
from wheeltrain.core.settings import ReleaseSettings


def _project(name: str, version: str = "0.1.0") -> dict[str, Any]:
    return {"project": {"name": name, "version": version}}


def test_the_project_file_is_the_configured_distribution_then_the_shallowest() -> None:
    candidates: dict[str, dict[str, Any]] = {
        "docs/pyproject.toml": _project("docs-helper"),
        "a/b/pyproject.toml": _project("demo"),
        "tools/pyproject.toml": {"project": {"name": "x", "dynamic": ["version"]}},
    }
    assert choose_project_file(candidates, ["Demo"]) == "a/b/pyproject.toml"
    assert choose_project_file(candidates, ["other"]) == "docs/pyproject.toml"
    assert choose_project_file({"t/pyproject.toml": {"project": {"name": "x"}}}, ["x"]) is None


def test_locations_follow_the_moved_project_file_or_are_named_absent() -> None:
    settings = ReleaseSettings(
        version_toml=("pyproject.toml:project.version",),
        version_variables=("src/demo/__init__.py:__version__", "docs/conf.py:release"),
    )
    present = {"pkg/src/demo/__init__.py"}
    moved = relocate(settings, "pkg/pyproject.toml", present.__contains__)
    assert moved.settings.version_toml == ("pkg/pyproject.toml:project.version",)
    assert moved.settings.version_variables == ("pkg/src/demo/__init__.py:__version__",)
    assert moved.absent == ("docs/conf.py:release",)
    assert ("pyproject.toml:project.version", "pkg/pyproject.toml:project.version") in moved.moved


def test_a_tree_whose_layout_never_moved_keeps_every_location() -> None:
    settings = ReleaseSettings(version_variables=("demo/__init__.py:__version__",))
    same = relocate(settings, "pyproject.toml", {"demo/__init__.py"}.__contains__)
    assert same.moved == () and same.absent == ()
    assert same.settings.version_variables == ("demo/__init__.py:__version__",)
    # the project file always carries the version it is released with
    assert same.settings.version_toml == ("pyproject.toml:project.version",)


def test_no_location_named_means_the_project_files_version() -> None:
    default = relocate(ReleaseSettings(), "sub/pyproject.toml", lambda _: False)
    assert default.settings.locations[0].path == "sub/pyproject.toml"
    assert default.moved == (
        ("pyproject.toml:project.version", "sub/pyproject.toml:project.version"),
    )
