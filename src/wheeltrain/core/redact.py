"""Credentials out of every text wheeltrain prints. Pure."""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["redact"]

_URL_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/@\s]+@")
_PYPI_TOKEN = re.compile(r"pypi-[A-Za-z0-9_\-]{16,}")
_AUTH_HEADER = re.compile(r"(?i)\b(authorization:\s*(?:basic|bearer|token)\s+)\S+")


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with URL credentials, PyPI tokens, auth headers and each of ``secrets``
    replaced by ``***``."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    text = _URL_USERINFO.sub(r"\1***@", text)
    text = _AUTH_HEADER.sub(r"\1***", text)
    return _PYPI_TOKEN.sub("pypi-***", text)
