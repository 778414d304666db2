from __future__ import annotations

import pytest

from tests.unit.test_config import example
from wheeltrain.core.config import parse_config
from wheeltrain.core.matrix import expected_files, select_targets
from wheeltrain.errors import ConfigError


def test_monthly_is_variants_times_pythons_times_archs() -> None:
    config = parse_config(example())
    targets = select_targets(config, "monthly")
    assert len(targets) == 2 * 4 * 2
    entry = targets[0].matrix_entry(config)
    assert entry == {
        "variant": "cuda",
        "distribution": "mooncake-transfer-engine",
        "python": "3.10",
        "arch": "x86_64",
        "runner": "ubuntu-24.04",
        "image": "pytorch/manylinux2_28-builder:cuda12.8",
        "CIBW_BUILD": "cp310-manylinux_x86_64",
        "CIBW_ARCHS": "x86_64",
        "CIBW_ENVIRONMENT": 'CUDA_VERSION="12.8" WITH_CUDA="1"',
    }


def test_hotfix_includes_the_manual_only_cuda13_variant() -> None:
    config = parse_config(example())
    assert len(select_targets(config, "hotfix")) == 3 * 4 * 2
    assert len(select_targets(config, "manual", variants=["cuda13"], archs=["x86_64"])) == 4


def test_narrowing_and_refusals() -> None:
    config = parse_config(example())
    targets = select_targets(config, "monthly", variants=["non-cuda"], pythons=["3.12"])
    assert [t.identifier for t in targets] == ["cp312-manylinux_x86_64", "cp312-manylinux_aarch64"]
    with pytest.raises(ConfigError, match="not released by the monthly event"):
        select_targets(config, "monthly", variants=["cuda13"])
    with pytest.raises(ConfigError, match="no variant 'cuda12'"):
        select_targets(config, "monthly", variants=["cuda12"])


def test_expected_files_and_sdist_policy() -> None:
    table = example()
    table["sdist"] = ["non-cuda"]
    config = parse_config(table)
    targets = select_targets(config, "monthly", pythons=["3.13"], archs=["aarch64"])
    names = [f.filename for f in expected_files(config, targets, "0.4.0.post1")]
    assert names == [
        "mooncake_transfer_engine-0.4.0.post1-cp313-cp313-manylinux_2_28_aarch64.whl",
        "mooncake_transfer_engine_non_cuda-0.4.0.post1-cp313-cp313-manylinux_2_28_aarch64.whl",
        "mooncake_transfer_engine_non_cuda-0.4.0.post1.tar.gz",
    ]


def test_environment_keeps_expansion_as_cibuildwheel_reads_it() -> None:
    from cibuildwheel.environment import parse_environment

    table = example()
    table["variants"]["non-cuda"]["environment"] = {
        "CFLAGS": "-O2 -g",
        "X": 'a\'b \\ `c` "d"',
        "PATH": "/usr/local/cuda/bin:$PATH",
    }
    table["variants"]["non-cuda"]["arch-environment"] = {"aarch64": {"ARCH_ONLY": "1"}}
    config = parse_config(table)
    targets = select_targets(config, "monthly", variants=["non-cuda"])
    x86 = next(t for t in targets if t.arch == "x86_64")
    arm = next(t for t in targets if t.arch == "aarch64")
    parsed = parse_environment(x86.environment()).as_dictionary({"PATH": "/usr/bin"})
    assert parsed["PATH"] == "/usr/local/cuda/bin:/usr/bin"  # expanded, not a literal $PATH
    assert parsed["CFLAGS"] == "-O2 -g"
    assert parsed["X"] == 'a\'b \\ `c` "d"'  # no command substitution, quotes kept
    assert "ARCH_ONLY" not in parsed
    assert parse_environment(arm.environment()).as_dictionary({})["ARCH_ONLY"] == "1"
