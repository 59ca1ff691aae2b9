"""Sign-in, the hand-off to chat_svc, the internal API and sign-out."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from nats.js import JetStreamContext
from quart import Quart
from quart.typing import TestClientProtocol as Client
from redis.asyncio import Redis

from auth_svc.app import create_app
from auth_svc.models.documents import UserDocument
from auth_svc.settings import AuthSettings
from service_kit.events import SessionRevoked, UserSignedIn
from tests.integration.auth_svc.conftest import (
    CSRF_FIELD,
    INTERNAL_SCOPE,
    PASSWORD,
    STATE,
    sign_in,
    sign_up,
    submit,
    wait_for_events,
)

SECRET = {"Authorization": "Bearer dev-only-service-secret-change-me"}


async def _redeem(client: Client, code: str) -> Any:
    return await client.post(
        "/internal/handoff/redeem", json={"code": code}, headers=SECRET, scope_base=INTERNAL_SCOPE
    )


async def _check(client: Client, token: str) -> dict[str, Any]:
    response = await client.post(
        "/internal/token-check", json={"token": token}, headers=SECRET, scope_base=INTERNAL_SCOPE
    )
    assert response.status_code == 200
    body: dict[str, Any] = await response.get_json()
    return body


async def test_sign_in_hands_off_to_chat_with_a_one_time_code(
    client: Client, jetstream: JetStreamContext
) -> None:
    await sign_up(client, jetstream)
    path = f"/sign-in?state={STATE}"
    response = await submit(client, path, email=" ADA@example.com", password=PASSWORD)
    assert response.status_code == 303
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == (
        "http://127.0.0.1:8002/session/start"
    )
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("auth_session=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    query = parse_qs(location.query)
    code = query["code"][0]
    assert query["next"] == ["/"]
    assert query["state"] == [STATE]  # chat checks it against its cookie

    redeemed = await _redeem(client, code)
    assert redeemed.status_code == 200
    body = await redeemed.get_json()
    assert body["email"] == "ada@example.com" and body["display_name"] == "Ada"
    assert body["access_token"] not in response.headers["Location"]
    assert (await _redeem(client, code)).status_code == 404  # single use
    assert (await (await _redeem(client, "made-up")).get_json()) == {"error": "invalid_code"}

    check = await _check(client, body["access_token"])
    assert check["valid"] is True
    assert check["user_id"] == body["user_id"] and check["session_id"] == body["session_id"]
    assert check["email"] == "ada@example.com" and check["expires_at"]

    # The first came with choosing the password (sign_up).
    *_, signed_in = await wait_for_events(jetstream, UserSignedIn.SUBJECT, 2)
    assert isinstance(signed_in, UserSignedIn)
    assert (signed_in.user_id, signed_in.email) == (body["user_id"], "ada@example.com")
    assert signed_in.reset_link == "http://127.0.0.1:8001/forgot-password"

    home = await client.get("/")
    assert 'You are signed in as <strong dir="auto">Ada</strong>' in await home.get_data(
        as_text=True
    )


async def test_only_the_first_sign_in_of_an_account_is_marked_first(
    client: Client, auth_app: Quart, jetstream: JetStreamContext
) -> None:
    """mail_svc sends no "new sign-in" notice for it: the person just signed up."""
    await sign_up(client, jetstream)
    await sign_in(client)
    await sign_in(auth_app.test_client())  # another browser
    # Choosing the password signed in first (sign_up): the two sign-ins here are not first.
    events = await wait_for_events(jetstream, UserSignedIn.SUBJECT, 3)
    firsts = [e.first_sign_in for e in events if isinstance(e, UserSignedIn)]
    assert firsts == [True, False, False]


async def test_an_account_from_before_the_first_sign_in_mark_asks_its_sessions(
    client: Client, auth_app: Quart, jetstream: JetStreamContext, redis_client: Redis
) -> None:
    """Accounts stored before ``signed_in_before`` existed: their sessions say they signed in."""
    await sign_up(client, jetstream)
    users = UserDocument.get_pymongo_collection()
    # Written behind the account index's back: it is rebuilt from the store as it is now.
    await users.update_many({}, {"$unset": {"signed_in_before": ""}})
    await redis_client.flushall()
    await sign_in(client)
    await users.update_many({}, {"$unset": {"signed_in_before": ""}})
    await redis_client.flushall()
    await sign_in(auth_app.test_client())
    # Choosing the password signed in first (sign_up): the two sign-ins here are not first.
    events = await wait_for_events(jetstream, UserSignedIn.SUBJECT, 3)
    firsts = [e.first_sign_in for e in events if isinstance(e, UserSignedIn)]
    assert firsts == [True, False, False]
    assert [user.signed_in_before for user in await UserDocument.find_all().to_list()] == [True]


async def test_sign_in_returns_to_the_chat_page_it_came_from_but_never_elsewhere(
    client: Client, jetstream: JetStreamContext
) -> None:
    await sign_up(client, jetstream)
    page = await client.get("/sign-in?next=/messages?before=42")
    assert 'action="/sign-in?next=%2Fmessages%3Fbefore%3D42"' in await page.get_data(as_text=True)
    for asked, kept in (("/messages?before=42", "/messages?before=42"), ("//evil.test", "/")):
        response = await submit(
            client, f"/sign-in?next={quote(asked)}", email="ada@example.com", password=PASSWORD
        )
        assert response.status_code == 303
        assert parse_qs(urlsplit(response.headers["Location"]).query)["next"] == [kept]


async def test_wrong_password_and_unknown_email_get_the_same_401(
    client: Client, jetstream: JetStreamContext
) -> None:
    await sign_up(client, jetstream)
    wrong = await submit(client, "/sign-in", email="ada@example.com", password="not the password")
    unknown = await submit(client, "/sign-in", email="who@example.com", password="not the password")
    for response in (wrong, unknown):
        assert response.status_code == 401
        html = await response.get_data(as_text=True)
        assert "Wrong e-mail address or password." in html and "<html" in html
        assert not [c for c in response.headers.getlist("Set-Cookie") if "auth_session" in c]
    fragment = await submit(
        client, "/sign-in", htmx=True, email="who@example.com", password="not the password"
    )
    assert fragment.status_code == 401
    assert (await fragment.get_data(as_text=True)).lstrip().startswith("<form")


async def test_a_sign_in_error_replaces_the_success_notice(
    client: Client, jetstream: JetStreamContext
) -> None:
    """The notice lives inside the form htmx swaps, so an error never shows beside it."""
    await sign_up(client, jetstream)
    page = await (await client.get("/sign-in?notice=password-set")).get_data(as_text=True)
    form = page[page.index("<form") : page.index("</form>")]
    assert "Your password is set" in form
    response = await client.post(
        "/sign-in?notice=password-set",
        form={"csrf_token": _csrf_in(page), "email": "ada@example.com", "password": "nope"},
        headers={"HX-Request": "true"},
    )
    fragment = await response.get_data(as_text=True)
    assert response.status_code == 401
    assert "Wrong e-mail address or password." in fragment
    assert "Your password is set" not in fragment
    assert fragment.lstrip().startswith("<form")


def _csrf_in(html: str) -> str:
    return html.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]


async def test_token_check_rejects_calls_without_the_service_secret(client: Client) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "dev-only"}):
        for path in (
            "/internal/token-check",
            "/internal/handoff/redeem",
            "/internal/sessions/revoke",
        ):
            response = await client.post(
                path, json={"token": "x", "code": "x"}, headers=headers, scope_base=INTERNAL_SCOPE
            )
            assert response.status_code == 401


async def test_token_check_says_invalid_for_unknown_and_expired_tokens(
    infrastructure_env: dict[str, Any], jetstream: JetStreamContext
) -> None:
    app = create_app(AuthSettings(**infrastructure_env | {"session_absolute_ttl": 1}))
    async with app.test_app() as test_app:
        client = test_app.test_client()
        assert await _check(client, "unknown") == {"valid": False}
        await sign_up(client, jetstream)
        token = (await (await _redeem(client, await sign_in(client))).get_json())["access_token"]
        async with asyncio.timeout(5):
            while (await _check(client, token))["valid"]:
                await asyncio.sleep(0.2)
        assert await _check(client, token) == {"valid": False}


async def test_sign_out_revokes_the_session_and_publishes_session_revoked(
    client: Client, jetstream: JetStreamContext
) -> None:
    await sign_up(client, jetstream)
    body = await (await _redeem(client, await sign_in(client))).get_json()
    token = await _csrf_from_home(client)
    response = await client.post("/sign-out", form={"csrf_token": token})
    assert response.status_code == 303
    assert response.headers["Location"] == "/sign-in?notice=signed-out"
    assert await _check(client, body["access_token"]) == {"valid": False}
    [revoked] = await wait_for_events(jetstream, SessionRevoked.SUBJECT)
    assert isinstance(revoked, SessionRevoked)
    assert (revoked.user_id, revoked.session_id) == (body["user_id"], body["session_id"])
    assert "You are signed in" not in await (await client.get("/")).get_data(as_text=True)


async def test_sign_out_without_csrf_is_refused_and_changes_nothing(
    client: Client, jetstream: JetStreamContext
) -> None:
    await sign_up(client, jetstream)
    body = await (await _redeem(client, await sign_in(client))).get_json()
    for form in ({}, {"csrf_token": "forged"}):
        assert (await client.post("/sign-out", form=form)).status_code == 400
        assert (await client.post("/sign-out-everywhere", form=form)).status_code == 400
    assert (await _check(client, body["access_token"]))["valid"] is True


async def test_sign_out_everywhere_revokes_every_session_of_the_user(
    client: Client, auth_app: Any, jetstream: JetStreamContext
) -> None:
    await sign_up(client, jetstream)
    other_browser = auth_app.test_client()
    first = await (await _redeem(client, await sign_in(other_browser))).get_json()
    second = await (await _redeem(client, await sign_in(client))).get_json()
    response = await client.post(
        "/sign-out-everywhere", form={"csrf_token": await _csrf_from_home(client)}
    )
    assert response.status_code == 303
    for body in (first, second):
        assert await _check(client, body["access_token"]) == {"valid": False}
    # With the session choosing the password began (sign_up).
    revoked = await wait_for_events(jetstream, SessionRevoked.SUBJECT, 3)
    ids = {e.session_id for e in revoked if isinstance(e, SessionRevoked)}
    assert len(ids) == 3 and {first["session_id"], second["session_id"]} <= ids


async def test_chat_can_revoke_a_session_through_the_internal_api(
    client: Client, jetstream: JetStreamContext
) -> None:
    await sign_up(client, jetstream)
    body = await (await _redeem(client, await sign_in(client))).get_json()
    response = await client.post(
        "/internal/sessions/revoke",
        json={"token": body["access_token"]},
        headers=SECRET,
        scope_base=INTERNAL_SCOPE,
    )
    assert response.status_code == 204
    assert await _check(client, body["access_token"]) == {"valid": False}
    [revoked] = await wait_for_events(jetstream, SessionRevoked.SUBJECT)
    assert isinstance(revoked, SessionRevoked) and revoked.session_id == body["session_id"]


async def test_chat_can_sign_out_every_device_through_the_internal_api(
    client: Client, auth_app: Any, jetstream: JetStreamContext
) -> None:
    await sign_up(client, jetstream)
    await sign_up(client, jetstream, email="bob@example.com", display_name="Bob")
    laptop = await (await _redeem(client, await sign_in(auth_app.test_client()))).get_json()
    phone = await (await _redeem(client, await sign_in(auth_app.test_client()))).get_json()
    bob_browser = auth_app.test_client()
    bob = await (await _redeem(client, await sign_in(bob_browser, "bob@example.com"))).get_json()
    unauthorised = await client.post(
        "/internal/sessions/revoke-all",
        json={"token": phone["access_token"]},
        scope_base=INTERNAL_SCOPE,
    )
    assert unauthorised.status_code == 401
    assert (await _check(client, phone["access_token"]))["valid"] is True
    response = await client.post(
        "/internal/sessions/revoke-all",
        json={"token": phone["access_token"]},
        headers=SECRET,
        scope_base=INTERNAL_SCOPE,
    )
    assert response.status_code == 204
    for body in (laptop, phone):
        assert await _check(client, body["access_token"]) == {"valid": False}
    assert (await _check(client, bob["access_token"]))["valid"] is True  # only Ada's
    # With the session Ada's choosing the password began (sign_up); Bob's stays.
    revoked = await wait_for_events(jetstream, SessionRevoked.SUBJECT, 3)
    ids = {e.session_id for e in revoked if isinstance(e, SessionRevoked)}
    assert len(ids) == 3 and {laptop["session_id"], phone["session_id"]} <= ids
    unknown = await client.post(
        "/internal/sessions/revoke-all",
        json={"token": "made-up"},
        headers=SECRET,
        scope_base=INTERNAL_SCOPE,
    )
    assert unknown.status_code == 204


async def _csrf_from_home(client: Client) -> str:
    from tests.integration.auth_svc.conftest import csrf_token

    return await csrf_token(client, "/")


async def test_a_sign_in_without_chat_state_goes_to_chat_to_bind_one_first(
    auth_app: Quart, client: Client, jetstream: JetStreamContext
) -> None:
    """Login CSRF: a code only ever leaves auth beside the state chat bound to the browser."""
    await sign_up(client, jetstream)
    response = await submit(client, "/sign-in?next=/x", email="ada@example.com", password=PASSWORD)
    assert response.status_code == 303
    assert response.headers["Location"] == "http://127.0.0.1:8002/sign-in?next=%2Fx"
    # Chat comes back with a state: already signed in here, the hand-off needs no password.
    again = await client.get(f"/sign-in?next=/x&state={STATE}")
    assert again.status_code == 303
    location = urlsplit(again.headers["Location"])
    assert location.path == "/session/start"
    query = parse_qs(location.query)
    assert query["state"] == [STATE] and query["next"] == ["/x"]
    redeemed = await _redeem(client, query["code"][0])
    assert redeemed.status_code == 200
    # A state of the wrong shape, or no live session: the form, no code.
    assert (await client.get("/sign-in?state=short")).status_code == 200
    assert (await auth_app.test_client().get(f"/sign-in?state={STATE}")).status_code == 200


async def test_the_sign_in_page_is_everyones_own_though_its_static_parts_are_kept(
    auth_app: Quart, jetstream: JetStreamContext
) -> None:
    """The page is rendered once per notice; the token and the action are each visitor's."""
    await sign_up(auth_app.test_client(), jetstream)
    path = f"/sign-in?next=/rooms/a%26b&state={STATE}"
    ada, bob = auth_app.test_client(), auth_app.test_client()
    pages = [await (await c.get(path)).get_data(as_text=True) for c in (ada, bob, ada)]
    tokens = [CSRF_FIELD.search(page).group(1) for page in pages]  # type: ignore[union-attr]
    assert tokens[0] != tokens[1] and "placeholder" not in "".join(pages)
    action = f"/sign-in?next=%2Frooms%2Fa%26b&amp;state={STATE}"
    assert f'action="{action}" hx-post="{action}"' in pages[1]
    assert 'action="/sign-in" ' in await (await ada.get("/sign-in")).get_data(as_text=True)
    signed_out = await (await bob.get("/sign-in?notice=signed-out")).get_data(as_text=True)
    assert "You are signed out." in signed_out
    assert "You are signed out." not in await (await bob.get("/sign-in")).get_data(as_text=True)
    # Each visitor's token is the one their own form session accepts.
    form = {"csrf_token": tokens[1], "email": "ada@example.com", "password": PASSWORD}
    assert (await bob.post(path, form=form)).status_code == 303
    form = {"csrf_token": tokens[1], "email": "ada@example.com", "password": PASSWORD}
    assert (await ada.post(path, form=form)).status_code == 422
