"""Issue 16: passwords that resemble the account, addresses and names that only look
different, per-account limits an attacker cannot use to lock someone out."""

from __future__ import annotations

from typing import Any

from nats.js import JetStreamContext
from quart.typing import TestClientProtocol as Client

from auth_svc.app import create_app
from auth_svc.models.documents import SignUpDocument
from auth_svc.settings import AuthSettings
from service_kit.events import PasswordResetRequested, SignUpRequested
from tests.integration.auth_svc.conftest import (
    submit,
    token_from,
    wait_for_events,
)

RESEMBLES = "This password is too close to your e-mail address or name."


async def test_a_password_that_resembles_the_account_is_refused(
    client: Client, jetstream: JetStreamContext
) -> None:
    email = "ada.lovelace@example.com"
    await submit(client, "/sign-up", email=email, display_name="Countess Ada")
    [requested] = await wait_for_events(jetstream, SignUpRequested.SUBJECT)
    assert isinstance(requested, SignUpRequested)
    path = f"/set-password?token={token_from(requested.link)}"
    for password in (
        email,
        "ADA.LOVELACE@EXAMPLE.COM",
        "my ada.lovelace pass",
        "countess ada 1815!",
    ):
        page = await submit(client, path, password=password, confirm_password=password)
        assert page.status_code == 422, password
        assert RESEMBLES in await page.get_data(as_text=True)
    ok = await submit(
        client, path, password="analytical engine notes", confirm_password="analytical engine notes"
    )
    assert ok.status_code == 303

    await submit(client, "/forgot-password", email=email)
    [reset] = await wait_for_events(jetstream, PasswordResetRequested.SUBJECT)
    assert isinstance(reset, PasswordResetRequested)
    path = f"/reset-password?token={token_from(reset.link)}"
    page = await submit(client, path, password=email, confirm_password=email)
    assert page.status_code == 422
    assert RESEMBLES in await page.get_data(as_text=True)


SPELLINGS = (
    "ada@exämple.com",  # NFC
    "ada@exa\u0308mple.com",  # NFD: a + combining diaeresis
    "Ada@XN--EXMPLE-CUA.com",  # the A-label, upper-case
)


async def test_one_mailbox_is_one_address_however_its_domain_is_spelled(
    infrastructure_env: dict[str, Any], jetstream: JetStreamContext
) -> None:
    settings = AuthSettings(**infrastructure_env | {"sign_up_per_email": 2})
    app = create_app(settings)
    async with app.test_app() as test_app:
        client = test_app.test_client()
        statuses = [
            (await submit(client, "/sign-up", email=email, display_name="Ada")).status_code
            for email in SPELLINGS
        ]
        pending = await SignUpDocument.find_all().to_list()
    assert statuses == [303, 303, 429]  # one limit for the one mailbox
    assert [sign_up.id for sign_up in pending] == ["ada@xn--exmple-cua.com"]  # one pending
