"""Which workflows a pushed release tag starts, from the parsed `on:` block, by GitHub's rules."""

from __future__ import annotations

import pytest
from ruamel.yaml import YAML

from wheeltrain.core.triggers import filter_matches, starts_on_tag


def on(text: str) -> object:
    data = YAML(typ="safe", pure=True).load(text)
    return data["on"]


@pytest.mark.parametrize(
    ("block", "starts"),
    [
        ("on: push", True),  # every branch and tag
        ("on: [push, pull_request]", True),
        ("on: workflow_dispatch", False),
        ("on: {create: {}}", True),  # a new tag is a created ref
        ("on:\n  push:\n    tags: ['v*']", True),
        ("on:\n  push:\n    tags: ['release-*']", False),
        ("on:\n  push:\n    tags: ['v[0-9]+.[0-9]+.[0-9]+']", True),
        ("on:\n  push:\n    tags: ['v*', '!v0.4.*']", False),
        ("on:\n  push:\n    tags-ignore: ['v*']", False),
        ("on:\n  push:\n    tags-ignore: ['nightly-*']", True),
        ("on:\n  push:\n    branches: [main]", False),  # branch filters only: no tag
        ("on:\n  push:\n    paths: ['src/**']", True),  # paths are not evaluated for tags
        ("on:\n  push:\n    branches: [main]\n    tags: ['v*']", True),
        ("on:\n  release:\n    types: [published]", False),
    ],
)
def test_a_release_tag_starts_what_github_would_start(block: str, starts: bool) -> None:
    assert starts_on_tag(on(block), "v0.4.0") is starts


def test_a_tags_key_inside_a_step_is_not_a_trigger() -> None:
    """A docker step's `tags:` input in a workflow run only by hand starts nothing."""
    text = """\
on: workflow_dispatch
jobs:
  image:
    runs-on: ubuntu-24.04
    steps:
      - uses: docker/build-push-action@v6
        with:
          tags: ghcr.io/o/r:latest
"""
    assert starts_on_tag(on(text), "v0.4.0") is False


def test_githubs_pattern_characters() -> None:
    assert filter_matches(["v*"], "v1.2.3") and not filter_matches(["v*"], "v1/2")
    assert filter_matches(["v**"], "v1/2")
    assert filter_matches(["v1.?2"], "v12") and filter_matches(["v1.?2"], "v1.2")
    assert filter_matches(["v[0-9]+"], "v123") and not filter_matches(["v[0-9]+"], "v")
    assert not filter_matches(["*", "!v*"], "v1") and filter_matches(["*", "!v*", "v1"], "v1")
