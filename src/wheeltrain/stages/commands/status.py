"""Reading a project's state on an index: ``status`` and the watch that follows a yank."""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Callable
from typing import NamedTuple

from packaging.utils import canonicalize_name
from packaging.version import Version

from wheeltrain.adapters.index import IndexClient, IndexFile
from wheeltrain.core.config import TrainConfig
from wheeltrain.errors import IndexUnusable, UsageError

__all__ = ["YankRequest", "YankState", "listing", "manage_page", "prepare_yank", "watch_yank"]


def listing(client: IndexClient, config: TrainConfig) -> dict[str, list[IndexFile]]:
    """Every file of every variant's distribution, by canonical distribution name. An index
    that does not answer is named in one line (exit 2: the URL is what to fix)."""
    out: dict[str, list[IndexFile]] = {}
    for variant in config.variants:
        name = str(canonicalize_name(variant.distribution))
        if name in out:
            continue
        try:
            out[name] = client.project_files(name)
        except IndexUnusable as exc:
            raise UsageError(str(exc)) from None
    return out


def manage_page(index_url: str | None, distribution: str, version: str) -> str | None:
    """The page where a maintainer yanks ``version`` of ``distribution``: PyPI's or
    TestPyPI's release management page; ``None`` for another index (its own interface)."""
    host = "pypi.org"
    if index_url is not None:
        host = (urllib.parse.urlparse(index_url).hostname or "").lower()
    if host not in ("pypi.org", "test.pypi.org"):
        return None
    quoted = urllib.parse.quote(str(canonicalize_name(distribution)))
    return f"https://{host}/manage/project/{quoted}/release/{urllib.parse.quote(version)}/"


class YankState(NamedTuple):
    distribution: str
    files: int
    live: tuple[str, ...]  # file names the index does not show as yanked yet

    def as_dict(self) -> dict[str, object]:
        return {"distribution": self.distribution, "files": self.files, "live": list(self.live)}


def yank_states(client: IndexClient, names: list[str], version: Version) -> list[YankState]:
    out = []
    for name in names:
        files = client.files(name, str(version)) or []
        out.append(YankState(name, len(files), tuple(f.filename for f in files if not f.yanked)))
    return out


class YankRequest(NamedTuple):
    """What a maintainer yanks by hand: each released distribution of the version, its file
    count and the page to yank it on (None: the index's own interface)."""

    version: Version
    where: str
    states: list[YankState]
    pages: dict[str, str | None]

    @property
    def released(self) -> list[str]:
        return [s.distribution for s in self.states if s.files]


def prepare_yank(client: IndexClient, config: TrainConfig, version: Version) -> YankRequest:
    """The yank of ``version``: what the index has of each variant's distribution. An index
    that does not answer, or has none of it, is bad input (exit 2): nothing to yank there."""
    names = sorted({str(canonicalize_name(v.distribution)) for v in config.variants})
    try:
        states = yank_states(client, names, version)
    except IndexUnusable as exc:
        raise UsageError(str(exc)) from None
    released = [s.distribution for s in states if s.files]
    if not released:
        raise UsageError(
            f"{client.where} has no files of {version} for any variant: check the version "
            "(`wheeltrain status` lists what there is)"
        )
    pages = {name: manage_page(client.index_url, name, str(version)) for name in released}
    return YankRequest(version, client.where, states, pages)


def watch_yank(
    client: IndexClient,
    names: list[str],
    version: Version,
    *,
    wait: float,
    interval: float,
    progress: Callable[[str], None] = lambda _: None,
    sleep: Callable[[float], None] = time.sleep,
) -> list[YankState]:
    """Ask the index every ``interval`` seconds, for up to ``wait`` seconds, until every
    file of ``version`` of each of ``names`` shows yanked (PEP 592); the last answer."""
    deadline = time.monotonic() + max(0.0, wait)
    while True:
        states = yank_states(client, names, version)
        live = [s for s in states if s.live]
        if not live or time.monotonic() >= deadline:
            return states
        progress(
            "still live: "
            + ", ".join(f"{s.distribution} ({len(s.live)} of {s.files})" for s in live)
            + f"; asking again in {interval:g} s"
        )
        sleep(min(interval, max(0.0, deadline - time.monotonic())))
