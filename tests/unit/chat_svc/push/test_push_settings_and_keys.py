"""Web Push's settings and keys (issue 33): production refuses to run without its own VAPID
key or with loopback endpoints allowed; elsewhere the key is derived, the same for every
replica; one signed token per push service is reused."""

from __future__ import annotations

import secrets

import pytest
from pydantic import ValidationError

from chat_svc.push.sending.payloads import message_payload
from chat_svc.push.sending.vapid_keys import dev_private_key, load_vapid_keys, new_private_key
from chat_svc.settings import ChatSettings

PRODUCTION = {
    "APP_ENV": "production",
    "MONGODB_URL": "mongodb://db:27017",
    "SERVICE_SECRET": secrets.token_urlsafe(32),
    "CHAT_SECRET_KEY": secrets.token_urlsafe(32),
    "CHAT_NATS_PASSWORD": "n" + secrets.token_hex(32),
    "CHAT_PUBLIC_URL": "https://chat.example",
    "CHAT_AUTH_PUBLIC_URL": "https://chat.example/auth",
}


def production(monkeypatch: pytest.MonkeyPatch, **extra: str) -> None:
    for name, value in (PRODUCTION | extra).items():
        monkeypatch.setenv(name, value)


def test_production_needs_its_own_vapid_key_and_no_loopback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    production(monkeypatch)
    with pytest.raises(ValidationError, match="WEB_PUSH_VAPID_PRIVATE_KEY"):
        ChatSettings()
    production(
        monkeypatch, WEB_PUSH_VAPID_PRIVATE_KEY=new_private_key(), WEB_PUSH_ALLOW_LOOPBACK="1"
    )
    with pytest.raises(ValidationError, match="WEB_PUSH_ALLOW_LOOPBACK"):
        ChatSettings()
    monkeypatch.setenv("WEB_PUSH_ALLOW_LOOPBACK", "0")
    assert ChatSettings().web_push_vapid_private_key


def test_a_dev_key_is_the_same_for_one_secret_and_differs_for_another() -> None:
    first = load_vapid_keys("", "mailto:a@example.com", "secret-one")
    again = load_vapid_keys("", "mailto:a@example.com", "secret-one")
    other = load_vapid_keys("", "mailto:a@example.com", "secret-two")
    assert first.public_key == again.public_key != other.public_key
    assert load_vapid_keys(dev_private_key("secret-one"), "", "x").public_key == first.public_key


def test_one_token_per_push_service_is_reused() -> None:
    keys = load_vapid_keys(new_private_key(), "mailto:a@example.com", "s")
    one = keys.headers_for("https://push.example/device-1")
    assert keys.headers_for("https://push.example/device-2") is one
    assert keys.headers_for("https://other.example/device-3") != one


def test_a_push_says_who_where_and_at_most_120_characters_or_hides_the_text() -> None:
    shown = message_payload(room="general", where="general", direct=False, author="Ada",
                            body="x" * 200, message_id=7, hide_text=False)  # fmt: skip
    hidden = message_payload(room="general", where="general", direct=False, author="Ada",
                             body="secret plans", message_id=7, hide_text=True)  # fmt: skip
    assert b'"title":"Ada in general"' in shown and ("x" * 119 + "…").encode() in shown
    assert b"x" * 120 not in shown
    assert b'"title":"New message in general"' in hidden and b"secret" not in hidden
