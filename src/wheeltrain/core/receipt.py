"""A release receipt: which files a release has on the index, and who put each one there.

The receipt is the release's record. Each file of the release is listed with its size and
sha256 as the index serves them, and with the identity its PEP 740 attestations prove: the
repository, the workflow file and the git ref of the signing certificate, and the GitHub
environment of PyPI's trusted publisher. The decisions are here, pure: what a file's identity
must be (:func:`judge`), and whether the index still holds what a receipt says
(:func:`compare`). Reading the index and checking signatures are the adapters' work.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any, Protocol

from wheeltrain.errors import UsageError

__all__ = [
    "PUBLISH_PREDICATE",
    "RECEIPT_FORMAT",
    "ExpectedPublisher",
    "Identity",
    "Listed",
    "Receipt",
    "ReceiptFile",
    "compare",
    "identity_from_claims",
    "judge",
    "parse_receipt",
]

#: The PEP 740 predicate PyPI records for an upload through trusted publishing.
PUBLISH_PREDICATE = "https://docs.pypi.org/attestations/publish/v1"
#: The version of the receipt document; a reader refuses another.
RECEIPT_FORMAT = 1

# Fulcio certificate extensions (https://github.com/sigstore/fulcio/blob/main/docs/oid-info.md)
_ISSUER = "1.3.6.1.4.1.57264.1.8"
_SOURCE_REPOSITORY_DIGEST = "1.3.6.1.4.1.57264.1.13"
_SOURCE_REPOSITORY_REF = "1.3.6.1.4.1.57264.1.14"
_BUILD_CONFIG_URI = "1.3.6.1.4.1.57264.1.18"
_GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
_GITHUB_WORKFLOW = re.compile(
    r"^https://github\.com/(?P<repo>[^/]+/[^/]+)/\.github/workflows/(?P<file>[^@/]+)@(?P<ref>.+)$"
)
_REPOSITORY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9._-]+$")


@dataclass(frozen=True)
class ExpectedPublisher:
    """Who may have published the release's files: a GitHub repository (``owner/name``), the
    workflow files that publish (``release.yaml``; a release a re-run finished has files of
    two), the GitHub environment of the publish job (``None``: not checked), and the git refs
    the signing run may have run on (``fnmatch`` patterns: ``refs/heads/hotfix/*``)."""

    repository: str
    workflows: tuple[str, ...]
    environment: str | None
    refs: tuple[str, ...]

    def __post_init__(self) -> None:
        if not _REPOSITORY.match(self.repository):
            raise UsageError(
                f"--github-repository {self.repository!r} is not OWNER/NAME, e.g. "
                "kvcache-ai/Mooncake"
            )
        if not self.workflows:
            raise UsageError("name the publishing workflow: --workflow release.yaml")
        for workflow in self.workflows:
            if not workflow or "/" in workflow or not workflow.endswith((".yml", ".yaml")):
                raise UsageError(
                    f"--workflow {workflow!r} is not a workflow file name, e.g. release.yaml"
                )
        if self.environment is not None and not self.environment.strip():
            raise UsageError("--environment is empty: name the publish job's environment")
        if not self.refs or any(not r.startswith("refs/") for r in self.refs):
            raise UsageError("--ref takes a full git ref, e.g. refs/tags/v0.4.0 or refs/heads/main")

    def as_dict(self) -> dict[str, object]:
        return {
            "repository": self.repository,
            "workflows": list(self.workflows),
            "environment": self.environment,
            "refs": list(self.refs),
        }


@dataclass(frozen=True)
class Identity:
    """What one verified attestation says about who published a file.

    ``repository``, ``workflow`` and ``ref`` come from the signing certificate (signed by
    Sigstore's CA); ``environment`` from the publisher object PyPI stored beside it (the
    certificate does not carry it)."""

    kind: str  # the publisher's kind: "GitHub", "GitLab", ...
    repository: str | None
    workflow: str | None
    ref: str | None
    commit: str | None
    environment: str | None
    predicate: str

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "repository": self.repository,
            "workflow": self.workflow,
            "ref": self.ref,
            "commit": self.commit,
            "environment": self.environment,
            "predicate": self.predicate,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Identity:
        def text(key: str) -> str | None:
            value = data.get(key)
            return value if isinstance(value, str) else None

        return cls(
            kind=text("kind") or "",
            repository=text("repository"),
            workflow=text("workflow"),
            ref=text("ref"),
            commit=text("commit"),
            environment=text("environment"),
            predicate=text("predicate") or "",
        )


def identity_from_claims(
    claims: Mapping[str, str], publisher: Mapping[str, Any], predicate: str
) -> Identity:
    """The identity of a verified certificate's claims (Fulcio's OIDs) and PyPI's publisher
    object. A GitHub certificate names its workflow in the build config URI:
    ``https://github.com/OWNER/REPO/.github/workflows/FILE@REF``."""
    kind = publisher.get("kind")
    environment = publisher.get("environment")
    repository = workflow = None
    found = _GITHUB_WORKFLOW.match(claims.get(_BUILD_CONFIG_URI, ""))
    if claims.get(_ISSUER) == _GITHUB_ISSUER and found:
        repository, workflow = found["repo"], found["file"]
    return Identity(
        kind=kind if isinstance(kind, str) and kind else "unknown",
        repository=repository,
        workflow=workflow,
        ref=claims.get(_SOURCE_REPOSITORY_REF),
        commit=claims.get(_SOURCE_REPOSITORY_DIGEST),
        environment=environment if isinstance(environment, str) and environment else None,
        predicate=predicate,
    )


def judge(filename: str, identities: Sequence[Identity], expected: ExpectedPublisher) -> list[str]:
    """One line for each way a file's publish attestations differ from ``expected``; none
    when every one of them was made by the expected workflow, environment and ref. GitHub
    compares repository names without case, and so does this."""
    publish = [i for i in identities if i.predicate == PUBLISH_PREDICATE]
    if not publish:
        return [f"{filename}: no publish attestation (it was not uploaded by trusted publishing)"]
    problems: list[str] = []
    for identity in publish:
        if identity.kind != "GitHub" or identity.repository is None:
            problems.append(
                f"{filename}: published from {identity.kind}, not by a GitHub workflow of "
                f"{expected.repository}"
            )
            continue
        if identity.repository.lower() != expected.repository.lower():
            problems.append(
                f"{filename}: signed by the repository {identity.repository}, expected "
                f"{expected.repository}"
            )
        if identity.workflow not in expected.workflows:
            problems.append(
                f"{filename}: signed by the workflow {identity.workflow}, expected "
                + " or ".join(expected.workflows)
            )
        if expected.environment is not None and identity.environment != expected.environment:
            problems.append(
                f"{filename}: published from the environment {identity.environment or '(none)'}"
                f", expected {expected.environment}"
            )
        if identity.ref is None or not any(fnmatchcase(identity.ref, r) for r in expected.refs):
            problems.append(
                f"{filename}: signed on the ref {identity.ref or '(none)'}, expected "
                + " or ".join(expected.refs)
            )
    return problems


@dataclass(frozen=True)
class ReceiptFile:
    filename: str
    distribution: str
    variant: str
    kind: str  # "wheel" or "sdist"
    sha256: str | None
    size: int | None
    upload_time: str | None
    identities: tuple[Identity, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {
            "filename": self.filename,
            "distribution": self.distribution,
            "variant": self.variant,
            "kind": self.kind,
            "sha256": self.sha256,
            "size": self.size,
            "upload_time": self.upload_time,
            "attestations": [i.as_dict() for i in self.identities],
        }


@dataclass
class Receipt:
    version: str
    event: str
    index: str
    created: str  # ISO 8601 in UTC
    publisher: ExpectedPublisher | None  # None: attestations were not required
    files: list[ReceiptFile] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.problems and bool(self.files)

    @property
    def bytes(self) -> int:
        return sum(f.size or 0 for f in self.files)

    def as_dict(self) -> dict[str, object]:
        return {
            "format": RECEIPT_FORMAT,
            "version": self.version,
            "event": self.event,
            "index": self.index,
            "created": self.created,
            "complete": self.complete,
            "publisher": None if self.publisher is None else self.publisher.as_dict(),
            "files": [f.as_dict() for f in self.files],
            "bytes": self.bytes,
            "problems": list(self.problems),
        }


def parse_receipt(data: object, where: str) -> Receipt:
    """A receipt document read back (``where`` names it in errors): bad input when it is not
    one this version of wheeltrain wrote."""
    if not isinstance(data, Mapping) or data.get("format") != RECEIPT_FORMAT:
        raise UsageError(f"{where} is not a wheeltrain receipt (format {RECEIPT_FORMAT})")
    try:
        files = []
        for item in data["files"]:
            files.append(
                ReceiptFile(
                    filename=str(item["filename"]),
                    distribution=str(item["distribution"]),
                    variant=str(item["variant"]),
                    kind=str(item["kind"]),
                    sha256=item.get("sha256") if isinstance(item.get("sha256"), str) else None,
                    size=item["size"] if isinstance(item.get("size"), int) else None,
                    upload_time=item.get("upload_time")
                    if isinstance(item.get("upload_time"), str)
                    else None,
                    identities=tuple(Identity.from_dict(i) for i in item.get("attestations", [])),
                )
            )
        publisher = data.get("publisher")
        expected = None
        if isinstance(publisher, Mapping):
            expected = ExpectedPublisher(
                str(publisher["repository"]),
                tuple(str(w) for w in publisher["workflows"]),
                publisher.get("environment")
                if isinstance(publisher.get("environment"), str)
                else None,
                tuple(str(r) for r in publisher["refs"]),
            )
        return Receipt(
            version=str(data["version"]),
            event=str(data["event"]),
            index=str(data["index"]),
            created=str(data["created"]),
            publisher=expected,
            files=files,
            problems=[str(p) for p in data.get("problems", [])],
        )
    except (KeyError, TypeError, AttributeError):
        raise UsageError(
            f"{where} is a damaged receipt: a file entry or a key is missing"
        ) from None


class Listed(Protocol):
    """A file as an index lists it now."""

    @property
    def filename(self) -> str: ...
    @property
    def sha256(self) -> str | None: ...
    @property
    def yanked(self) -> bool: ...
    @property
    def yanked_reason(self) -> str | None: ...


def compare(receipt: Receipt, listed: Iterable[Listed]) -> list[str]:
    """One line for each way the index's files of the receipt's distributions and version
    differ from the receipt: a file gone, a different sha256, a yanked file, a file added."""
    now = {f.filename: f for f in listed}
    problems = []
    for item in receipt.files:
        there = now.pop(item.filename, None)
        if there is None:
            problems.append(f"{item.filename}: on the receipt, but the index no longer lists it")
            continue
        if there.sha256 and item.sha256 and there.sha256 != item.sha256:
            problems.append(
                f"{item.filename}: the index's sha256 {there.sha256[:16]}... is not the "
                f"receipt's {item.sha256[:16]}..."
            )
        if there.yanked:
            why = f" ({there.yanked_reason})" if there.yanked_reason else ""
            problems.append(f"{item.filename}: yanked{why}")
    for name in sorted(now):
        problems.append(f"{name}: on the index, but not on the receipt (uploaded after it)")
    return problems
