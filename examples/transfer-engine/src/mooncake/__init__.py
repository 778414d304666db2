"""A small transfer engine shaped like the real one: one import name for every variant."""

from importlib import metadata as _metadata

from mooncake._engine import backend, checksum, gpu_checksum

__all__ = ["__version__", "backend", "checksum", "gpu_checksum"]

_DISTRIBUTIONS = (
    "mooncake-transfer-engine",
    "mooncake-transfer-engine-non-cuda",
    "mooncake-transfer-engine-cuda13",
)


def _version() -> str:
    for name in _DISTRIBUTIONS:
        try:
            return _metadata.version(name)
        except _metadata.PackageNotFoundError:
            continue
    return "0+unknown"


__version__ = _version()
