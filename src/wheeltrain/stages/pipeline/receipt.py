"""The release receipt: every file of a release proven on the index, and by whom.

:func:`make_receipt` lists each file the release must have (from the matrix), asks the index
for it (waiting, within a bound, for a file not listed yet), reads its PEP 740 provenance and
verifies every attestation against the expected publisher. :func:`check_receipt` later tells
whether the index still holds exactly what a receipt says.
"""

from __future__ import annotations

import datetime
import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from packaging.utils import canonicalize_name

from wheeltrain.adapters import attest
from wheeltrain.adapters.files import write_atomic
from wheeltrain.adapters.index import IndexClient, IndexFile
from wheeltrain.core.config import TrainConfig
from wheeltrain.core.matrix import BuildTarget, expected_files
from wheeltrain.core.receipt import (
    ExpectedPublisher,
    Identity,
    Receipt,
    ReceiptFile,
    compare,
    parse_receipt,
)
from wheeltrain.errors import UsageError
from wheeltrain.stages.pipeline.steps import published_files

__all__ = [
    "check_receipt",
    "check_receipt_file",
    "make_receipt",
    "read_receipt",
    "receipt_for",
    "write_receipt",
]

Progress = Callable[[str], None]
#: How often a file that is not listed yet is asked for again.
POLL_SECONDS = 10.0


def _quiet(_: str) -> None:
    return None


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def make_receipt(
    client: IndexClient,
    config: TrainConfig,
    targets: Sequence[BuildTarget],
    version: str,
    *,
    event: str,
    publisher: ExpectedPublisher | None,
    kinds: Sequence[str] = ("wheel", "sdist"),
    wait: float = 0.0,
    offline: bool = False,
    progress: Progress = _quiet,
    poll: float = POLL_SECONDS,
) -> Receipt:
    """The receipt of ``version``: each expected file as the index lists it, with the
    identities its attestations prove (``publisher=None``: attestations are not required, as
    for an upload with an API token, and the receipt says so). A file the index does not list
    yet is asked for again every ``poll`` seconds for up to ``wait`` seconds, then named."""
    wanted = [f for f in expected_files(config, targets, version) if f.kind in kinds]
    if not wanted:
        raise UsageError(f"the {event} release of {version} has no file of the kinds asked for")
    deadline = time.monotonic() + max(0.0, wait)
    while True:
        listed = published_files(client, config, targets, version)
        pending = [f for f in wanted if f.key not in listed]
        if not pending or time.monotonic() >= deadline:
            break
        progress(
            f"receipt: {len(pending)} of {len(wanted)} file(s) not listed by {client.where} yet; "
            f"asking again in {poll:g} s"
        )
        time.sleep(min(poll, max(0.0, deadline - time.monotonic())))
    receipt = Receipt(
        version=version, event=event, index=client.where, created=_now(), publisher=publisher
    )
    for item in pending:
        waited = f" after waiting {wait:g} s" if wait > 0 else ""
        receipt.problems.append(f"{item.filename}: not listed by {client.where}{waited}")
    for number, expected in enumerate(wanted, 1):
        found = listed.get(expected.key)
        if found is None:
            continue
        progress(f"receipt: [{number}/{len(wanted)}] {found.filename}")
        identities: tuple[Identity, ...] = ()
        if not found.sha256:
            receipt.problems.append(f"{found.filename}: {client.where} gives no sha256 for it")
        elif publisher is not None:
            body = client.provenance(found, version)
            if body is None:
                receipt.problems.append(
                    f"{found.filename}: no provenance on {client.where} (not uploaded by "
                    "trusted publishing with attestations)"
                )
            else:
                examined = attest.examine(
                    body, found.filename, found.sha256, publisher, offline=offline
                )
                identities = tuple(examined.identities)
                receipt.problems.extend(examined.problems)
        if found.yanked:
            receipt.problems.append(f"{found.filename}: yanked on {client.where}")
        receipt.files.append(
            ReceiptFile(
                filename=found.filename,
                distribution=canonicalize_name(expected.distribution),
                variant=expected.variant,
                kind=expected.kind,
                sha256=found.sha256,
                size=found.size,
                upload_time=found.upload_time,
                identities=identities,
            )
        )
    return receipt


def write_receipt(receipt: Receipt, path: Path) -> None:
    write_atomic(path, json.dumps(receipt.as_dict(), indent=2) + "\n")


def read_receipt(path: Path) -> Receipt:
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"--receipt {path}: cannot read it ({exc.strerror or exc})") from None
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise UsageError(
            f"--receipt {path} is not JSON: give a receipt that `wheeltrain receipt --out` wrote"
        ) from None
    return parse_receipt(data, f"--receipt {path}")


def check_receipt(client: IndexClient, receipt: Receipt) -> list[str]:
    """What differs between the index now and ``receipt``: files gone, replaced, yanked, or
    added to the receipt's distributions at its version."""
    listed: list[IndexFile] = []
    kinds = {f.kind for f in receipt.files}
    for dist in sorted({f.distribution for f in receipt.files}):
        listed += [f for f in client.files(dist, receipt.version) or [] if f.kind in kinds]
    return compare(receipt, listed)


def receipt_for(
    root: Path,
    version: str,
    *,
    event: str | None,
    variants: Sequence[str],
    pythons: Sequence[str],
    archs: Sequence[str],
    kinds: Sequence[str],
    index_url: str,
    repository: str | None,
    workflows: Sequence[str],
    environment: str | None,
    refs: Sequence[str],
    wait: float,
    offline: bool,
    timeout: float,
    progress: Progress = _quiet,
) -> Receipt:
    """:func:`make_receipt` for the project at ``root``: its matrix, its tag format (the
    default ref is the release's tag), the index asked past its cache. ``repository=None``:
    attestations are not required."""
    from wheeltrain.adapters.project import load_project
    from wheeltrain.core.config import parse_config
    from wheeltrain.core.matrix import select_targets
    from wheeltrain.core.tags import tag_name
    from wheeltrain.core.versioning import validate_for_release
    from wheeltrain.errors import ConfigError

    project = load_project(root)
    canonical = validate_for_release(version).canonical
    if project.wheeltrain is None:
        raise ConfigError(
            f"{project.pyproject} has no [tool.wheeltrain] table: the receipt needs the "
            "release's variants"
        )
    config = parse_config(project.wheeltrain)
    if event is None:
        event = "hotfix" if ".post" in canonical else "monthly"
    targets = select_targets(config, event, variants=variants, pythons=pythons, archs=archs)
    publisher = None
    if repository is not None:
        tag = tag_name(project.tag_format, canonical)
        publisher = ExpectedPublisher(
            repository, tuple(workflows), environment, tuple(refs) or (f"refs/tags/{tag}",)
        )
    client = IndexClient(index_url, timeout=timeout, attempts=3, fresh=True)
    return make_receipt(
        client,
        config,
        targets,
        canonical,
        event=event,
        publisher=publisher,
        kinds=kinds,
        wait=wait,
        offline=offline,
        progress=progress,
    )


def check_receipt_file(
    path: Path, index_url: str | None, *, timeout: float, attempts: int
) -> tuple[Receipt, str, list[str]]:
    """Read the receipt at ``path`` and compare the index with it: the index it names, or
    ``index_url``. Returns the receipt, where it was checked, and the differences."""
    receipt = read_receipt(path)
    url = index_url
    if url is None:
        url = receipt.index if receipt.index.startswith(("http://", "https://")) else None
    if url is None:
        raise UsageError(
            f"--receipt {path} names no index URL ({receipt.index!r}): give --index-url"
        )
    client = IndexClient(url, timeout=timeout, attempts=attempts, fresh=True)
    return receipt, client.where, check_receipt(client, receipt)
