"""What an index holds of a project's variants, measured against the matrix. Pure.

``status`` reads every file of every variant's distribution from the index; this module says,
per version and variant, how complete the files are against what the matrix builds today, and
names the drift a release engineer acts on: a version that some variants have and others
lack, files missing, files of a Python or platform the matrix does not build, wheels whose
platform is newer than the variant allows, yanked files.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple, Protocol

from packaging.version import InvalidVersion, Version

from wheeltrain.core.config import TrainConfig, Variant, canonical_name, platform_version
from wheeltrain.core.config import split_platform as _split
from wheeltrain.core.filenames import InvalidFilename, parse_filename
from wheeltrain.core.matrix import expected_files, variant_targets
from wheeltrain.core.versioning import kind_of

__all__ = [
    "KINDS",
    "Listed",
    "VariantState",
    "VersionState",
    "project_status",
    "release_kind",
]

#: The kinds of release a version can be, by its PEP 440 form.
KINDS = ("monthly", "hotfix", "pre", "nightly")


class Listed(Protocol):
    """A file as an index lists it (``adapters.index.IndexFile`` is one)."""

    @property
    def filename(self) -> str: ...
    @property
    def yanked(self) -> bool: ...


def release_kind(version: Version) -> str:
    """``nightly`` (``.devN``), ``pre`` (``aN``/``bN``/``rcN``), ``hotfix`` (``.postN``) or
    ``monthly``: how wheeltrain makes a version of that form (from ``versioning.kind_of``)."""
    return _BY_FORM.get(kind_of(version), "monthly")


_BY_FORM = {"dev": "nightly", "pre": "pre", "post": "hotfix"}


def release_event(version: Version) -> str:
    """The release event a version of that form comes from: a nightly's ``.devN``, a
    hotfix's ``.postN``, else the monthly release (a pre-release is one of it)."""
    kind = release_kind(version)
    return kind if kind in ("nightly", "hotfix") else "monthly"


class VariantState(NamedTuple):
    variant: str
    distribution: str
    files: int  # on the index, of this version
    expected: int  # what the matrix builds today
    present: int  # of those, on the index
    missing: tuple[str, ...]
    unexpected: tuple[str, ...]  # files of a Python or platform the matrix does not build
    too_new: tuple[str, ...]  # wheels whose platform is newer than the variant allows
    yanked: int

    @property
    def state(self) -> str:
        if not self.files:
            return "absent"
        if self.yanked == self.files:
            return "yanked"
        if self.present == self.expected and not self.unexpected and not self.too_new:
            return "complete"
        return "drift"

    @property
    def cell(self) -> str:
        """The table's cell: ``8/8``, ``6/8 +2``, ``yanked``, ``-``."""
        if not self.files:
            return "-"
        if self.state == "yanked":
            return "yanked"
        text = f"{self.present}/{self.expected}"
        if self.unexpected:
            text += f" +{len(self.unexpected)}"
        if self.too_new:
            text += " !"
        return text

    def as_dict(self) -> dict[str, object]:
        return {
            "variant": self.variant,
            "distribution": self.distribution,
            "state": self.state,
            "files": self.files,
            "expected": self.expected,
            "present": self.present,
            "missing": list(self.missing),
            "unexpected": list(self.unexpected),
            "too_new": list(self.too_new),
            "yanked": self.yanked,
        }


class VersionState(NamedTuple):
    version: str
    kind: str
    variants: tuple[VariantState, ...]
    drift: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "version": self.version,
            "kind": self.kind,
            "variants": [v.as_dict() for v in self.variants],
            "drift": list(self.drift),
        }


def _version(filename: str) -> Version | None:
    try:
        return parse_filename(filename).version
    except InvalidFilename:
        return None


def versions_of(listed: Mapping[str, Iterable[Listed]]) -> list[Version]:
    """Every version any of the distributions has a file for, newest first."""
    found = {v for files in listed.values() for f in files if (v := _version(f.filename))}
    return sorted(found, reverse=True)


def _variant_state(
    config: TrainConfig, variant: Variant, version: Version, files: Sequence[Listed]
) -> VariantState:
    dist = canonical_name(variant.distribution)
    mine = [f for f in files if _version(f.filename) == version]
    wanted = [
        e
        for e in expected_files(config, variant_targets(variant), str(version))
        if canonical_name(e.distribution) == dist
    ]
    keys = {e.key: e for e in wanted}
    seen = set()
    unexpected, too_new = [], []
    allowed = platform_version(variant.max_platform)
    for item in mine:
        parsed = parse_filename(item.filename)
        if parsed.key in keys:
            seen.add(parsed.key)
        else:
            unexpected.append(item.filename)
        glibc = [platform_version(_split(t.platform)[0]) for t in parsed.tags]
        known = [g for g in glibc if g is not None]
        if allowed is not None and known and min(known) > allowed:
            too_new.append(item.filename)
    return VariantState(
        variant=variant.name,
        distribution=dist,
        files=len(mine),
        expected=len(wanted),
        present=len(seen),
        missing=tuple(e.filename for k, e in keys.items() if k not in seen) if mine else (),
        unexpected=tuple(unexpected),
        too_new=tuple(too_new),
        yanked=sum(1 for f in mine if f.yanked),
    )


def _drift(
    version: str, states: Sequence[VariantState], max_platform: Mapping[str, str]
) -> list[str]:
    out = []
    have = [s.distribution for s in states if s.files]
    lack = [s.distribution for s in states if not s.files]
    if have and lack:
        out.append(
            f"{version} exists only for {_words(have)}; {_words(lack)} "
            f"{'lacks' if len(lack) == 1 else 'lack'} it"
        )
    for s in states:
        if not s.files:
            continue
        if s.missing:
            out.append(f"{s.distribution} {version}: {len(s.missing)} file(s) missing: "
                       + _files(s.missing))  # fmt: skip
        if s.unexpected:
            out.append(
                f"{s.distribution} {version}: {len(s.unexpected)} file(s) of a Python or "
                "platform the matrix does not build: " + _files(s.unexpected)
            )
        if s.too_new:
            out.append(
                f"{s.distribution} {version}: {len(s.too_new)} wheel(s) newer than "
                f"{max_platform[s.variant]}: " + _files(s.too_new)
            )
        if s.yanked and s.yanked != s.files:
            out.append(f"{s.distribution} {version}: {s.yanked} of {s.files} file(s) yanked")
    yanked = [s.distribution for s in states if s.state == "yanked"]
    live = [s.distribution for s in states if s.files and s.state != "yanked"]
    if yanked and live:
        out.append(f"{version} is yanked for {_words(yanked)} but live for {_words(live)}")
    return out


def _files(names: Sequence[str], most: int = 4) -> str:
    """File names without their distribution and version (``cp310-cp310-manylinux_2_28_x86_64``),
    the first ``most`` of them."""
    short = []
    for name in names:
        stem = name.removesuffix(".whl")
        parts = stem.split("-")
        short.append("-".join(parts[2:]) if name.endswith(".whl") and len(parts) >= 5 else name)
    more = len(short) - most
    return ", ".join(short[:most]) + (f" and {more} more" if more > 0 else "")


def _words(names: Sequence[str]) -> str:
    if len(names) <= 2:
        return " and ".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def project_status(
    config: TrainConfig,
    listed: Mapping[str, Sequence[Listed]],
    versions: Sequence[str] = (),
    *,
    last: int | None = None,
) -> list[VersionState]:
    """Each version (``versions``, else every version on the index, newest first, the
    ``last`` ones) with each variant's state and the drift in words. ``listed``: canonical
    distribution name -> its files on the index."""
    if versions:
        wanted = []
        for text in versions:
            try:
                wanted.append(Version(text))
            except (InvalidVersion, ValueError):  # ValueError: a number past int's limit
                continue
    else:
        wanted = versions_of(listed)
        if last is not None:
            wanted = wanted[:last]
    limits = {v.name: v.max_platform for v in config.variants}
    out = []
    for version in wanted:
        states = tuple(
            _variant_state(config, v, version, listed.get(canonical_name(v.distribution), ()))
            for v in config.variants
        )
        out.append(
            VersionState(
                str(version),
                release_kind(version),
                states,
                tuple(_drift(str(version), states, limits)),
            )
        )
    return out
