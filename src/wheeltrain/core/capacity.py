"""Will the index take this release whole? PyPI's limits, checked before anything is public.

PyPI stops an upload past a project's total size (10 GiB unless PyPI granted more) or a
file's size (100 MiB; checked per variant by ``check``), and lets one account or address
create only a few new projects a day. Any of them met half-way through an upload leaves a
tagged release with some files on the index. The rules are here, pure: the index's numbers
come from the adapters.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = ["GIB", "Usage", "check_capacity", "size_text"]

GIB = 1024**3
#: Below this many more releases of the same size, the room left is said (a note).
_WARN_RELEASES = 3


@dataclass(frozen=True)
class Usage:
    """What a distribution holds on the index now: ``exists`` False for a name the index does
    not know (a new project); ``used`` None when the index gives no file sizes."""

    distribution: str
    exists: bool
    used: int | None


def size_text(count: int) -> str:
    """Bytes in the unit PyPI's limits are set in: GiB from 1 GiB, else MiB."""
    if count >= GIB:
        return f"{count / GIB:.2f} GiB"
    return f"{count / 1024**2:.1f} MiB"


def check_capacity(
    uploads: Mapping[str, Sequence[int]],
    usage: Mapping[str, Usage],
    limits: Mapping[str, int],
    *,
    new_projects_per_day: int,
) -> tuple[list[str], list[str]]:
    """(problems, notes) for uploading files of these sizes (``uploads``: distribution to the
    sizes of its files the index lacks) given what each distribution holds (``usage``) and
    its project limit in bytes (``limits``). A problem stops the release before its tag."""
    problems: list[str] = []
    notes: list[str] = []
    new = sorted(d for d in uploads if uploads[d] and not usage[d].exists)
    if len(new) > new_projects_per_day:
        problems.append(
            f"{len(new)} new projects in one release ({', '.join(new)}): PyPI lets an account "
            f"or address create {new_projects_per_day} a day, and refused attempts extend the "
            f"wait: create {new_projects_per_day} of them first (a release of those variants, "
            "or pending trusted publishers), the rest a day later"
        )
    for dist in sorted(uploads):
        adding = sum(uploads[dist])
        if not adding:
            continue
        known = usage[dist]
        limit = limits[dist]
        if known.used is None:
            notes.append(
                f"{dist}: the index gives no file sizes, so its project size is not checked"
            )
            continue
        after = known.used + adding
        if after > limit:
            problems.append(
                f"{dist}: {size_text(known.used)} on the index + {size_text(adding)} of this "
                f"release = {size_text(after)}, over its project limit of {size_text(limit)}: "
                "ask PyPI for a larger project limit (then set max-project-size-gb), or remove "
                "old pre-releases and nightlies from the index"
            )
            continue
        room = (limit - after) // adding
        if room < _WARN_RELEASES:
            notes.append(
                f"{dist}: {size_text(after)} of its {size_text(limit)} project limit after this "
                f"release: room for {room} more of this size; ask PyPI for more now"
            )
    return problems, notes
