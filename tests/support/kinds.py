"""A project that ships one source tree as a pure wheel and as an abi3 wheel, both with sdists."""

from __future__ import annotations

from pathlib import Path

from tests.support.projects import PSR_TABLES

PYPROJECT = """\
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "kinds-demo"
version = "{version}"
readme = "README.md"
description = "One source tree, a pure and an abi3 distribution."
requires-python = ">=3.10"

[tool.setuptools]
package-dir = {{ "" = "src" }}
packages = ["kinds"]

@@PSR@@
[tool.wheeltrain]
python = ["3.10", "3.11", "3.12"]
archs = ["x86_64"]
sdist = ["pure", "abi3"]

[tool.wheeltrain.variants.pure]
distribution = "kinds-pure"
import-name = "kinds"
kind = "pure"
environment = {{ KINDS_EXT = "0" }}
smoke = "python -c 'import kinds, sys; print(kinds.answer(), sys.version_info[:2])'"

[tool.wheeltrain.variants.abi3]
distribution = "kinds-abi3"
import-name = "kinds"
kind = "abi3"
environment = {{ KINDS_EXT = "1" }}
smoke = "python -c 'import kinds, sys; assert kinds.compiled(); print(kinds.answer(), sys.version_info[:2])'"
"""

SETUP = """\
import os

from setuptools import Extension, setup

if os.environ.get("KINDS_EXT") == "1":
    setup(
        ext_modules=[
            Extension(
                "kinds._speed",
                ["csrc/speed.c"],
                py_limited_api=True,
                define_macros=[("Py_LIMITED_API", "0x030A0000")],
            )
        ],
        options={"bdist_wheel": {"py_limited_api": "cp310"}},
    )
else:
    setup()
"""

SPEED_C = """\
#include <Python.h>

static PyObject *answer(PyObject *self, PyObject *args) { return PyLong_FromLong(42); }

static PyMethodDef methods[] = {{"answer", answer, METH_NOARGS, "The answer."}, {0}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_speed", 0, -1, methods};

PyMODINIT_FUNC PyInit__speed(void) { return PyModule_Create(&module); }
"""

INIT = """\
try:
    from kinds._speed import answer
except ImportError:

    def answer() -> int:
        return 42


def compiled() -> bool:
    return answer.__module__ != __name__
"""


def write_kinds_project(root: Path, version: str = "1.0.0") -> Path:
    """The project's files under ``root`` (not a git repository)."""
    files = {
        "pyproject.toml": PYPROJECT.format(version=version).replace(
            "@@PSR@@", PSR_TABLES.format(name="kinds-demo", version=version)
        ),
        "setup.py": SETUP,
        "MANIFEST.in": "include csrc/*.c\n",
        "csrc/speed.c": SPEED_C,
        "src/kinds/__init__.py": INIT,
        "README.md": "# kinds-demo\n",
        "CHANGELOG.md": "# Changelog\n\n<!-- version list -->\n",
    }
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root
