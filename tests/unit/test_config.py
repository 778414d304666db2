from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from wheeltrain.core.config import DEFAULTS, VARIANT_DEFAULTS, parse_config, platform_version
from wheeltrain.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "transfer-engine" / "pyproject.toml"


def example() -> dict[str, Any]:
    table: dict[str, Any] = tomllib.loads(EXAMPLE.read_text())["tool"]["wheeltrain"]
    return table


def test_the_first_users_three_variants() -> None:
    config = parse_config(example())
    assert [v.distribution for v in config.variants] == [
        "mooncake-transfer-engine",
        "mooncake-transfer-engine-non-cuda",
        "mooncake-transfer-engine-cuda13",
    ]
    assert [v.name for v in config.for_event("monthly")] == ["cuda", "non-cuda"]
    assert [v.name for v in config.for_event("hotfix")] == ["cuda", "non-cuda", "cuda13"]
    non_cuda = config.variant("non-cuda")
    assert non_cuda.forbid_libraries == ("libcuda.so*", "libcudart.so*")
    assert non_cuda.image_for("aarch64") == "quay.io/pypa/manylinux_2_28_aarch64"
    assert config.variant("cuda").image_for("x86_64") == "pytorch/manylinux2_28-builder:cuda12.8"
    assert config.python == ("3.10", "3.11", "3.12", "3.13")


def test_defaults_are_written_down_once() -> None:
    config = parse_config({"variants": {"cpu": {"distribution": "x", "import-name": "x"}}})
    variant = config.variants[0]
    assert list(config.python) == DEFAULTS["python"] and list(config.archs) == DEFAULTS["archs"]
    assert list(variant.releases) == VARIANT_DEFAULTS["releases"]
    assert variant.max_platform == VARIANT_DEFAULTS["max-platform"]
    assert config.runner("aarch64") == "ubuntu-24.04-arm"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"pyhton": ["3.12"]}, "unknown key 'pyhton' (did you mean 'python'?)"),
        ({"python": ["3.7"]}, "'3.7' is not one of"),
        ({"archs": ["ppc64le"]}, "'ppc64le' is not one of x86_64, aarch64"),
        ({"variants": {}}, "has no variants"),
        ({"sdist": ["nope"]}, "'nope' is not one of cuda, non-cuda, cuda13"),
        ({"runners": {"riscv": "x"}}, "'riscv' is not one of"),
    ],
)
def test_top_level_errors_name_the_key(change: dict[str, Any], message: str) -> None:
    table = {**example(), **change}
    with pytest.raises(ConfigError) as err:
        parse_config(table)
    assert message in str(err.value)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"releses": ["monthly"]}, "unknown key 'releses' (did you mean 'releases'?)"),
        ({"releases": ["weekly"]}, "'weekly' is not one of monthly, hotfix, tag, manual"),
        ({"max-platform": "manylinux_2_x"}, "is not a manylinux tag"),
        ({"cuda": "12"}, "must be MAJOR.MINOR"),
        ({"environment": {"WITH CUDA": "1"}}, "not an environment variable name"),
        ({"environment": {"WITH_CUDA": 1}}, 'NAME = "value" strings'),
        ({"image": {"x86_64": "img"}}, "has no image for aarch64"),
        ({"import-name": "not-a-module"}, "is not a Python module name"),
        ({"distribution": "bad name!"}, "is not a valid name"),
    ],
)
def test_variant_errors_name_the_key(change: dict[str, Any], message: str) -> None:
    table = example()
    table["variants"]["non-cuda"] = {**table["variants"]["non-cuda"], **change}
    with pytest.raises(ConfigError) as err:
        parse_config(table)
    assert "[tool.wheeltrain.variants.non-cuda]" in str(err.value)
    assert message in str(err.value)


def test_two_variants_cannot_share_a_distribution() -> None:
    table = example()
    table["variants"]["cuda13"]["distribution"] = "Mooncake_Transfer.Engine"
    with pytest.raises(ConfigError, match="same distribution"):
        parse_config(table)


def test_platform_versions() -> None:
    assert platform_version("manylinux_2_28") == (2, 28)
    assert platform_version("manylinux2014") == (2, 17)
    assert platform_version("linux") is None


PROFILE = (
    Path(__file__).resolve().parents[2]
    / "src"
    / "wheeltrain"
    / "templates"
    / "profiles"
    / "mooncake.toml"
)


def test_the_mooncake_profile_says_mooncakes_build_once_for_every_variant() -> None:
    from wheeltrain.core.config import with_environment

    config = parse_config(tomllib.loads(PROFILE.read_text())["tool"]["wheeltrain"])
    assert config.python == ("3.10", "3.11", "3.12", "3.13")  # the release plan's CPythons
    assert config.submodules is True
    assert [v.name for v in config.for_event("monthly")] == ["cuda", "non-cuda"]
    assert config.variant("cuda13").releases == ("manual", "hotfix")
    for variant in config.variants:  # variant-defaults reach every variant
        assert variant.compiler_cache == "ccache"
        assert variant.before_all is not None and "extern/yalantinglibs" in variant.before_all
        assert "libibverbs.so*" in variant.never_bundled
        assert variant.runtime_packages == ("libibverbs1", "libnuma1", "libcurl4", "libssl3")
    cpu = dict(config.variant("non-cuda").environment_for("x86_64"))["SKBUILD_CMAKE_DEFINE"]
    gpu = dict(config.variant("cuda13").environment_for("aarch64"))["SKBUILD_CMAKE_DEFINE"]
    assert "USE_CUDA=OFF" in cpu.split(";") and "USE_CUDA=ON" in gpu.split(";")
    assert "WITH_STORE_RUST=OFF" in cpu.split(";")  # the root pyproject's own defines repeated
    assert config.variant("cuda13").cuda_archs == ("8.0", "9.0", "10.3")
    # --env replaces a value on every architecture, the per-architecture one included
    local = with_environment(config.variant("cuda13"), {"SKBUILD_CMAKE_DEFINE": "USE_CUDA=ON"})
    assert dict(local.environment_for("aarch64"))["SKBUILD_CMAKE_DEFINE"] == "USE_CUDA=ON"
    assert dict(local.environment_for("x86_64"))["CUDA_HOME"] == "/usr/local/cuda"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            {"variant-defaults": {"distribution": "x"}},
            "variant-defaults: unknown key 'distribution'",
        ),
        ({"variant-defaults": []}, "variant-defaults must be a table"),
        ({"submodules": "yes"}, "submodules must be true or false"),
        ({"variant-defaults": {"compiler-cache": "sccache"}}, "compiler-cache 'sccache' is not"),
        ({"variant-defaults": {"runtime-packages": ["Bad Name"]}}, "not a Debian package name"),
        ({"variant-defaults": {"cuda-archs": ["9.0"]}}, "cuda-archs needs cuda"),
    ],
)
def test_shared_variant_settings_are_checked(table: dict[str, Any], message: str) -> None:
    data = {**example(), **table}
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace("*", r"\*")):
        parse_config(data)


def test_a_variant_overrides_what_the_variants_share() -> None:
    data = example()
    data["variant-defaults"] = {"smoke": "python -c 'print(1)'", "compiler-cache": "ccache"}
    data["variants"]["cuda"]["smoke"] = "python -c 'print(2)'"
    data["variants"]["non-cuda"].pop("smoke", None)
    config = parse_config(data)
    assert config.variant("cuda").smoke == "python -c 'print(2)'"
    assert config.variant("non-cuda").smoke == "python -c 'print(1)'"
    assert {v.compiler_cache for v in config.variants} == {"ccache"}


def test_env_assignments_are_checked() -> None:
    from wheeltrain.core.config import parse_assignment

    assert parse_assignment("A_B=x=y") == ("A_B", "x=y")
    for bad in ("novalue", "1A=x", "=x"):
        with pytest.raises(ConfigError, match="give NAME=value"):
            parse_assignment(bad)
