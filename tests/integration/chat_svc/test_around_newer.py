"""Issue 32: the room page around a message reads forward with "load newer" pages, with
HTMX and without JavaScript, to the newest message: no gap, no message twice, and the page
has no live stream until the last page (newer-messages.js starts it from there)."""

from __future__ import annotations

import re

from chat_svc.auth.auth_client import Viewer
from chat_svc.services import services_of
from tests.integration.chat_svc.conftest import AppFactory, message_ids_in
from tests.integration.chat_svc.fake_auth import FakeAuth
from tests.integration.chat_svc.people import Person, sign_in

NEWER_LINK = re.compile(r'href="(/rooms/general/messages/newer\?after=\d+)"')


async def read_forward(reader: Person, path: str, htmx: bool) -> tuple[list[int], str]:
    """Every message the "newer" pages show from ``path`` on, and the last page."""
    seen: list[int] = []
    while True:
        status, page = await reader.get(path, htmx=htmx)
        assert status == 200, page
        seen += message_ids_in(page)
        links = NEWER_LINK.findall(page)
        if not links:
            return seen, page
        path = links[0]


async def test_load_newer_reads_on_to_the_newest_with_no_gap_or_duplicate(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    async with make_chat_app(page_size=5).test_app() as test_app:
        ada = sign_in(test_app, fake_auth, "Ada")
        await ada.csrf()
        feed = services_of(test_app.app).actions.messages  # type: ignore[attr-defined]
        author = Viewer("s-ada", ada.user_id, "ada@example.com", "Ada")

        async def post(body: str) -> int:
            return (await feed.post(author, "general", body, rate_limited=False)).message_id

        written = [await post(f"n{n}") for n in range(22)]
        status, around = await ada.get(f"/rooms/general?around={written[3]}")
        assert status == 200, around
        assert message_ids_in(around) == written[:9]
        assert "sse-connect" not in around  # no stream yet: it would skip what lies between
        # Posted after the page was read: the pages still reach it.
        written.append(await post("after the page"))
        first_newer = NEWER_LINK.findall(around)
        assert first_newer == [f"/rooms/general/messages/newer?after={written[8]}"]

        for htmx in (True, False):
            newer, last_page = await read_forward(ada, first_newer[0], htmx)
            assert written[:9] + newer == written
            if htmx:  # the control that tells newer-messages.js to start the stream
                assert re.search(r'id="newer-control"[^>]*data-at-newest', last_page)
            else:
                assert "These are the newest messages." in last_page

        status, room = await ada.get("/rooms/general")
        assert status == 200 and "sse-connect" in room and "newer-control" not in room
        status, _ = await ada.get("/rooms/general/messages/newer?after=nope")
        assert status == 400
