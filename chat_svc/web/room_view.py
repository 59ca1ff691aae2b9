"""What the room page shows one viewer: read once, then rendered either by Quart (any page
with something unusual: a form in error, a fresh session) or by the fast path
(web/fast_paths/room_page_fast_path.py). Both call ``load_room_page``, so they cannot
disagree on what is shown, only on how it is turned into bytes."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from chat_svc.actions.message_feed import CACHE_ERRORS, TooFarBehindError
from chat_svc.auth.auth_client import Viewer
from chat_svc.member_lines.page_lines import lines_for_page
from chat_svc.models.rooms import Room
from chat_svc.reads.room_snapshot import RoomSnapshot, snapshot_from_store
from chat_svc.reads.sidebar import RoomPlace, Sidebar
from chat_svc.services import ChatServices
from chat_svc.web.conversation import RenderedMessage
from chat_svc.web.here_now import here_html, with_viewer

log = logging.getLogger(__name__)

# The most unread messages a room page opens with (all of them, from the first unread).
UNREAD_WINDOW = 200

# Starts a job once the answer is on its way (Quart's ``run_after_response``, or the fast
# path's own list of jobs).
Later = Callable[..., None]
Job = Callable[..., Awaitable[None]]


@dataclass(frozen=True)
class RoomPage:
    room: Room
    sidebar: Sidebar
    messages: list[RenderedMessage]
    messages_html: Markup
    last_id: int
    # A full page may have older messages before it; a short one cannot.
    older_before: int | None
    here: Markup | None
    member: bool
    member_count: int
    # The around view (``?around=``) ends before the newest messages: a link to them.
    newer_link: bool = False
    shown_newest: int = 0  # where "load newer" reads on from (around_view/newer_messages.py)

    def context(self) -> dict[str, Any]:
        """The template variables ``chat.html`` reads from the page's state."""
        return {
            "room": self.room,
            "messages": self.messages,
            "messages_html": self.messages_html,
            "last_id": self.last_id,
            "older_before": self.older_before,
            "here": self.here,
            "member_count": self.member_count,
            "sidebar": self.sidebar,
            "member": self.member,
            "newer_link": self.newer_link,
            "newer_after": self.shown_newest if self.newer_link else None,
        }


async def room_snapshot(
    services: ChatServices, user_id: str, slug: str | None, count: int = 0
) -> RoomSnapshot:
    """What the page shows beside its messages, from Redis in one round trip; from the
    store while Redis is unavailable (who is here is then unknown)."""
    try:
        return await services.reads.snapshots.take(user_id, slug, count)
    except CACHE_ERRORS as error:
        log.warning("page read from the store, Redis unavailable: %s", error)
        return await snapshot_from_store(user_id, slug, services.reads.snapshots.avatars)


async def _from_first_unread(
    services: ChatServices, slug: str, membership: RoomPlace, page: list[RenderedMessage]
) -> tuple[list[RenderedMessage], bool]:
    """The newest page, or, when more came since the person last read, every message from
    the first unread on: the room opens there (follow-newest.js), with the newest one
    "Jump to latest" away. Past ``UNREAD_WINDOW`` unread, the view around the first unread
    (then True: newer messages than it shows exist, behind a link)."""
    read_up_to = membership.last_read_message_id
    if page[0].record.message_id <= read_up_to + 1:
        return page, False
    try:
        since = await services.actions.messages.after(slug, read_up_to, UNREAD_WINDOW)
    except TooFarBehindError:
        records = await services.reads.history.around(
            slug, read_up_to + 1, services.settings.page_size
        )
        return services.conversation.from_records(records), True
    # An edit of an older message comes back too: only the unread ones count here.
    unread = [record for record in since if record.message_id > read_up_to]
    return (services.conversation.from_records(unread) if unread else page), False


def _here(snapshot: RoomSnapshot, viewer: Viewer) -> Markup | None:
    if snapshot.here is None:
        return None
    return here_html(with_viewer(snapshot.here, viewer.user_id, viewer.display_name))


async def load_room_page(
    services: ChatServices,
    viewer: Viewer,
    room: Room,
    later: Later,
    around: int | None = None,
    *,
    screen_reads: bool,
) -> RoomPage | None:
    """The page's state; None when the room is hidden from this person (a closed or direct
    room they are not in: answered like an unknown room). Opening the page reads the room
    up to its newest message (Redis now, the store through ``later``), unless the browser
    reports what was on screen itself (``screen_reads``, web/cookies.py). ``around``: the
    messages around that id instead, highlighted, and nothing is marked read."""
    viewer_id = viewer.user_id
    page_size = services.settings.page_size
    snapshot = await room_snapshot(services, viewer_id, room.slug, page_size)
    membership = snapshot.sidebar.membership
    if membership is None and room.kind != "open":
        return None
    conversation = services.conversation
    if snapshot.latest_json is not None:
        messages = conversation.decode(snapshot.latest_json)
    else:  # the cache was lost (rebuilt now) or Redis is unavailable
        messages = conversation.from_records(
            await services.reads.history.latest(room.slug, page_size)
        )
    if around is not None:
        newest = messages[-1].record.message_id if messages else 0
        return await _around_page(services, viewer, room, snapshot, newest, around)
    newest = messages[-1].record.message_id if messages else 0
    cut_short = False  # past UNREAD_WINDOW unread: the page ends before the newest
    if membership is not None and messages:
        messages, cut_short = await _from_first_unread(services, room.slug, membership, messages)
    shown_newest = messages[-1].record.message_id if messages else 0
    first_unread = None
    shown = messages
    if membership is not None:
        read_up_to = membership.last_read_message_id
        # Deleted before this person saw it: no "Message deleted" trace for them (issue 37);
        # its author keeps it ("Removed by an administrator" tells them why it went).
        shown = [
            m
            for m in messages
            if not (
                m.record.deleted
                and m.record.message_id > read_up_to
                and m.record.author_id != viewer_id
            )
        ]
        # One's own messages are never news: the divider goes above someone else's.
        first_unread = next(
            (
                m.record.message_id
                for m in shown
                if m.record.message_id > read_up_to and m.record.author_id != viewer_id
            ),
            None,
        )
        if membership.hidden and not room.archived:  # archived: hidden until restored
            await services.actions.memberships.show(membership, viewer_id)
        read_now = read_up_to if screen_reads or cut_short else newest
        if read_up_to < read_now or snapshot.sidebar.last_opened != room.slug:
            await services.actions.memberships.open(room.slug, viewer_id, read_now, later=later)
    older_before = messages[0].record.message_id if len(messages) >= page_size else None
    records = [m.record for m in shown]
    to_end = shown_newest >= newest
    lines = await lines_for_page(room.slug, records, from_start=older_before is None, to_end=to_end)
    return RoomPage(
        room=room,
        sidebar=snapshot.sidebar,
        messages=shown,
        messages_html=conversation.html(shown, viewer_id, first_unread, lines=lines),
        last_id=newest,
        older_before=older_before,
        here=_here(snapshot, viewer),
        member=membership is not None,
        member_count=await services.reads.member_counts.of(room.slug),
        newer_link=shown_newest < newest,
        shown_newest=shown_newest,
    )


async def _around_page(
    services: ChatServices,
    viewer: Viewer,
    room: Room,
    snapshot: RoomSnapshot,
    newest: int,
    around: int,
) -> RoomPage:
    """The messages around ``around``; the live stream still starts after the newest."""
    page_size = services.settings.page_size
    records = await services.reads.history.around(room.slug, around, page_size)
    messages = services.conversation.from_records(records)
    older = sum(1 for m in records if m.message_id < around)
    shown_newest = records[-1].message_id if records else 0
    from_start, to_end = older < page_size, shown_newest >= newest
    lines = await lines_for_page(room.slug, records, from_start=from_start, to_end=to_end)
    return RoomPage(
        room=room,
        sidebar=snapshot.sidebar,
        messages=messages,
        messages_html=services.conversation.html(
            messages, viewer.user_id, None, highlighted=around, lines=lines
        ),
        last_id=max(newest, shown_newest),
        older_before=messages[0].record.message_id if older >= page_size else None,
        here=_here(snapshot, viewer),
        member=snapshot.sidebar.membership is not None,
        member_count=await services.reads.member_counts.of(room.slug),
        newer_link=shown_newest < newest,
        shown_newest=shown_newest,
    )
