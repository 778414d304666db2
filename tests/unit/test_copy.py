"""The build copy leaves out build outputs at the top only: a package folder named `build`,
`dist` or `venv` deeper in the tree reaches the build."""

from __future__ import annotations

from pathlib import Path

from wheeltrain.adapters.builder import copy_project


def test_nested_folders_named_like_outputs_are_kept(tmp_path: Path) -> None:
    src = tmp_path / "src"
    for rel in (
        "build/leftover.o",
        "dist/old.whl",
        ".venv/bin/python",
        "pkg/build/__init__.py",
        "pkg/dist/__init__.py",
        "pkg/venv/__init__.py",
        "pkg/__pycache__/x.pyc",
        "demo.egg-info/PKG-INFO",
        "extern/sub/.git",
        "extern/sub/source.c",
        "pyproject.toml",
    ):
        path = src / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    copy_project(src, tmp_path / "copy")
    kept = sorted(
        str(p.relative_to(tmp_path / "copy")) for p in (tmp_path / "copy").rglob("*") if p.is_file()
    )
    assert kept == [
        # a submodule's contents travel; its .git link file does not: it names a folder of the
        # original checkout (.git/modules/...) that no copy has
        "extern/sub/source.c",
        "pkg/build/__init__.py",
        "pkg/dist/__init__.py",
        "pkg/venv/__init__.py",
        "pyproject.toml",
    ]
