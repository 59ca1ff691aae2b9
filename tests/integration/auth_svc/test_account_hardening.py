"""Issue 16: passwords that resemble the account, addresses and names that only look
different, per-account limits an attacker cannot use to lock someone out."""

from __future__ import annotations

import asyncio
import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import uvicorn
from nats.js import JetStreamContext
from quart import Quart
from quart.typing import TestClientProtocol as Client

from auth_svc.app import create_app
from auth_svc.models.documents import SignUpDocument
from auth_svc.settings import AuthSettings
from devstack.processes import free_port
from service_kit.events import PasswordResetRequested, SignUpRequested
from tests.integration.auth_svc.conftest import (
    PASSWORD,
    csrf_token,
    link_of,
    reset_password,
    sign_in,
    sign_up,
    submit,
    token_from,
    wait_for_events,
)
from tests.support.http_accounts import HttpAccounts, Mailbox, csrf_token_in, submit_form

RESEMBLES = "This password is too close to your e-mail address or name."


async def test_a_password_that_resembles_the_account_is_refused(
    client: Client, jetstream: JetStreamContext
) -> None:
    email = "ada.lovelace@example.com"
    await submit(client, "/sign-up", email=email, display_name="Countess Ada")
    [requested] = await wait_for_events(jetstream, SignUpRequested.SUBJECT)
    assert isinstance(requested, SignUpRequested)
    path = f"/set-password?token={token_from(link_of(requested))}"
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
    path = f"/reset-password?token={token_from(link_of(reset))}"
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
        new = "a remembered passphrase"
        await reset_password(ada, jetstream, new)
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


@contextmanager
def serve_in_a_thread(app: Quart) -> Iterator[str]:
    """The app under uvicorn in a thread of its own: work it does after answering cannot
    delay the test's client, as it would on one shared event loop."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


async def test_forgot_password_takes_as_long_for_unknown_as_for_known_addresses(
    infrastructure_env: dict[str, Any], jetstream: JetStreamContext
) -> None:
    limits = {"forgot_password_per_ip": 1000, "forgot_password_per_email_client": 1000}
    settings = AuthSettings(**infrastructure_env | limits | {"forgot_password_per_email": 1000})
    with serve_in_a_thread(create_app(settings)) as base_url:
        async with httpx.AsyncClient(base_url=base_url) as client:
            await HttpAccounts(base_url, Mailbox("unused")).request_sign_up(
                "ada@example.com", "Ada"
            )
            [requested] = await wait_for_events(jetstream, SignUpRequested.SUBJECT)
            assert isinstance(requested, SignUpRequested)
            path = f"/set-password?token={token_from(link_of(requested))}"
            fields = {"password": PASSWORD, "confirm_password": PASSWORD}
            assert (await submit_form(client, path, fields)).status_code == 303

            page = await client.get("/forgot-password")
            token = csrf_token_in(page.text)
            timings: dict[str, list[float]] = {"ada@example.com": [], "nobody@example.com": []}
            for round_number in range(30):
                order = list(timings) if round_number % 2 else list(reversed(timings))
                for email in order:
                    started = time.perf_counter()
                    response = await client.post(
                        "/forgot-password", data={"csrf_token": token, "email": email}
                    )
                    timings[email].append(time.perf_counter() - started)
                    assert response.status_code == 303
                    await asyncio.sleep(0.05)  # work left after answering finishes meanwhile
    known = statistics.median(timings["ada@example.com"])
    unknown = statistics.median(timings["nobody@example.com"])
    # Before the fix: known 10.7 ms, unknown 7.9 ms (the account look-up and outbox write).
    assert known < unknown * 1.25, f"known {known * 1000:.2f} ms, unknown {unknown * 1000:.2f} ms"


async def test_a_form_token_from_before_sign_in_is_void_after_it(
    client: Client, jetstream: JetStreamContext
) -> None:
    await sign_up(client, jetstream)
    before = await csrf_token(client, "/sign-in")
    await sign_in(client)
    stale = await client.post("/sign-out-everywhere", form={"csrf_token": before})
    assert stale.status_code == 400
    fresh = await client.post(
        "/sign-out-everywhere", form={"csrf_token": await csrf_token(client, "/")}
    )
    assert fresh.status_code == 303


async def test_a_post_from_another_site_is_refused(
    client: Client, jetstream: JetStreamContext
) -> None:
    await sign_up(client, jetstream)
    token = await csrf_token(client, "/sign-in")
    fields = {"csrf_token": token, "email": "ada@example.com", "password": PASSWORD}
    for header in (
        {"Origin": "http://evil.example"},
        {"Origin": "http://127.0.0.1:8001.evil.example"},
        {"Origin": "null", "Referer": "http://evil.example/page"},
        {"Referer": "http://evil.example/page"},
        {"Referer": "not a url"},
    ):
        refused = await client.post("/sign-in", form=fields, headers=header)
        assert refused.status_code == 403, header
        assert "another site" in await refused.get_data(as_text=True)
    own = {"Origin": "http://127.0.0.1:8001", "Referer": "http://127.0.0.1:8001/sign-in"}
    assert (await client.post("/sign-in", form=fields, headers=own)).status_code == 303
    # A page with Referrer-Policy: no-referrer posts with "Origin: null": the token decides.
    fields["csrf_token"] = await csrf_token(client, "/sign-in")
    null = await client.post("/sign-in", form=fields, headers={"Origin": "null"})
    assert null.status_code == 303


async def test_a_display_name_with_invisible_or_control_characters_is_refused(
    infrastructure_env: dict[str, Any], jetstream: JetStreamContext
) -> None:
    app = create_app(AuthSettings(**infrastructure_env | {"sign_up_per_ip": 100}))
    async with app.test_app() as test_app:
        await _refuses_bad_display_names(test_app.test_client(), jetstream)


async def _refuses_bad_display_names(client: Client, jetstream: JetStreamContext) -> None:
    names = {
        "line break": "Ada\r\nBcc: victim@example.com",
        "NUL": "Ada\x00",
        "tab": "Ada\tL",
        "right-to-left override": "Ada \u202e3202-11-72",
        "left-to-right isolate": "Ada\u2066x",
        "zero-width space": "A\u200bda",
        "zero-width joiner": "Ad\u200da",
        "byte order mark": "\ufeffAda",
        "line separator": "Ada\u2028Lovelace",
        "only spaces": "   ",
    }
    for case, name in names.items():
        response = await submit(client, "/sign-up", email="ada@example.com", display_name=name)
        assert response.status_code == 422, case
    trimmed = await submit(client, "/sign-up", email="ada@example.com", display_name="  Ada  ")
    assert trimmed.status_code == 303
    [requested] = await wait_for_events(jetstream, SignUpRequested.SUBJECT)
    assert isinstance(requested, SignUpRequested) and requested.display_name == "Ada"
    accents = await submit(client, "/sign-up", email="zoe@example.com", display_name="Zoë Ångström")
    assert accents.status_code == 303  # letters from every script stay welcome


async def test_forms_without_a_csrf_token_do_not_use_up_the_reset_limit(
    infrastructure_env: dict[str, Any], jetstream: JetStreamContext
) -> None:
    app = create_app(AuthSettings(**infrastructure_env | {"forgot_password_per_ip": 100}))
    async with app.test_app() as test_app:
        attacker = test_app.test_client()
        for _ in range(6):
            bare = await attacker.post(
                "/forgot-password",
                form={"email": "ada@example.com"},
                scope_base={"client": (ATTACKER, 1)},
            )
            assert bare.status_code == 422
        ada = test_app.test_client()
        asked = await submit_from(ada, HOME, "/forgot-password", email="ada@example.com")
        assert asked == 303


async def test_one_address_is_limited_across_accounts_and_bare_posts_count(
    infrastructure_env: dict[str, Any],
) -> None:
    app = create_app(AuthSettings(**infrastructure_env | {"sign_in_per_ip": 3}))
    async with app.test_app() as test_app:
        attacker = test_app.test_client()
        # A post without a CSRF token is no attempt on an account, but the address made it.
        bare = await attacker.post(
            "/sign-in",
            form={"email": "ada@example.com", "password": "guess"},
            scope_base={"client": (ATTACKER, 1)},
        )
        assert bare.status_code == 422
        guesses = [
            await sign_in_from(attacker, ATTACKER, "guess", email=f"person{n}@example.com")
            for n in range(3)
        ]
        assert guesses == [401, 401, 429]
        limited = await attacker.post(
            "/sign-in", form={"email": "x@example.com"}, scope_base={"client": (ATTACKER, 1)}
        )
        assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
        # Another address is not affected.
        other = test_app.test_client()
        assert await sign_in_from(other, HOME, "guess", email="person0@example.com") == 401
