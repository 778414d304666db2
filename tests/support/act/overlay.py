"""What the act tests change in the rendered workflows to run them here: the shipped files
name PyPI, github.com and the full matrix; under act they must use the test's local index and
origin and the part of the matrix this machine builds. Kept here, out of what users get."""

from __future__ import annotations

import re

#: The part of the matrix this machine builds.
FILTER = "--variant non-cuda --python 3.12 --arch x86_64"
_INSTALL = re.compile(
    r"(      run: \|\n        if \[ ! -f \.github/wheeltrain/requirements\.txt \]; then\n"
    r"(?:.*\n)*?        python -m pip install [^\n]*--require-hashes [^\n]*\n(?:.*\n)*?)"
    r"(?=    - name: Show wheeltrain)"
)


def overlay(rel: str, text: str) -> str:
    """``text`` of the rendered file ``rel``, pointed at the test's index and origin (named
    by act's --env: WHEELTRAIN_ACT_INDEX, WHEELTRAIN_ACT_ORIGIN)."""
    text = text.replace(
        "https://x-access-token:${GH_TOKEN}@github.com/${GITHUB_REPOSITORY}.git",
        "${WHEELTRAIN_ACT_ORIGIN}",
    )
    # an upload names the server's root; a read names its simple index (PyPI, TestPyPI, or
    # the index an action's `repository` input names: all of them the test's index)
    lines = []
    for line in text.split("\n"):
        for named in ('--repository "$REPOSITORY"', "--repository testpypi", "--repository pypi"):
            if "wheeltrain publish" in line:
                line = line.replace(named, '--repository-url "$WHEELTRAIN_ACT_INDEX"')
            else:
                line = line.replace(named, '--index-url "${WHEELTRAIN_ACT_INDEX}simple/"')
        lines.append(line)
    text = "\n".join(lines)
    for simple in ("https://pypi.org/simple/", "https://test.pypi.org/simple/"):
        text = text.replace(simple, "${WHEELTRAIN_ACT_INDEX}simple/")
    # the matrix, check, verify and smoke of the builds this machine can make
    text = re.sub(r"(wheeltrain matrix [^\n]*--github-output)", rf"\1 {FILTER}", text)
    text = text.replace("$SELECT", f"$SELECT {FILTER}")
    # act names the repository after the local origin's path; the receipt wants OWNER/NAME
    text = text.replace(
        '--github-repository "$GITHUB_REPOSITORY"', "--github-repository kvcache-ai/Mooncake"
    )
    if rel.endswith("wheeltrain-setup/action.yml"):
        # the wheeltrain under test is the one on PATH, not a release from an index
        text, count = _INSTALL.subn("      run: echo 'under act, the wheeltrain on PATH'\n", text)
        assert count == 1, "the install step of wheeltrain-setup changed: update the overlay"
    return text
