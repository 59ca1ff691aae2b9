"""The chat page's forms: CSRF-protected through a signed session cookie of chat's own."""

from __future__ import annotations

from typing import Any

from quart import current_app, session
from werkzeug.datastructures import MultiDict
from wtforms import Form, TextAreaField, ValidationError
from wtforms.csrf.session import SessionCSRF


def csrf_meta() -> dict[str, Any]:
    return {
        "csrf": True,
        "csrf_class": SessionCSRF,
        "csrf_secret": str(current_app.config["SECRET_KEY"]).encode(),
        "csrf_context": session,
        # Tied to the session cookie; a chat tab stays open for hours, so no time limit.
        "csrf_time_limit": None,
    }


def normalise_body(value: str | None) -> str:
    """Trim, and keep line breaks as plain newlines (SSE framing splits on them)."""
    return (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()


class MessageForm(Form):
    body = TextAreaField("Message", filters=[normalise_body])

    def __init__(self, formdata: MultiDict[str, str] | None, *, max_chars: int) -> None:
        super().__init__(formdata, meta=csrf_meta())
        self.max_chars = max_chars

    def validate_body(self, field: TextAreaField) -> None:
        if not field.data:
            raise ValidationError("Write a message before sending.")
        if len(field.data) > self.max_chars:
            raise ValidationError(
                f"Messages can be at most {self.max_chars:,} characters; "
                f"this one has {len(field.data):,}."
            )


class SignOutForm(Form):
    def __init__(self, formdata: MultiDict[str, str] | None) -> None:
        super().__init__(formdata, meta=csrf_meta())
