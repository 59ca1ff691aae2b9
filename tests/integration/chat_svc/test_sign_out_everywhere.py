"""Sign out on every device from the chat: the route and the shared control for the page."""

from __future__ import annotations

from quart import render_template

from chat_svc.web.forms import SignOutForm
from tests.integration.chat_svc.conftest import AppFactory, csrf_token_in, serve
from tests.integration.chat_svc.fake_auth import FakeAuth
from tests.integration.chat_svc.test_streams import (
    next_event,
    next_ids,
    open_stream,
    post,
    signed_in_client,
)


async def test_signing_out_everywhere_from_the_chat_ends_every_device_of_that_person(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    laptop = fake_auth.sign_in("Ada")
    phone = fake_auth.sign_in("Ada", user_id=laptop.user_id)
    bob = fake_auth.sign_in("Bob")
    async with (
        serve(make_chat_app(auth_public_url="http://auth.test")) as first,
        serve(make_chat_app()) as second,
        open_stream(second, phone.token, "?after=0") as (_, phone_events),
        open_stream(second, bob.token, "?after=0") as (_, bob_events),
        signed_in_client(first, laptop) as tab,
    ):
        page = await tab.get("/rooms/general")
        response = await tab.post(
            "/sign-out-everywhere", data={"csrf_token": csrf_token_in(page.text)}
        )
        assert response.status_code == 303
        assert response.headers["location"] == (
            "http://auth.test/sign-in?notice=signed-out-everywhere"
        )
        assert response.headers["set-cookie"].startswith("chat_session=; ")
        closing = await next_event(phone_events)
        assert closing is not None and closing.event == "signed-out"
        assert laptop.revoked and phone.revoked and not bob.revoked
        async with signed_in_client(first, bob) as other:
            await post(other, "still here")
        assert await next_ids(bob_events, 1) == [1]


async def test_signing_out_everywhere_needs_the_pages_csrf_token(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    ada = fake_auth.sign_in("Ada")
    async with serve(make_chat_app()) as base, signed_in_client(base, ada) as tab:
        response = await tab.post("/sign-out-everywhere", data={"csrf_token": "forged"})
        assert response.status_code == 400
        assert not ada.revoked


async def test_the_shared_control_renders_in_the_chat_app_with_its_csrf_token(
    make_chat_app: AppFactory,
) -> None:
    app = make_chat_app()
    async with app.test_request_context("/"):
        html = await render_template(
            "partials/sign_out_everywhere.html", sign_out_form=SignOutForm(None)
        )
    assert '<form class="sign-out-everywhere" method="post" action="/sign-out-everywhere"' in html
    assert 'data-confirm="Sign out on every device?' in html
    assert csrf_token_in(html)
    assert "Sign out on every device</button>" in html
