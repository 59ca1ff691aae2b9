"""The chat page's forms: CSRF-protected through a signed session cookie of chat's own."""

from __future__ import annotations

import uuid
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any

from quart import current_app, session
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    Form,
    HiddenField,
    RadioField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.csrf.core import CSRFTokenField
from wtforms.csrf.session import SessionCSRF

# types-WTForms predates 3.3's SelectChoice (tuples are deprecated there).
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]
from wtforms.fields.core import Field

from chat_svc.actions.room_names import MAX_NAME_CHARS, clean_name
from service_kit.people.display_names import clean_display_name, name_problem


@dataclass(frozen=True)
class CsrfSource:
    """A form's CSRF token is an HMAC, with the app's secret key, of the "csrf" value kept in
    the form session. By default both come from Quart's request; the room page's fast path
    (web/fast_paths/room_page_fast_path.py) decodes the session itself and passes them here."""

    secret: bytes
    session: MutableMapping[str, Any]


def csrf_meta(source: CsrfSource | None = None) -> dict[str, Any]:
    if source is None:
        source = CsrfSource(str(current_app.config["SECRET_KEY"]).encode(), session)
    return {
        "csrf": True,
        "csrf_class": SessionCSRF,
        "csrf_secret": source.secret,
        "csrf_context": source.session,
        # Tied to the session cookie; a chat tab stays open for hours, so no time limit.
        "csrf_time_limit": None,
    }


def normalise_body(value: str | None) -> str:
    """Trim, and keep line breaks as plain newlines (SSE framing splits on them)."""
    return (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def new_client_id() -> str:
    return uuid.uuid4().hex


class MessageForm(Form):
    body = TextAreaField("Message", filters=[normalise_body])
    # One key per draft (actions/send_once.py): a retried send of this form is stored once.
    client_id = HiddenField(default=new_client_id)
    # A reply: the id of the message of this room it answers (chat_svc/replies/).
    reply_to = HiddenField()

    def __init__(
        self,
        formdata: MultiDict[str, str] | None,
        *,
        max_chars: int,
        csrf: CsrfSource | None = None,
    ) -> None:
        super().__init__(formdata, meta=csrf_meta(csrf))
        self.max_chars = max_chars

    def validate_body(self, field: TextAreaField) -> None:
        if not field.data:
            raise ValidationError("Write a message before sending.")
        if len(field.data) > self.max_chars:
            raise ValidationError(
                f"Messages can be at most {self.max_chars:,} characters; "
                f"this one has {len(field.data):,}."
            )


class ActionForm(Form):
    """A button that changes something (join, leave, sign out): only the CSRF token."""

    def __init__(
        self, formdata: MultiDict[str, str] | None, *, csrf: CsrfSource | None = None
    ) -> None:
        super().__init__(formdata, meta=csrf_meta(csrf))


class SignOutForm(ActionForm):
    pass


class RoomForm(ActionForm):
    name = StringField("Room name", filters=[clean_name])
    visibility = RadioField(
        "Who can find it",
        choices=[
            SelectChoice("open", "Open: listed, anyone can join"),
            SelectChoice("closed", "Closed: only the people its members add"),
        ],
        default="open",
        validate_choice=False,  # checked below, with a message people can act on
    )

    def validate_name(self, field: Field) -> None:
        if not field.data:
            raise ValidationError("Give the room a name.")
        if len(field.data) > MAX_NAME_CHARS:
            raise ValidationError(
                f"Room names can be at most {MAX_NAME_CHARS} characters; "
                f"this one has {len(field.data)}."
            )
        problem = name_problem(field.data)
        if problem:
            raise ValidationError(problem)

    def validate_visibility(self, field: Field) -> None:
        if field.data not in ("open", "closed"):
            raise ValidationError("Choose open or closed.")


def typed_display_name(value: str | None) -> str:
    return clean_display_name(value or "")


class MemberForm(ActionForm):
    # By the name the people page shows everyone: an address looked up here answered
    # whether it had an account (issue 29, item 2).
    name = StringField("Add someone by name", filters=[typed_display_name])

    def validate_name(self, field: Field) -> None:
        if not field.data:
            raise ValidationError("Enter the name of someone on the people page.")


class DirectForm(ActionForm):
    person = HiddenField()  # a handle sealed for the viewer (web/person_handles.py)


class NotificationSettingsForm(ActionForm):
    # An unticked checkbox sends nothing: absent means off.
    mention_emails = BooleanField("E-mail me about mentions I have not read")


def csrf_token_of(form: Form) -> str:
    """The token the form prints in its hidden ``csrf_token`` field."""
    field = form["csrf_token"]
    assert isinstance(field, CSRFTokenField)  # every form here has CSRF on (csrf_meta)
    return str(field.current_token)
