"""wheeltrain's TOML stamper and semantic-release's own (its ``TomlVersionDeclaration``) write
the same bytes for every form of version location TOML allows: a key under its ``[table]``, a
dotted key, a quoted key, a key inside an inline table, a literal or a basic string, with
comments and other tables around it. One cuts the hotfixes and release branches, the other
linear monthly releases: a project's files must not depend on which one ran."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from semantic_release.version.declarations.enum import VersionStampType
from semantic_release.version.declarations.toml import TomlVersionDeclaration
from semantic_release.version.version import Version as PsrVersion

from wheeltrain.core.stamping import set_toml_string

QUOTES = st.sampled_from(['"', "'"])
COMMENTS = st.sampled_from(["", "  # the release", " #x"])
BEFORE = st.sampled_from(["", "# a comment\n", "[build-system]\nrequires = ['x']\n"])
AFTER = st.sampled_from(["", "\n# the end\n", "\n\n[tool.other]\nname = 'v'\n"])


@st.composite
def located(draw: st.DrawFn) -> tuple[str, str]:
    """A TOML text with the version 0.4.0 somewhere, and the dotted key that names it."""
    q = draw(QUOTES)
    c = draw(COMMENTS)
    value = f"{q}0.4.0{q}"
    form = draw(st.integers(0, 5))
    if form == 0:
        text, key = f'[project]\nname = "demo"\nversion = {value}{c}\n', "project.version"
    elif form == 1:
        text, key = f'project.name = "demo"\nproject.version = {value}{c}\n', "project.version"
    elif form == 2:
        text, key = f'[project]\n"version" = {value}{c}\n', "project.version"
    elif form == 3:
        other = draw(st.sampled_from(["", ", other = 1"]))
        text, key = (
            f"meta = {{ release = {{ version = {value} }}{other} }}{c}\n",
            "meta.release.version",
        )
    elif form == 4:
        text, key = f"[tool]\nmine.version = {value}{c}\n", "tool.mine.version"
    else:
        text, key = f"[tool.mine]\nversion = {value}{c}\n", "tool.mine.version"
    before, after = draw(BEFORE), draw(AFTER)
    # a table header after the version closes its table; text before a header-less form
    # would otherwise become part of a table
    if form in (1, 3) and before.startswith("["):
        before = ""
    return before + text + after, key


@settings(max_examples=60, deadline=None)
@given(located(), st.sampled_from(["0.4.1", "1.0.0", "0.5.0-rc.1"]))
def test_the_toml_stampers_agree(case: tuple[str, str], version: str) -> None:
    text, key = case
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pyproject.toml"
        path.write_text(text)
        theirs = TomlVersionDeclaration(path, key, VersionStampType.NUMBER_FORMAT).replace(
            PsrVersion.parse(version)
        )
    assert set_toml_string(text, key, version) == theirs, (text, key)
