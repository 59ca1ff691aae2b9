"""The live stream over real sockets: fan-out across replicas, resume, sign-out."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from httpx_sse import ServerSentEvent, aconnect_sse
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from chat_svc.actions.message_publisher import REPUBLISHED_HEADER, LivePublisher
from chat_svc.events import MessagePosted
from chat_svc.live.sse_frames import frame
from chat_svc.live.stream_client import CloseReason
from chat_svc.services import services_of
from service_kit.messaging.jetstream import connect_nats
from service_kit.messaging.nats_credentials import dev_admin_options
from service_kit.serving.http_limits import HeaderLimitedHttpToolsProtocol
from tests.integration.chat_svc.conftest import AppFactory, csrf_token_in, serve
from tests.integration.chat_svc.fake_auth import FakeAuth, FakeSession
from tests.support.servers import NatsServer
from tests.support.stored_events import stored_messages

Events = AsyncIterator[ServerSentEvent]


@asynccontextmanager
async def open_stream(
    base_url: str, token: str, query: str = "", last_event_id: int | str | None = None
) -> AsyncIterator[tuple[httpx.Response, Events]]:
    headers = {"Last-Event-ID": str(last_event_id).encode("latin-1")} if last_event_id else {}
    async with (
        httpx.AsyncClient(base_url=base_url, cookies={"chat_session": token}) as client,
        aconnect_sse(client, "GET", f"/events{query}", headers=headers) as source,
    ):
        yield source.response, source.aiter_sse()


async def next_event(events: Events, skip: tuple[str, ...] = ("here",)) -> ServerSentEvent | None:
    """The next real event (the opening ``retry:`` line, heartbeats and, unless asked for,
    who-is-here updates are skipped); None once closed."""
    async with asyncio.timeout(10):  # a safety net, not a timed assertion
        async for event in events:
            if (
                event.event == "heartbeat"
                or (event.event == "message" and not event.data)
                or event.event in skip
            ):
                continue
            return event
    return None


async def next_ids(events: Events, count: int) -> list[int]:
    ids = []
    for _ in range(count):
        event = await next_event(events)
        assert event is not None and event.event == "message"
        ids.append(int(event.id))
    return ids


@asynccontextmanager
async def signed_in_client(base_url: str, session: FakeSession) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        base_url=base_url, cookies={"chat_session": session.token}
    ) as client:
        yield client


async def post(client: httpx.AsyncClient, body: str) -> None:
    page = await client.get("/rooms/general")
    response = await client.post(
        "/messages", data={"body": body, "csrf_token": csrf_token_in(page.text)}
    )
    assert response.status_code == 303, response.text


async def test_a_message_posted_on_one_replica_reaches_clients_of_both_in_order(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    ada, grace = fake_auth.sign_in("Ada"), fake_auth.sign_in("Grace")
    async with (
        serve(make_chat_app()) as first,
        serve(make_chat_app()) as second,
        open_stream(first, ada.token, "?after=0") as (response, on_first),
        open_stream(second, grace.token, "?after=0") as (_, on_second),
        signed_in_client(first, ada) as poster,
    ):
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["x-accel-buffering"] == "no"
        await post(poster, "one")
        await post(poster, "<script>alert(1)</script>\ntwo lines")
        await post(poster, "three")
        first_ids = await next_ids(on_first, 3)
        second_ids = await next_ids(on_second, 3)
    assert first_ids == second_ids
    assert first_ids == sorted(first_ids) and len(set(first_ids)) == 3


async def test_concurrent_posts_on_two_replicas_reach_every_stream_in_id_order(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    # Ids are taken before the message is stored and published, so posts in flight at once
    # reach NATS in either order; a stream must still only see ids go up, or a resume from
    # Last-Event-ID would skip the one that came late.
    ada, grace = fake_auth.sign_in("Ada"), fake_auth.sign_in("Grace")
    async with (
        serve(make_chat_app()) as first,
        serve(make_chat_app()) as second,
        open_stream(first, ada.token, "?after=0") as (_, on_first),
        open_stream(second, grace.token, "?after=0") as (_, on_second),
        signed_in_client(first, ada) as via_first,
        signed_in_client(second, grace) as via_second,
    ):
        # Each person has the page open (one CSRF token), then sends quickly.
        tokens = [
            csrf_token_in((await client.get("/rooms/general")).text)
            for client in (via_first, via_second)
        ]
        responses = await asyncio.gather(
            *(
                client.post("/messages", data={"body": f"{n}", "csrf_token": token})
                for n in range(12)
                for client, token in zip((via_first, via_second), tokens, strict=True)
            )
        )
        assert [response.status_code for response in responses] == [303] * 24
        first_ids = await next_ids(on_first, 24)
        second_ids = await next_ids(on_second, 24)
    assert first_ids == sorted(first_ids)
    assert second_ids == first_ids
    assert len(set(first_ids)) == 24


async def test_a_message_event_carries_escaped_html_with_its_line_breaks(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    ada = fake_auth.sign_in("Ada")
    async with (
        serve(make_chat_app()) as base,
        open_stream(base, ada.token, "?after=0") as (_, events),
        signed_in_client(base, ada) as poster,
    ):
        await post(poster, "<script>alert(1)</script>\nsecond line")
        event = await next_event(events)
    assert event is not None and event.id == "1"
    # A line break is a <br> since formatted text (issue 34), and the newline stays.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<br>\nsecond line" in event.data
    assert "<script>" not in event.data
    assert '<time datetime="' in event.data and "Ada" in event.data


async def test_a_reconnecting_client_gets_exactly_the_missed_messages_once(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    ada = fake_auth.sign_in("Ada")
    async with serve(make_chat_app()) as base, signed_in_client(base, ada) as poster:
        async with open_stream(base, ada.token, "?after=0") as (_, events):
            await post(poster, "before the drop")
            assert await next_ids(events, 1) == [1]
        # The connection dropped; two messages are sent during the gap.
        await post(poster, "during the gap 1")
        await post(poster, "during the gap 2")
        # The page's own reconnect (?after=) and the browser's (Last-Event-ID, which wins).
        async with (
            open_stream(base, ada.token, "?after=1") as (_, by_query),
            open_stream(base, ada.token, "?after=0", last_event_id=1) as (_, by_header),
        ):
            assert await next_ids(by_query, 2) == [2, 3]
            assert await next_ids(by_header, 2) == [2, 3]
            await post(poster, "after the reconnect")
            assert await next_ids(by_query, 1) == [4]
            assert await next_ids(by_header, 1) == [4]


def stream_tasks(tasks: set[asyncio.Task[Any]]) -> list[str]:
    """The tasks serving requests: uvicorn's and chat's (not the database driver's)."""
    names = [task.get_coro().__qualname__ for task in tasks]  # type: ignore[union-attr]
    return [name for name in names if "run_asgi" in name or "_watch" in name]


@pytest.mark.parametrize("protocol", ["httptools", HeaderLimitedHttpToolsProtocol])
async def test_under_uvicorn_an_open_stream_is_one_task_and_live_messages_skip_it(
    make_chat_app: AppFactory, fake_auth: FakeAuth, protocol: Any
) -> None:
    # The fan-out writes live chunks straight to uvicorn's transport (live/socket_writes.py),
    # and the stream's own task notices a disconnect: no second task per idle stream. Also
    # under the protocol devstack and the image run (service_kit/serving/http_limits.py).
    ada = fake_auth.sign_in("Ada")
    app = make_chat_app()
    async with (
        serve(app, http=protocol) as base,
        signed_in_client(base, ada) as poster,
    ):
        fanout = services_of(app).live.fanout
        async with open_stream(base, ada.token, "?after=0") as (_, first):
            await post(poster, "warm every path")
            assert await next_ids(first, 1) == [1]
            await asyncio.sleep(0.2)  # the POST's own task has ended
            before = asyncio.all_tasks()
            async with (
                open_stream(base, ada.token, "?after=1") as (_, second),
                open_stream(base, ada.token, "?after=1") as (_, third),
            ):
                assert len(stream_tasks(asyncio.all_tasks() - before)) == 2
                await post(poster, "two")
                await post(poster, "three")
                assert await next_ids(second, 2) == [2, 3]
                assert await next_ids(third, 2) == [2, 3]
            # The two closed tabs are noticed by the streams' own tasks waiting on the sink.
            async with asyncio.timeout(10):
                while len(fanout.clients) > 1:
                    await asyncio.sleep(0.02)
            assert await next_ids(first, 2) == [2, 3]
        # The streams that ended were marked read; a resume still gets exactly what it missed.
        await post(poster, "four")
        async with open_stream(base, ada.token, last_event_id=2) as (_, resumed):
            assert await next_ids(resumed, 2) == [3, 4]


async def test_after_a_nats_reconnect_streams_resume_and_miss_nothing(
    make_chat_app: AppFactory, fake_auth: FakeAuth, nats_server: NatsServer
) -> None:
    # Core NATS drops what is published while a replica reconnects, so the replica ends its
    # streams and every client resumes from the last id it holds.
    ada = fake_auth.sign_in("Ada")
    # Stored while NATS is down: posts acknowledged by the database (the log answers 503).
    app = make_chat_app(posts_acknowledged_by="database")
    async with serve(app) as base, signed_in_client(base, ada) as poster:
        async with open_stream(base, ada.token, "?after=0") as (_, events):
            await post(poster, "before the outage")
            assert await next_ids(events, 1) == [1]
            nats_server.stop()
            try:
                await post(poster, "while NATS is down")  # stored and cached, not published
            finally:
                nats_server.start()
            assert await next_event(events) is None  # the stream ends once NATS is back
        async with open_stream(base, ada.token, last_event_id=1) as (_, resumed):
            assert await next_ids(resumed, 1) == [2]


@asynccontextmanager
async def cut_off(
    publisher: LivePublisher, nats_url: str, *, core_too: bool
) -> AsyncIterator[None]:
    """Publishes through a closed NATS connection fail meanwhile: JetStream's, and with
    ``core_too`` also the copy sent at once over core NATS."""
    gone = await connect_nats(nats_url, "gone", **dev_admin_options())
    await gone.close()
    working = publisher.nats, publisher.js
    publisher.js = gone.jetstream()
    if core_too:
        publisher.nats = gone
    try:
        yield
    finally:
        publisher.nats, publisher.js = working


async def stored_once_settled(
    publisher: LivePublisher, jetstream: JetStreamContext, body: bytes
) -> list[Msg]:
    """Once the publisher has nothing left to publish again: the copies of general's
    ``MessagePosted`` events with ``body`` that JetStream holds."""
    async with asyncio.timeout(10):  # a safety net, not a timed assertion
        while publisher.republishing:
            await asyncio.sleep(0.05)
    posted = await stored_messages(jetstream, "CHAT_EVENTS", MessagePosted.subject_for("general"))
    return [message for message in posted if body in message.data]


async def test_a_post_whose_publish_failed_reaches_every_stream_once(
    make_chat_app: AppFactory, fake_auth: FakeAuth, nats_url: str, jetstream: JetStreamContext
) -> None:
    # The poster's NATS node died mid-publish: the message is stored, its publish failed.
    # Streams on a replica that stayed connected never resume, so the post is sent again
    # before the POST answers (the sender's next post, even with a reorder window far
    # shorter than any retry, comes after it) and published until JetStream takes it; each
    # stream shows it once, also where a copy had arrived already.
    ada = fake_auth.sign_in("Ada")
    poster_app = make_chat_app(posts_acknowledged_by="database")  # stored, then published
    async with (
        serve(poster_app) as first,
        serve(make_chat_app(reorder_window_seconds=0.05)) as second,
        open_stream(second, ada.token, "?after=0") as (_, watching),
        signed_in_client(first, ada) as poster,
    ):
        await post(poster, "before")
        assert await next_ids(watching, 1) == [1]
        publisher = services_of(poster_app).actions.messages.publisher
        async with cut_off(publisher, nats_url, core_too=False):
            await post(poster, "lost on its way")
        await post(poster, "after")
        assert await next_ids(watching, 2) == [2, 3]
        # JetStream kept one copy.
        [stored] = await stored_once_settled(publisher, jetstream, b"lost on its way")

        # Another copy (a first publish that arrived after all) reaches no stream twice:
        # neither the one that showed it live nor one that resumed past it on a replica that
        # only now follows the room (it cannot tell the copy from a message published late).
        async with open_stream(first, ada.token, last_event_id=3) as (_, resumed):
            assert stored.headers is not None and REPUBLISHED_HEADER in stored.headers
            await jetstream.publish(
                stored.subject, stored.data, headers=stored.headers | {REPUBLISHED_HEADER: "9"}
            )
            await post(poster, "next")
            assert await next_ids(watching, 1) == [4]
            assert await next_ids(resumed, 1) == [4]


async def test_a_post_neither_published_nor_sent_again_is_published_later(
    make_chat_app: AppFactory, fake_auth: FakeAuth, nats_url: str, jetstream: JetStreamContext
) -> None:
    # The replica's connection was gone for the publish and for the copy sent at once: the
    # attempts in the background bring the post to the streams and to JetStream (whose
    # consumers, such as mention e-mails, would otherwise never hear of it).
    ada = fake_auth.sign_in("Ada")
    poster_app = make_chat_app(posts_acknowledged_by="database")  # stored, then published
    async with (
        serve(poster_app) as base,
        open_stream(base, ada.token, "?after=0") as (_, watching),
        signed_in_client(base, ada) as poster,
    ):
        publisher = services_of(poster_app).actions.messages.publisher
        async with cut_off(publisher, nats_url, core_too=True):
            await post(poster, "sent while cut off")
        assert await next_ids(watching, 1) == [1]
        assert len(await stored_once_settled(publisher, jetstream, b"sent while cut off")) == 1


async def test_a_client_too_far_behind_is_told_to_reload(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    ada = fake_auth.sign_in("Ada")
    async with (
        serve(make_chat_app(max_resume_backlog=2)) as base,
        signed_in_client(base, ada) as poster,
    ):
        for number in range(4):
            await post(poster, f"message {number}")
        async with open_stream(base, ada.token, "?after=1") as (_, events):
            event = await next_event(events)
            assert event is not None and event.event == "reload"
            assert await next_event(events) is None  # and the stream is closed


async def test_an_invalid_session_gets_a_closed_stream(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    async with (
        serve(make_chat_app(auth_public_url="http://auth.test")) as base,
        open_stream(base, "not-a-token") as (_, events),
    ):
        event = await next_event(events)
        assert event is not None and event.event == "signed-out"
        assert event.data == "/sign-in?next=%2F"  # chat's own, which goes on to auth
        assert await next_event(events) is None


async def test_signing_out_in_one_tab_closes_the_stream_of_another_on_another_replica(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    ada = fake_auth.sign_in("Ada")
    bob = fake_auth.sign_in("Bob")
    async with (
        serve(make_chat_app(auth_public_url="http://auth.test")) as first,
        serve(make_chat_app()) as second,
        open_stream(second, ada.token, "?after=0") as (_, ada_events),
        open_stream(second, bob.token, "?after=0") as (_, bob_events),
        signed_in_client(first, ada) as tab,
    ):
        page = await tab.get("/rooms/general")
        response = await tab.post("/sign-out", data={"csrf_token": csrf_token_in(page.text)})
        assert response.status_code == 303
        assert response.headers["location"] == "http://auth.test/sign-in?notice=signed-out"
        assert response.headers["set-cookie"].startswith("chat_session=; ")
        closing = await next_event(ada_events)
        assert closing is not None and closing.event == "signed-out"
        assert await next_event(ada_events) is None
        # Another person's stream stays open and keeps receiving.
        async with signed_in_client(first, bob) as other:
            await post(other, "still here")
        assert await next_ids(bob_events, 1) == [1]


@pytest.mark.parametrize("protocol", ["httptools", HeaderLimitedHttpToolsProtocol])
async def test_a_client_that_stops_reading_is_dropped_then_told_to_reload(
    make_chat_app: AppFactory, fake_auth: FakeAuth, protocol: Any
) -> None:
    # Live chunks go straight to the socket until it is full and uvicorn pauses writing;
    # from then on they wait in the stream's bounded buffer, and past it the stream is
    # dropped: nothing is buffered without end for a client that stopped reading.
    ada = fake_auth.sign_in("Ada")
    app = make_chat_app(client_buffer_frames=8)
    loop = asyncio.get_running_loop()
    async with serve(app, http=protocol) as base:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.setblocking(False)
        with sock:
            await loop.sock_connect(sock, ("127.0.0.1", int(base.rsplit(":", 1)[1])))
            request = f"GET /events HTTP/1.1\r\nHost: x\r\nCookie: chat_session={ada.token}\r\n\r\n"
            await loop.sock_sendall(sock, request.encode())
            fanout = services_of(app).live.fanout
            async with asyncio.timeout(10):
                while not any(client.sink for client in fanout.clients):
                    await asyncio.sleep(0.01)
            (client,) = fanout.clients
            async with asyncio.timeout(10):
                message_id = 0
                while client.close_reason is None:
                    message_id += 1
                    fanout.deliver("general", message_id, frame("message", "x" * 50_000))
                    await asyncio.sleep(0.005)
            assert client.close_reason is CloseReason.TOO_SLOW
            assert client.pending == []
            received = b""
            async with asyncio.timeout(10):  # reading again: what was sent, then the reload
                while not received.endswith(b"\r\n0\r\n\r\n"):
                    chunk = await loop.sock_recv(sock, 1 << 16)
                    assert chunk, received[-200:]
                    received += chunk
        assert b"event: reload\ndata: too far behind\n\n" in received
