"""The workflows' requirements file: exact versions with every file's sha256, for
``pip install --require-hashes``. Pure: resolving is the pip adapter's job."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

from wheeltrain.errors import StepFailed

__all__ = ["RUNNING", "Pin", "merge_pins", "render_lock", "spec_of_lock"]

#: The runners' platforms a lock covers: the workflows run on x86_64 and aarch64 Linux.
LOCK_ARCHS = ("x86_64", "aarch64")

_HEADER = """\
# What wheeltrain's release workflows install, exactly: every version pinned, every file's
# sha256 checked (pip install --require-hashes --no-deps -r this file), wheeltrain itself
# included: by name, or its wheel kept beside this file (install: . is wheeltrain's own
# repository, which then installs its checkout). Made for CPython {python} on Linux {archs}.
# Refresh: {refresh}
# install: {spec}
"""


class Pin(NamedTuple):
    name: str  # as the index spells it
    version: str
    hashes: tuple[str, ...]  # sha256 hex digests, sorted


def merge_pins(by_arch: Mapping[str, Sequence[Pin]]) -> list[Pin]:
    """One pin per distribution for all architectures: the same version everywhere, the
    hashes of every architecture's file (a compiled dependency has one wheel per arch)."""
    merged: dict[str, Pin] = {}
    for arch, pins in by_arch.items():
        for pin in pins:
            key = pin.name.lower().replace("_", "-").replace(".", "-")
            known = merged.get(key)
            if known is None:
                merged[key] = Pin(pin.name, pin.version, tuple(sorted(set(pin.hashes))))
            elif known.version != pin.version:
                raise StepFailed(
                    f"{pin.name} resolves to {known.version} on one platform and {pin.version} "
                    f"on {arch}: pin it in the install requirement and lock again"
                )
            else:
                hashes = tuple(sorted({*known.hashes, *pin.hashes}))
                merged[key] = known._replace(hashes=hashes)
    return [merged[key] for key in sorted(merged)]


#: What the ``# install:`` line says when the lock bundles the wheeltrain that made it.
RUNNING = "this wheeltrain"


def render_lock(
    pins: Sequence[Pin], *, spec: str, python: str, bundled: tuple[str, str] | None = None
) -> str:
    """The requirements file's text; ``bundled`` is a wheel kept beside the lock (its path
    from the repository's root, and its sha256), installed hash-checked like every pin."""
    refresh = "wheeltrain lock" if spec == RUNNING else f"wheeltrain lock --install '{spec}'"
    lines = [
        _HEADER.format(spec=spec, python=python, archs=" and ".join(LOCK_ARCHS), refresh=refresh)
    ]
    if bundled is not None:
        lines.append(f"# bundled: {bundled[0]} (on no index: committed beside this file)\n")
    for pin in pins:
        hashes = " \\\n".join(f"    --hash=sha256:{h}" for h in pin.hashes)
        lines.append(f"{pin.name}=={pin.version} \\\n{hashes}\n")
    if bundled is not None:
        lines.append(f"./{bundled[0]} \\\n    --hash=sha256:{bundled[1]}\n")
    return "".join(lines)


def spec_of_lock(text: str) -> str | None:
    """The install requirement a lock file was made for (its ``# install:`` line); ``None``
    when it bundles the wheeltrain that made it, or names nothing."""
    for line in text.splitlines():
        if line.startswith("# install: "):
            spec = line[len("# install: ") :].strip()
            return None if spec == RUNNING else spec or None
    return None
