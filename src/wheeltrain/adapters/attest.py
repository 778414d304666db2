"""PEP 740 attestations, checked with ``pypi-attestations`` (and the Sigstore library under it).

For each attestation of a file's provenance: the signature, the certificate chain to
Sigstore's root, the transparency-log entry, and the statement's subject (the file's name and
sha256) are verified by ``pypi-attestations``; what the certificate then proves (repository,
workflow, ref) is read from its claims and judged by :func:`wheeltrain.core.receipt.judge`;
a file whose identity matches is verified once more by ``pypi-attestations`` against the
expected trusted publisher, as PyPI itself would.

``offline=True`` uses the trust root that the Sigstore library ships, with no network: what
the tests do, and what a machine without access to Sigstore's TUF repository can do.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field

from wheeltrain.core.receipt import (
    PUBLISH_PREDICATE,
    ExpectedPublisher,
    Identity,
    identity_from_claims,
    judge,
)

__all__ = ["Examined", "examine"]


@dataclass
class Examined:
    identities: list[Identity] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def examine(
    provenance: bytes,
    filename: str,
    sha256: str,
    expected: ExpectedPublisher,
    *,
    offline: bool = False,
) -> Examined:
    """Verify every attestation in ``provenance`` (PyPI's provenance JSON for ``filename``,
    whose sha256 the index gives) and judge who made it."""
    from pydantic import ValidationError
    from pypi_attestations import (
        AttestationError,
        Distribution,
        GitHubPublisher,
        Provenance,
    )
    from sigstore.verify.policy import UnsafeNoOp

    # sigstore logs every offline TUF load as a warning; the receipt reports in its own lines
    logging.getLogger("sigstore").setLevel(logging.ERROR)
    out = Examined()
    try:
        parsed = Provenance.model_validate_json(provenance)
    except (ValidationError, ValueError, json.JSONDecodeError):
        out.problems.append(f"{filename}: its provenance is not PEP 740 provenance JSON")
        return out
    try:
        dist = Distribution(name=filename, digest=sha256)
    except (ValidationError, ValueError):
        out.problems.append(f"{filename}: the index gives no valid sha256 for it")
        return out
    for bundle in parsed.attestation_bundles:
        publisher = bundle.publisher.model_dump()
        for attestation in bundle.attestations:
            try:
                predicate, _ = attestation.verify(UnsafeNoOp(), dist, offline=offline)
            except (AttestationError, ValueError) as exc:
                out.problems.append(f"{filename}: an attestation does not verify: {_why(exc)}")
                continue
            identity = identity_from_claims(attestation.certificate_claims, publisher, predicate)
            out.identities.append(identity)
            if identity.predicate != PUBLISH_PREDICATE:
                continue  # an SLSA or other statement: recorded, not a proof of the upload
            wrong = judge(filename, [identity], expected)
            if wrong:
                out.problems.extend(wrong)
                continue
            # the reference verifier's own check of the trusted publisher it names
            trusted = GitHubPublisher(
                repository=expected.repository,
                workflow=str(identity.workflow),
                environment=identity.environment,
            )
            try:
                attestation.verify(trusted, dist, offline=offline)
            except (AttestationError, ValueError) as exc:
                out.problems.append(
                    f"{filename}: pypi-attestations refuses it for {expected.repository} "
                    f"{identity.workflow}: {_why(exc)}"
                )
    if not out.problems:
        # no attestation at all, or none of the publish kind
        out.problems.extend(judge(filename, out.identities, expected))
    return out


def _why(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    for prefix in ("Verification failed: ",):
        text = text.removeprefix(prefix)
    return text[:300]
