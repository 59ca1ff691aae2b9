"""The mention e-mail: every mention listed, and one-click unsubscribe headers on it alone."""

from __future__ import annotations

from html import unescape
from uuid import uuid4

from mail_svc.lib.email_catalog import draft_email
from mail_svc.lib.email_message import build_email_message
from mail_svc.lib.email_rendering import EmailRenderer
from mail_svc.settings import MailSettings
from service_kit.events import MentionDigestRequested, MentionInDigest
from service_kit.settings import AppEnv
from tests.unit.mail_svc.sample_events import EXPIRES, PUBLIC_URL, sample_events

SETTINGS = MailSettings(app_env=AppEnv.TEST)
UNSUBSCRIBE = f"{PUBLIC_URL}/unsubscribe/mentions/v1.abc"


def digest(*excerpts: str) -> MentionDigestRequested:
    return MentionDigestRequested(
        user_id="u-1",
        email="bob@example.com",
        display_name="Bob",
        mentions=tuple(
            MentionInDigest(
                room_name="design",
                author_name="Ada <ops>",
                excerpt=text,
                link=f"{PUBLIC_URL}/rooms/design#message-{number}",
                posted_at=EXPIRES,
            )
            for number, text in enumerate(excerpts, start=1)
        ),
        unsubscribe_link=UNSUBSCRIBE,
    )


def build(event: MentionDigestRequested) -> tuple[str, str, dict[str, str]]:
    draft = draft_email(event, SETTINGS)
    rendered = EmailRenderer().render(draft.template, draft.subject, draft.context)
    message = build_email_message(
        rendered, sender=SETTINGS.sender, to=draft.to, event_id=event.id, headers=draft.headers
    )
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None and html is not None
    return str(text.get_content()), str(html.get_content()), dict(message.items())


def test_every_mention_is_listed_with_its_link_and_html_is_escaped() -> None:
    text, html, _ = build(digest("@Bob look <here>", "@Bob and there"))
    assert "2 mentions of you are still unread" in text
    for number in (1, 2):
        link = f"{PUBLIC_URL}/rooms/design#message-{number}"
        assert link in text and f'href="{link}"' in html
    assert "@Bob look <here>" in text  # the text part is not HTML
    assert "&lt;here&gt;" in html and "<here>" not in html
    assert "Ada &lt;ops&gt;" in html
    assert UNSUBSCRIBE in text and UNSUBSCRIBE in unescape(html)


def test_one_mention_reads_as_one() -> None:
    text, _, _ = build(digest("@Bob hi"))
    assert "Someone mentioned you and you have not read it yet" in text


def test_only_the_mention_email_carries_one_click_unsubscribe_headers() -> None:
    _, _, headers = build(digest("@Bob hi"))
    assert headers["List-Unsubscribe"] == f"<{UNSUBSCRIBE}>"
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    for event, _ in sample_events():
        if isinstance(event, MentionDigestRequested):
            continue
        draft = draft_email(event, SETTINGS)
        assert draft.headers == {}
        message = build_email_message(
            EmailRenderer().render(draft.template, draft.subject, draft.context),
            sender=SETTINGS.sender,
            to=draft.to,
            event_id=uuid4(),
            headers=draft.headers,
        )
        assert "List-Unsubscribe" not in message


def mentions_by(*pairs: tuple[str, str]) -> MentionDigestRequested:
    return digest(*(f"@Bob {n}" for n in range(len(pairs)))).model_copy(
        update={
            "mentions": tuple(
                MentionInDigest(
                    room_name=room,
                    author_name=author,
                    excerpt="@Bob",
                    link=f"{PUBLIC_URL}/rooms/x#message-{n}",
                    posted_at=EXPIRES,
                )
                for n, (author, room) in enumerate(pairs, start=1)
            )
        }
    )


def test_the_subject_says_who_and_where() -> None:
    def subject(*pairs: tuple[str, str]) -> str:
        return draft_email(mentions_by(*pairs), SETTINGS).subject

    assert subject(("Ada", "design")) == "Ada mentioned you in design"
    assert subject(("Ada", "design"), ("Ada", "design")) == "Ada mentioned you in design"
    assert (
        subject(("Ada", "design"), ("Grace", "general"))
        == "Ada and Grace mentioned you in design and general"
    )
    assert (
        subject(("Ada", "design"), ("Grace", "a direct message"), ("Linus", "ops"), ("Ada", "ops"))
        == "Ada and 2 others mentioned you in design and 2 other rooms"
    )
