"""The one wheel/sdist file-name parser, release tags and lines, and credential redaction."""

from __future__ import annotations

import pytest
from packaging.version import Version

from wheeltrain.core.filenames import InvalidFilename, parse_filename
from wheeltrain.core.redact import redact
from wheeltrain.core.tags import cut_at_head, line_tags, release_tags
from wheeltrain.core.versioning import in_line, next_post_number, parse
from wheeltrain.errors import UsageError


def test_wheel_and_sdist_names() -> None:
    wheel = parse_filename(
        "Mooncake_Transfer.Engine-0.3.12.post1-cp312-cp312-manylinux_2_28_x86_64.whl"
    )
    assert (wheel.distribution, str(wheel.version), wheel.kind) == (
        "mooncake-transfer-engine",
        "0.3.12.post1",
        "wheel",
    )
    assert (wheel.python, wheel.arch) == ("3.12", "x86_64")
    assert wheel.key == ("mooncake-transfer-engine", "wheel", "3.12", "x86_64")
    sdist = parse_filename("mooncake_transfer_engine-0.3.12.tar.gz")
    assert sdist.key == ("mooncake-transfer-engine", "sdist", None, None)
    pure = parse_filename("demo-1.0.0-py3-none-any.whl")
    assert (pure.python, pure.arch) == ("py3", "any")
    abi3 = parse_filename("demo-1.0.0-cp310-abi3-manylinux_2_28_x86_64.whl")
    assert abi3.key == ("demo", "wheel", "3.10", "x86_64")
    for bad in ("demo.zip.txt", "demo-1.0.whl", "x-1-cp312-cp312-linux.tar.bz2"):
        with pytest.raises(InvalidFilename):
            parse_filename(bad)


def test_lines_posts_and_huge_numbers() -> None:
    tags = release_tags(
        ["v0.4.0", "v0.4.0.post1", "v0.4.0rc1", "v0.4.1", "v0.4.0.post2.dev1", "v" + "9" * 5000],
        "v{version}",
    )
    assert [t.name for t in line_tags(tags, Version("0.4.0"))] == ["v0.4.0", "v0.4.0.post1"]
    assert in_line(Version("0.4.0.post3"), Version("0.4.0"))
    assert not in_line(Version("0.4.0rc1"), Version("0.4.0"))
    assert next_post_number("0.4.0", ["0.4.0.post1", "0.4.0.post" + "9" * 5000]) == 2
    with pytest.raises(UsageError):
        parse("1." + "9" * 5000)


def test_a_release_cut_at_head_is_recognised_once() -> None:
    cut = cut_at_head("0.4.0.post1", ["v0.4.0.post1", "other"], tag_format="v{version}")
    assert cut is not None and (str(cut.version), cut.tag) == ("0.4.0.post1", "v0.4.0.post1")
    assert cut_at_head("0.4.0.post1", ["v0.4.0"], tag_format="v{version}") is None
    assert cut_at_head(None, ["v0.4.0"], tag_format="v{version}") is None
    assert cut_at_head("not a version", ["vnot a version"], tag_format="v{version}") is None


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        (
            "upload to https://__token__:pypi-AgEIcHlwaS5vcmcCJDAwMDAwMDAw@upload.pypi.org/legacy/",
            "pypi-AgEI",
        ),
        ("https://user:hunter2hunter2@host/simple/ failed", "hunter2"),
        ("Authorization: Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpw"),
        ("token pypi-AgEIcHlwaS5vcmcCJDAwMDAwMDAw in a line", "AgEIcHlw"),
    ],
)
def test_credentials_never_survive_redaction(text: str, secret: str) -> None:
    assert secret not in redact(text)
    assert "***" in redact(text)


def test_named_secrets_are_redacted() -> None:
    assert redact("the password is s3cr3t-value", ["s3cr3t-value"]) == "the password is ***"
    assert redact("short ab", ["ab"]) == "short ab"  # too short to be a secret worth hiding


def test_a_short_credential_never_hides_part_of_an_ordinary_word() -> None:
    """A password "wheelt" is hidden where it stands as a word (a command line, a header,
    JSON), never inside "wheeltrain"."""
    from wheeltrain.core.redact import environment_secrets, redact

    secrets = environment_secrets({"TWINE_PASSWORD": "wheelt"})
    assert redact("wheeltrain: error: the upload failed", secrets) == (
        "wheeltrain: error: the upload failed"
    )
    assert redact('--password wheelt, "wheelt", p=wheelt', secrets) == (
        '--password ***, "***", p=***'
    )
