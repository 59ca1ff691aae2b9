"""The profile form: the display name under the sign-up form's rules, a status line, a
time zone from the IANA list this server knows and a picture."""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

from wtforms import BooleanField, FileField, SelectField, StringField, ValidationError
from wtforms.fields.core import Field

from chat_svc.web.forms import ActionForm, typed_display_name
from service_kit.people.display_names import name_problem

DISPLAY_NAME_MAX_CHARS = 50  # auth_svc's sign-up form: the same rule everywhere
STATUS_MAX_CHARS = 80


@cache
def time_zone_names() -> tuple[str, ...]:
    return tuple(sorted(available_timezones()))


def _strip(value: str | None) -> str:
    return (value or "").strip()


class ProfileForm(ActionForm):
    display_name = StringField("Display name", filters=[typed_display_name])
    status = StringField("Status", filters=[_strip])
    time_zone = SelectField("Time zone", validate_choice=False)
    avatar = FileField("Picture")  # read from the request's files (avatars/avatar_uploads.py)
    remove_avatar = BooleanField("Remove the picture (back to initials)")

    def validate_display_name(self, field: Field) -> None:
        if not field.data:
            raise ValidationError("Choose a display name.")
        if len(field.data) > DISPLAY_NAME_MAX_CHARS:
            raise ValidationError("Keep it under 50 characters.")
        problem = name_problem(field.data)
        if problem:
            raise ValidationError(problem)

    def validate_status(self, field: Field) -> None:
        if len(field.data or "") > STATUS_MAX_CHARS:
            raise ValidationError(f"Keep your status under {STATUS_MAX_CHARS} characters.")
        problem = name_problem(field.data) if field.data else None
        if problem:
            raise ValidationError(problem)

    def validate_time_zone(self, field: Field) -> None:
        if field.data and field.data not in time_zone_names():
            raise ValidationError("Choose a time zone from the list.")
