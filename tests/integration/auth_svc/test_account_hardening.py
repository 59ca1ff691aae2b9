"""Issue 16: passwords that resemble the account, addresses and names that only look
different, per-account limits an attacker cannot use to lock someone out."""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any

from nats.js import JetStreamContext
from quart.typing import TestClientProtocol as Client

from auth_svc.app import create_app
from auth_svc.models.documents import SignUpDocument
from auth_svc.settings import AuthSettings
from service_kit.events import PasswordResetRequested, SignUpRequested
from tests.integration.auth_svc.conftest import (
    PASSWORD,
    csrf_token,
    sign_up,
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


async def submit_from(client: Client, address: str, path: str, **fields: str) -> int:
    """A form posted with its CSRF token from the client address ``address``."""
    origin = {"client": (address, 40000)}
    data = {"csrf_token": await csrf_token(client, path), **fields}
    return (await client.post(path, form=data, scope_base=origin)).status_code


async def sign_in_from(
    client: Client, address: str, password: str, email: str = "ada@example.com"
) -> int:
    return await submit_from(client, address, "/sign-in", email=email, password=password)


ATTACKER, HOME = "203.0.113.7", "127.0.0.1"


async def test_an_attacker_elsewhere_cannot_lock_the_person_out(
    infrastructure_env: dict[str, Any], jetstream: JetStreamContext
) -> None:
    settings = AuthSettings(**infrastructure_env | {"sign_in_per_ip": 100})
    app = create_app(settings)
    async with app.test_app() as test_app:
        ada = test_app.test_client()
        await sign_up(ada, jetstream)
        attacker = test_app.test_client()
        # Forms without a CSRF token (curl) are not attempts at all.
        for _ in range(8):
            bare = await attacker.post(
                "/sign-in",
                form={"email": "ada@example.com", "password": "guess"},
                scope_base={"client": ("203.0.113.7", 1)},
            )
            assert bare.status_code == 422
        wrong = [
            await sign_in_from(attacker, ATTACKER, "guess", email="ADA@example.com")
            for _ in range(6)
        ]
        assert wrong == [401] * 5 + [429]
        # Ada, on her own device, with the right password: in.
        assert await sign_in_from(ada, HOME, PASSWORD) == 303
        # Her own typos are cleared by that success, not added to.
        for _ in range(2):
            typos = [await sign_in_from(ada, HOME, "typo") for _ in range(4)]
            assert typos == [401] * 4
            assert await sign_in_from(ada, HOME, PASSWORD) == 303
        # The attacker stays limited.
        assert await sign_in_from(attacker, ATTACKER, PASSWORD) == 429


async def test_a_password_reset_clears_the_limit(
    infrastructure_env: dict[str, Any], jetstream: JetStreamContext
) -> None:
    settings = AuthSettings(**infrastructure_env | {"sign_in_per_ip": 100})
    app = create_app(settings)
    async with app.test_app() as test_app:
        ada = test_app.test_client()
        await sign_up(ada, jetstream)
        for _ in range(5):
            await sign_in_from(ada, HOME, "forgotten")
        assert await sign_in_from(ada, HOME, PASSWORD) == 429
        await submit(ada, "/forgot-password", email="ada@example.com")
        [reset] = await wait_for_events(jetstream, PasswordResetRequested.SUBJECT)
        assert isinstance(reset, PasswordResetRequested)
        path = f"/reset-password?token={token_from(reset.link)}"
        new = "a remembered passphrase"
        assert (await submit(ada, path, password=new, confirm_password=new)).status_code == 303
        assert await sign_in_from(ada, HOME, new) == 303


async def test_many_addresses_together_meet_the_account_wide_ceiling(
    infrastructure_env: dict[str, Any], jetstream: JetStreamContext
) -> None:
    settings = AuthSettings(**infrastructure_env | {"sign_in_per_account": 4})
    app = create_app(settings)
    async with app.test_app() as test_app:
        ada = test_app.test_client()
        await sign_up(ada, jetstream)
        botnet = test_app.test_client()
        guesses = [await sign_in_from(botnet, f"198.51.100.{n}", "guess") for n in range(1, 6)]
        assert guesses == [401] * 4 + [429]


async def test_forgot_password_takes_as_long_for_unknown_as_for_known_addresses(
    infrastructure_env: dict[str, Any], jetstream: JetStreamContext
) -> None:
    limits = {"forgot_password_per_ip": 1000, "forgot_password_per_email_client": 1000}
    settings = AuthSettings(**infrastructure_env | limits | {"forgot_password_per_email": 1000})
    app = create_app(settings)
    async with app.test_app() as test_app:
        client = test_app.test_client()
        await sign_up(client, jetstream)
        token = await csrf_token(client, "/forgot-password")
        timings: dict[str, list[float]] = {"ada@example.com": [], "nobody@example.com": []}
        for round_number in range(40):
            order = list(timings) if round_number % 2 else list(reversed(timings))
            for email in order:
                started = time.perf_counter()
                response = await client.post(
                    "/forgot-password", form={"csrf_token": token, "email": email}
                )
                timings[email].append(time.perf_counter() - started)
                assert response.status_code == 303
                await asyncio.sleep(0.05)  # let work left in the background finish
    known = statistics.median(timings["ada@example.com"])
    unknown = statistics.median(timings["nobody@example.com"])
    # Before the fix: known 8.8 ms, unknown 6.0 ms (the account look-up and outbox write).
    assert known < unknown * 1.25, f"known {known * 1000:.2f} ms, unknown {unknown * 1000:.2f} ms"
