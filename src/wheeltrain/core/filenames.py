"""Wheel and sdist file names, parsed by one function on ``packaging.utils``. Pure."""

from __future__ import annotations

from dataclasses import dataclass

from packaging.tags import Tag
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import Version

from wheeltrain.core.config import split_platform

__all__ = ["DistFile", "FileKey", "InvalidFilename", "parse_filename"]

#: (distribution, kind, python, arch): what a file is in a release, whatever its exact tags.
FileKey = tuple[str, str, str | None, str | None]


class InvalidFilename(ValueError):
    """Not a wheel or sdist file name that ``packaging`` accepts."""


@dataclass(frozen=True)
class DistFile:
    filename: str
    distribution: str  # canonical (PEP 503)
    version: Version
    kind: str  # "wheel" or "sdist"
    tags: frozenset[Tag] = frozenset()

    @property
    def python(self) -> str | None:
        """``3.12`` for a wheel of exactly one CPython (``cp312``, also ``cp312-abi3``),
        ``py3`` for a pure wheel (``py3-none-any``, ``py2.py3-none-any``), else None."""
        interpreters = {t.interpreter for t in self.tags}
        if interpreters and all(i.startswith("py") for i in interpreters) and "py3" in interpreters:
            return "py3" if {t.abi for t in self.tags} == {"none"} else None
        if len(interpreters) != 1:
            return None
        only = next(iter(interpreters))
        if (
            not only.startswith("cp")
            or len(only) < 4
            or not (only[2:].isascii() and only[2:].isdigit())
        ):
            return None
        return f"{only[2]}.{only[3:]}"

    @property
    def arch(self) -> str | None:
        """The one architecture of a wheel's platform tags (``x86_64``), else None."""
        archs = {split_platform(t.platform)[1] for t in self.tags}
        return archs.pop() if len(archs) == 1 else None

    @property
    def key(self) -> FileKey:
        if self.kind == "sdist":
            return (self.distribution, "sdist", None, None)
        return (self.distribution, "wheel", self.python, self.arch)

    @property
    def tag_names(self) -> tuple[str, ...]:
        return tuple(sorted(f"{t.interpreter}-{t.abi}-{t.platform}" for t in self.tags))


def parse_filename(filename: str) -> DistFile:
    """Parse a ``.whl`` or sdist (``.tar.gz``, ``.zip``) file name; :class:`InvalidFilename`
    for anything else."""
    try:
        if filename.endswith(".whl"):
            name, version, _build, tags = parse_wheel_filename(filename)
            return DistFile(filename, canonicalize_name(name), version, "wheel", tags)
        if filename.endswith((".tar.gz", ".zip")):
            name, version = parse_sdist_filename(filename)
            return DistFile(filename, canonicalize_name(name), version, "sdist")
    except (InvalidWheelFilename, InvalidSdistFilename, ValueError) as exc:
        raise InvalidFilename(str(exc)) from None
    raise InvalidFilename(f"{filename!r} is neither a wheel nor an sdist")
