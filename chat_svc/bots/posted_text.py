"""What a bot says in an HTTP body, read alike for incoming webhooks and for outgoing
webhooks' answers: plain text as is, JSON's ``text`` (Slack's and Mattermost's name) or
``body``."""

from __future__ import annotations

import json


def posted_text(raw: bytes, content_type: str) -> str | None:
    """The text, or None when the body is not UTF-8, or JSON without a text."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if content_type.split(";")[0].strip() != "application/json":
        return text
    try:
        found = json.loads(text)
    except ValueError:
        return None
    value = found.get("text", found.get("body")) if isinstance(found, dict) else None
    return value if isinstance(value, str) else None
