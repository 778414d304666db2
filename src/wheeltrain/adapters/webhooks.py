"""Chat notifications: one POST to a Slack or Discord incoming webhook. The URL is a secret:
it is never printed, and a failure names only which webhook failed and why."""

from __future__ import annotations

import requests

from wheeltrain.core.redact import redact
from wheeltrain.errors import StepFailed

__all__ = ["post_chat"]

#: The JSON each service takes: Slack's "text", Discord's "content" (2,000 characters at most).
_FIELDS = {"slack": ("text", 40_000), "discord": ("content", 2_000)}


def post_chat(service: str, url: str, text: str, *, timeout: float = 15.0) -> None:
    field, limit = _FIELDS[service]
    body = text if len(text) <= limit else text[: limit - 1] + "…"
    try:
        response = requests.post(url, json={field: body}, timeout=timeout)
    except requests.exceptions.RequestException as exc:
        raise StepFailed(
            f"the {service} webhook did not answer ({type(exc).__name__}): check its secret"
        ) from None
    if response.status_code >= 400:
        reason = redact(response.text.strip().splitlines()[0] if response.text.strip() else "")
        raise StepFailed(
            f"the {service} webhook refused the message ({response.status_code} "
            f"{response.reason}{': ' + reason[:120] if reason else ''}): check its secret"
        )
