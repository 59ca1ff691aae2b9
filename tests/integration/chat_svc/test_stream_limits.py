"""What bounds the live stream: one cookie parser for pages and the stream, streams per session
and per client address."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import httpx
from httpx_sse import aconnect_sse

from tests.integration.chat_svc.conftest import AppFactory, serve
from tests.integration.chat_svc.fake_auth import FakeAuth
from tests.integration.chat_svc.test_streams import (
    Events,
    next_event,
    open_stream,
    post,
    signed_in_client,
)


@asynccontextmanager
async def stream_with_cookie_header(
    base_url: str, cookie_header: str, query: str = ""
) -> AsyncIterator[tuple[httpx.Response, Events]]:
    async with (
        httpx.AsyncClient(base_url=base_url) as client,
        aconnect_sse(client, "GET", f"/events{query}", headers={"Cookie": cookie_header}) as source,
    ):
        yield source.response, source.aiter_sse()


async def test_a_malformed_sibling_cookie_does_not_hide_the_session_from_the_stream(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    # A sibling app on the same host may set a cookie the stdlib parser chokes on; pages
    # still see the session, so the stream must too (or the tab reloads forever).
    ada = fake_auth.sign_in("Ada")
    header = f'a=b"c; chat_session={ada.token}'
    async with serve(make_chat_app()) as base:
        async with httpx.AsyncClient(base_url=base, headers={"Cookie": header}) as page_client:
            page = await page_client.get("/")
            assert page.status_code == 200, "the page sees the session"
        async with signed_in_client(base, ada) as poster:
            await post(poster, "hello")
        async with stream_with_cookie_header(base, header, "?after=0") as (_, events):
            event = await next_event(events)
            assert event is not None and event.event == "message", event


async def test_a_session_keeps_only_its_newest_streams_the_oldest_is_told_why(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    ada = fake_auth.sign_in("Ada")
    async with serve(make_chat_app(streams_per_session=2)) as base, AsyncExitStack() as stack:
        oldest = await stack.enter_async_context(open_stream(base, ada.token))
        await stack.enter_async_context(open_stream(base, ada.token))
        response, _ = await stack.enter_async_context(open_stream(base, ada.token))
        assert response.status_code == 200
        closing = await next_event(oldest[1])
        assert closing is not None and closing.event == "too-many-streams"
        assert await next_event(oldest[1]) is None  # and that stream is closed


async def test_one_client_address_cannot_hold_more_than_its_share_of_streams(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    people = [fake_auth.sign_in(name) for name in ("Ada", "Bob", "Cy", "Di")]
    async with serve(make_chat_app(streams_per_address=3)) as base, AsyncExitStack() as stack:
        for person in people[:3]:
            response, _ = await stack.enter_async_context(open_stream(base, person.token))
            assert response.status_code == 200
        refused, _ = await stack.enter_async_context(open_stream(base, people[3].token))
        assert refused.status_code == 429
