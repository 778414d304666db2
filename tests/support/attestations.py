"""Real Sigstore-signed PEP 740 attestations, and an index that serves them as PyPI does.

The attestations are the ones pypi-attestations ships in its own source distribution (its test
assets): ``pypi_attestations-0.0.19.tar.gz`` with the provenance PyPI served for it, signed by
the workflow ``release.yml`` of ``trailofbits/pypi-attestations`` on ``refs/tags/v0.0.19``.
The source distribution is fetched from the package index once per test session and checked
against a pinned sha256; nothing of it is kept in this repository.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import subprocess
import sys
import tarfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.servers import PEP691, answer, fault_server

SDIST = "pypi_attestations-0.0.30.tar.gz"
SDIST_SHA256 = "14ff13c76bbef02a483c2b77532da02bfd746b5141b881f355e06b9807434423"
#: The signed release file and its provenance, as PyPI served them
SIGNED = "pypi_attestations-0.0.19.tar.gz"
REPOSITORY = "trailofbits/pypi-attestations"
WORKFLOW = "release.yml"
TAG_REF = "refs/tags/v0.0.19"


def fetch_assets(dest: Path) -> Path | None:
    """``dest`` holding the signed file and its ``.provenance``; ``None`` when the package
    index cannot be reached (the caller skips, naming what is missing)."""
    done = dest / SIGNED
    if done.exists():
        return dest
    dest.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
         "pypi-attestations==0.0.30", "-d", str(dest)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    sdist = dest / SDIST
    if proc.returncode != 0 or not sdist.exists():
        return None
    if hashlib.sha256(sdist.read_bytes()).hexdigest() != SDIST_SHA256:
        raise AssertionError(f"{SDIST} from the index does not have the pinned sha256")
    with tarfile.open(sdist) as tar:
        for name in (SIGNED, SIGNED + ".provenance"):
            member = tar.getmember(f"pypi_attestations-0.0.30/test/assets/{name}")
            handle = tar.extractfile(member)
            assert handle is not None
            (dest / name).write_bytes(handle.read())
    return dest


@dataclass
class ProvenanceIndex:
    """What the index serves; a test changes it while the server runs."""

    url: str
    files: dict[str, bytes] = field(default_factory=dict)  # filename -> content
    provenance: dict[str, bytes] = field(default_factory=dict)  # filename -> provenance JSON
    hidden_for: int = 0  # the first N listings leave every file out (an index catching up)
    integrity_only: bool = False  # no provenance key on the page: only the Integrity API
    listings: int = 0
    headers: list[dict[str, str]] = field(default_factory=list)
    yanked: set[str] = field(default_factory=set)

    @property
    def simple_url(self) -> str:
        return f"{self.url}/simple/"


def _page(index: ProvenanceIndex, project: str) -> bytes:
    files = []
    index.listings += 1
    shown = index.listings > index.hidden_for
    for name, body in sorted(index.files.items()):
        if not shown or not name.replace("_", "-").startswith(project + "-"):
            continue
        entry: dict[str, object] = {
            "filename": name,
            "url": f"{index.url}/files/{name}",
            "hashes": {"sha256": hashlib.sha256(body).hexdigest()},
            "size": len(body),
            "upload-time": "2026-12-01T00:00:00Z",
        }
        if name in index.yanked:
            entry["yanked"] = "broken build"
        if name in index.provenance and not index.integrity_only:
            entry["provenance"] = f"{index.url}/files/{name}.provenance"
        files.append(entry)
    return json.dumps(
        {"meta": {"api-version": "1.1"}, "name": project, "files": files, "versions": []}
    ).encode()


@contextmanager
def provenance_index() -> Iterator[ProvenanceIndex]:
    """A PEP 691 JSON simple index on 127.0.0.1 with PEP 740 provenance: a ``provenance`` URL
    per file, and PyPI's Integrity API (``/integrity/<project>/<version>/<file>/provenance``)."""
    lock = threading.Lock()
    holder: list[ProvenanceIndex] = []

    def behave(handler: http.server.BaseHTTPRequestHandler) -> None:
        index = holder[0]
        parts = [p for p in handler.path.split("?")[0].split("/") if p]
        with lock:
            index.headers.append(dict(handler.headers.items()))
            if len(parts) == 2 and parts[0] == "simple":
                answer(200, _page(index, parts[1]), PEP691)(handler)
                return
            if len(parts) == 2 and parts[0] == "files":
                name = parts[1]
                if name.endswith(".provenance") and name[: -len(".provenance")] in index.provenance:
                    body = index.provenance[name[: -len(".provenance")]]
                    answer(200, body, "application/vnd.pypi.integrity.v1+json")(handler)
                    return
                if name in index.files:
                    answer(200, index.files[name], "application/octet-stream")(handler)
                    return
            if (
                len(parts) == 5
                and parts[0] == "integrity"
                and parts[4] == "provenance"
                and parts[3] in index.provenance
            ):
                answer(200, index.provenance[parts[3]], "application/json")(handler)
                return
            answer(404, b"not found")(handler)

    with fault_server(behave) as url:
        holder.append(ProvenanceIndex(url))
        yield holder[0]
