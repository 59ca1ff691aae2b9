"""Every e-mail type renders both parts from the shared layouts, with its links intact."""

from __future__ import annotations

import re
import shutil
from html import unescape
from pathlib import Path

import pytest
from jinja2 import UndefinedError

from mail_svc.lib.email_catalog import EMAIL_FOR_EVENT, draft_email, is_worth_an_email
from mail_svc.lib.email_rendering import EMAIL_TEMPLATES, EmailRenderer, RenderedEmail
from mail_svc.settings import MailSettings
from service_kit.events import Event, PasswordChanged, UserCreated, UserSignedIn
from service_kit.settings import AppEnv
from tests.unit.mail_svc.sample_events import sample_events

SETTINGS = MailSettings(app_env=AppEnv.TEST)
SAMPLES = sample_events()
UNRENDERED = re.compile(r"\{\{|\}\}|\{%|%\}|\{#|#\}")


def render(event: Event, renderer: EmailRenderer | None = None) -> RenderedEmail:
    draft = draft_email(event, SETTINGS)
    return (renderer or EmailRenderer()).render(draft.template, draft.subject, draft.context)


def test_every_email_event_has_a_sample() -> None:
    assert {type(event) for event, _ in SAMPLES} == set(EMAIL_FOR_EVENT)


@pytest.mark.parametrize(("event", "links"), SAMPLES, ids=lambda v: type(v).__name__)
def test_both_parts_render_with_links_and_no_placeholders(event: Event, links: list[str]) -> None:
    rendered = render(event)
    for part in (rendered.html, rendered.text):
        assert not UNRENDERED.search(part), part
        assert "Hello Ada," in part
        for link in links:
            assert link in unescape(part)
    for link in links:
        assert f'href="{link.replace("&", "&amp;")}"' in rendered.html
        assert link in rendered.text  # the text part is not HTML-escaped


@pytest.mark.parametrize(("event", "links"), SAMPLES, ids=lambda v: type(v).__name__)
def test_css_is_inlined_into_the_html_part(event: Event, links: list[str]) -> None:
    html = render(event).html
    assert "<style" not in html
    assert re.search(r'<body[^>]*style="[^"]*background-color', html)


def test_subjects_come_from_settings() -> None:
    settings = MailSettings(app_env=AppEnv.TEST, subject_password_changed="Password updated!")
    event = next(e for e, _ in SAMPLES if type(e).__name__ == "PasswordChanged")
    draft = draft_email(event, settings)
    rendered = EmailRenderer().render(draft.template, draft.subject, draft.context)
    assert rendered.subject == "Password updated!"
    assert "Password updated!" in rendered.html  # the layout's <title>


def test_sign_in_notice_names_the_browser_and_system_not_the_raw_user_agent() -> None:
    event = next(e for e, _ in SAMPLES if isinstance(e, UserSignedIn))
    rendered = render(event)
    when = event.occurred_at.strftime("%d %B %Y, %H:%M UTC")
    for part in (rendered.text, unescape(rendered.html)):
        assert when in part
        assert "Browser: Firefox on Linux" in part
        assert "Mozilla/5.0" not in part
        assert event.ip_address in part


@pytest.mark.parametrize(
    "event",
    [
        UserSignedIn(
            user_id="u-1",
            email="ada@example.com",
            display_name="Ada",
            user_agent="agent",
            ip_address="203.0.113.7",
        ),
        PasswordChanged(user_id="u-1", email="ada@example.com", display_name="Ada"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_events_published_before_the_reset_link_still_render(event: Event) -> None:
    rendered = render(event)
    for part in (rendered.text, rendered.html):
        assert not UNRENDERED.search(part)
        assert "reset your password" in part
        assert "None" not in part


@pytest.mark.parametrize(("event", "links"), SAMPLES, ids=lambda v: type(v).__name__)
def test_only_the_fallback_address_may_break_mid_word(event: Event, links: list[str]) -> None:
    html = render(event).html
    fallbacks = re.findall(r'<p class="fallback"[^>]*>(.*?)</p>', html, re.S)
    for paragraph in re.findall(r"<p\b[^>]*>", html):
        assert "word-break" not in paragraph  # sentences break between words
    for fallback in fallbacks:
        assert re.search(r'<span class="url" style="[^"]*word-break: ?break-all', fallback)


def test_no_notice_for_the_first_sign_in_after_sign_up() -> None:
    event = next(e for e, _ in SAMPLES if isinstance(e, UserSignedIn))
    assert is_worth_an_email(event)
    assert not is_worth_an_email(event.model_copy(update={"first_sign_in": True}))
    assert all(is_worth_an_email(e) for e, _ in SAMPLES)


def test_a_change_to_the_base_layouts_shows_in_every_email(tmp_path: Path) -> None:
    shutil.copytree(EMAIL_TEMPLATES, tmp_path, dirs_exist_ok=True)
    for layout in ("layout.html", "layout.txt"):
        path = tmp_path / layout
        path.write_text(
            path.read_text().replace("{% block footer %}", "LAYOUT-MARKER {% block footer %}")
        )
    renderer = EmailRenderer(tmp_path)
    for event, _ in SAMPLES:
        rendered = render(event, renderer)
        assert "LAYOUT-MARKER" in rendered.html
        assert "LAYOUT-MARKER" in rendered.text
        assert "LAYOUT-MARKER" not in render(event).text


def test_values_are_escaped_in_html_but_not_in_text() -> None:
    event = UserSignedIn(
        user_id="u-1",
        email="ada@example.com",
        display_name="<b>Ada</b> & co",
        user_agent="agent",
        ip_address="203.0.113.7",
    )
    rendered = render(event)
    assert "&lt;b&gt;Ada&lt;/b&gt; &amp; co" in rendered.html
    assert "<b>Ada</b>" not in rendered.html
    assert "Hello <b>Ada</b> & co," in rendered.text


def test_a_missing_value_fails_instead_of_rendering_blank() -> None:
    with pytest.raises(UndefinedError):
        EmailRenderer().render("sign_up_requested", "Subject", {"display_name": "Ada"})


def test_an_event_without_an_email_is_refused() -> None:
    from mail_svc.lib.email_catalog import NoEmailForEventError

    with pytest.raises(NoEmailForEventError):
        draft_email(UserCreated(user_id="u", email="a@example.com", display_name="A"), SETTINGS)
