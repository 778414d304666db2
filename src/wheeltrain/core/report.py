"""The release dashboard's numbers, from an index's own data. Pure.

For every version any variant's distribution has: its kind (monthly, hotfix, pre, nightly),
when each variant's first file was uploaded, how many files and bytes each variant has, and
the lag between the first and the last variant's upload.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import NamedTuple, Protocol

from packaging.version import Version

from wheeltrain.core.config import TrainConfig, canonical_name
from wheeltrain.core.filenames import InvalidFilename, parse_filename
from wheeltrain.core.status import release_kind

__all__ = ["Published", "ReleaseRow", "VariantRow", "release_rows"]


class Published(Protocol):
    """A file as an index lists it, with PEP 700's size and upload time where known."""

    @property
    def filename(self) -> str: ...
    @property
    def size(self) -> int | None: ...
    @property
    def upload_time(self) -> str | None: ...


class VariantRow(NamedTuple):
    variant: str
    distribution: str
    files: int
    bytes: int | None  # None when the index gives no sizes
    first_upload: str | None  # ISO 8601 (UTC)

    def as_dict(self) -> dict[str, object]:
        return self._asdict()


class ReleaseRow(NamedTuple):
    version: str
    kind: str
    first_upload: str | None
    lag_hours: float | None  # first to last variant's upload; None with fewer than two
    variants: tuple[VariantRow, ...]

    @property
    def files(self) -> int:
        return sum(v.files for v in self.variants)

    @property
    def bytes(self) -> int | None:
        sizes = [v.bytes for v in self.variants if v.files]
        return None if not sizes or None in sizes else sum(s for s in sizes if s is not None)

    def as_dict(self) -> dict[str, object]:
        return {
            "version": self.version,
            "kind": self.kind,
            "first_upload": self.first_upload,
            "lag_hours": self.lag_hours,
            "files": self.files,
            "bytes": self.bytes,
            "variants": [v.as_dict() for v in self.variants],
        }


def _parse(when: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(when.replace("Z", "+00:00"))


def release_rows(
    config: TrainConfig, listed: Mapping[str, Sequence[Published]]
) -> list[ReleaseRow]:
    """One row per version, oldest first (by first upload, else by version)."""
    by_version: dict[Version, dict[str, list[Published]]] = {}
    for dist, files in listed.items():
        for item in files:
            try:
                version = parse_filename(item.filename).version
            except InvalidFilename:
                continue
            by_version.setdefault(version, {}).setdefault(dist, []).append(item)
    rows = []
    for version, dists in by_version.items():
        variants = []
        for variant in config.variants:
            files = dists.get(canonical_name(variant.distribution), [])
            sizes = [f.size for f in files]
            times = sorted(t for f in files if (t := f.upload_time))
            variants.append(
                VariantRow(
                    variant.name,
                    canonical_name(variant.distribution),
                    len(files),
                    None if None in sizes else sum(s for s in sizes if s is not None),
                    times[0] if times else None,
                )
            )
        firsts = sorted(v.first_upload for v in variants if v.first_upload)
        lag = None
        if len(firsts) >= 2:
            lag = round((_parse(firsts[-1]) - _parse(firsts[0])).total_seconds() / 3600, 2)
        rows.append(
            ReleaseRow(
                str(version),
                release_kind(version),
                firsts[0] if firsts else None,
                lag,
                tuple(variants),
            )
        )
    rows.sort(key=lambda r: (r.first_upload or "", Version(r.version)))
    return rows
