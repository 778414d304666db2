"""Credentials out of every text wheeltrain prints or writes: the one redactor. Pure.

It knows every form a secret takes on its way out: a token or password inside a URL (any
``user:password@``, an ``@`` in the password included), an ``Authorization`` header, a PyPI
or GitHub token, a webhook URL's secret path, and each credential of the environment, as it
is and in the base64 forms HTTP basic authentication sends (which a server may echo).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping

__all__ = ["environment_secrets", "redact"]

# The patterns only a text holding their literal part needs are compiled on first use (by
# re's own cache): a command that prints no URL or token never compiles them.
# userinfo is everything up to the last "@" before the host: a password may hold "@"
# from "://" (a literal the engine finds fast) to the last "@" of the authority: a password
# may hold "@" itself
_URL_USERINFO = r"://[^/\s?#]*@"
_PYPI_KEY_SHAPE = r"pypi-[A-Za-z0-9_\-]{16,}"
_GITHUB_KEY_SHAPE = r"\b(gh[pousr]_|github_pat_)[A-Za-z0-9_]{16,}"
_AUTH_HEADER = r"(?i)\b(authorization:\s*(?:basic|bearer|token)\s+)\S+"
# the secret part of the webhook URLs notify sends to
_WEBHOOK_PATH = (
    r"(?i)\b(https?://(?:hooks\.slack\.com/(?:services|workflows|triggers)|"
    r"(?:[a-z0-9-]+\.)?discord(?:app)?\.com/api/webhooks))/[^\s\"'<>]+"
)
#: Environment variables whose value is a credential.
_SECRET_NAME = re.compile(r"(?i)(TOKEN|PASSWORD|PASSWD|SECRET|API_KEY|WEBHOOK|CREDENTIAL)")
_SHORTEST = 6  # shorter values would hide ordinary words


def environment_secrets(env: Mapping[str, str]) -> list[str]:
    """Every credential in ``env`` and the forms it takes in HTTP: the value, its base64, and
    the base64 of ``user:value`` for the user twine or a token upload sends."""
    values = sorted(
        {v for k, v in env.items() if _SECRET_NAME.search(k) and len(v.strip()) >= _SHORTEST},
        key=len,
        reverse=True,
    )
    users = {"__token__", env.get("TWINE_USERNAME", "")} - {""}
    found: list[str] = []
    for key, value in env.items():  # a webhook's secret is its path: a server may echo only it
        if "WEBHOOK" in key.upper() and "://" in value:
            path = value.split("://", 1)[1].partition("/")[2].split("?")[0]
            if len(path) >= 8:
                found.append("/" + path)
    for value in values:
        found.append(value)
        import base64  # only where the environment holds a credential

        found.append(base64.b64encode(value.encode()).decode())
        found += [base64.b64encode(f"{u}:{value}".encode()).decode() for u in sorted(users)]
    return found


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with URL credentials, tokens, auth headers, webhook paths and each of
    ``secrets`` (longest first) replaced by ``***``."""
    present = tuple(
        sorted({s for s in secrets if len(s) >= 4 and s in text}, key=len, reverse=True)
    )
    if present:
        text = _secrets_pattern(present).sub("***", text)
    # each pattern runs only where its literal part occurs (a changelog of 100,000 commits
    # passes here whole)
    if "://" in text:
        text = re.sub(_URL_USERINFO, "://***@", text)
        text = re.sub(_WEBHOOK_PATH, r"\1/***", text)
    if "authorization" in text.lower():
        text = re.sub(_AUTH_HEADER, r"\1***", text)
    if "gh" in text and any(p in text for p in _GITHUB_PREFIXES):
        text = re.sub(_GITHUB_KEY_SHAPE, r"\1***", text)
    if "pypi-" in text:
        text = re.sub(_PYPI_KEY_SHAPE, "pypi-***", text)
    return text


@functools.lru_cache(maxsize=32)
def _secrets_pattern(secrets: tuple[str, ...]) -> re.Pattern[str]:
    """The secrets (longest first) as whole tokens: a secret's letter or digit at its edge
    must not continue a longer word, so that a short password ("wheelt") never hides part of
    an ordinary word ("wheeltrain"); a secret next to punctuation, a space or a quote (a
    header, a command line, JSON) is always found."""
    parts = []
    for secret in secrets:
        head = "(?<![A-Za-z0-9])" if secret[0].isalnum() else ""
        tail = "(?![A-Za-z0-9])" if secret[-1].isalnum() else ""
        parts.append(head + re.escape(secret) + tail)
    return re.compile("|".join(parts))


_GITHUB_PREFIXES = ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_")
