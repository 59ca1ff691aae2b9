"""One wtforms class per form; every form carries a CSRF token tied to the session cookie."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Self

from quart import current_app, request, session
from wtforms import EmailField, Field, Form, PasswordField, StringField
from wtforms.csrf.session import SessionCSRF
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    Length,
    ValidationError,
)

from auth_svc.lib.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, is_common_password
from service_kit.people.display_names import clean_display_name, name_problem
from service_kit.people.email_addresses import normalise_email

EMAIL_MAX_LENGTH = 254
DISPLAY_NAME_MAX_LENGTH = 50


def email_filter(value: Any) -> Any:
    return normalise_email(value) if isinstance(value, str) else value


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def validated_text(field: Field) -> str:
    """A field's text once the form validated: its validators already required a value."""
    data = field.data
    if not isinstance(data, str):
        raise TypeError(f"{field.name} has no text: validate the form first")
    return data


class CsrfForm(Form):
    class Meta:
        csrf = True
        csrf_class = SessionCSRF
        csrf_time_limit = timedelta(hours=2)

    @classmethod
    async def from_request(cls, **kwargs: Any) -> Self:
        """A form bound to the submitted data on POST, empty on GET."""
        formdata = await request.form if request.method == "POST" else None
        meta = {
            "csrf_secret": str(current_app.config["SECRET_KEY"]).encode(),
            "csrf_context": session,
        }
        return cls(formdata=formdata, meta=meta, **kwargs)


def _email_field() -> EmailField:
    return EmailField(
        "E-mail address",
        filters=[email_filter],
        validators=[
            DataRequired("Enter your e-mail address."),
            Length(max=EMAIL_MAX_LENGTH, message="That e-mail address is too long."),
            Email(
                "Enter a valid e-mail address, like name@example.com.", check_deliverability=False
            ),
        ],
    )


def _not_common(form: Form, field: PasswordField) -> None:
    if field.data and is_common_password(field.data):
        raise ValidationError("This password is too common. Choose something less guessable.")


def _new_password_field() -> PasswordField:
    return PasswordField(
        "New password",
        validators=[
            DataRequired("Choose a password."),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=MAX_PASSWORD_LENGTH,
                message=(
                    f"Use between {MIN_PASSWORD_LENGTH} and {MAX_PASSWORD_LENGTH} characters."
                ),
            ),
            _not_common,
        ],
    )


def _confirm_field() -> PasswordField:
    return PasswordField(
        "Confirm password",
        validators=[
            DataRequired("Type the password again."),
            EqualTo("password", message="The two passwords do not match."),
        ],
    )


def _display_name_filter(value: Any) -> Any:
    return clean_display_name(value) if isinstance(value, str) else value


def _visible_characters_only(form: Form, field: StringField) -> None:
    problem = name_problem(field.data) if field.data else None
    if problem:
        raise ValidationError(problem)


class SignUpForm(CsrfForm):
    email = _email_field()
    display_name = StringField(
        "Display name",
        filters=[_display_name_filter],
        validators=[
            DataRequired("Choose a display name."),
            Length(max=DISPLAY_NAME_MAX_LENGTH, message="Keep it under 50 characters."),
            _visible_characters_only,
        ],
    )


class NewPasswordForm(CsrfForm):
    """Used by both the set-password page (sign-up) and the reset-password page."""

    password = _new_password_field()
    confirm_password = _confirm_field()


class SignInForm(CsrfForm):
    email = _email_field()
    password = PasswordField(
        "Password",
        validators=[
            DataRequired("Enter your password."),
            Length(max=MAX_PASSWORD_LENGTH, message="Wrong e-mail address or password."),
        ],
    )


class ForgotPasswordForm(CsrfForm):
    email = _email_field()


class SignOutForm(CsrfForm):
    """Only the CSRF token: sign-out must not be triggerable by another site."""
