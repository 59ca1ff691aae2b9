"""The room page as fixed bytes with holes, filled per request (the fast path's renderer).

``chat.html`` itself draws each skeleton: it is rendered once per room and page shape with
a marker in every place that changes from one viewer or request to the next (the CSRF
token, the draft's key, the viewer's name, tag and avatar, the sidebar, who is here, the messages,
the newest and oldest ids). The output is split at the markers, so a page costs one join of
byte strings instead of a Jinja render (py-spy: rendering was a third of the page's CPU).

What decides the markup around the holes (the room, the page's title, member or not, empty
or not, older messages or not, who-is-here known or not) is the skeleton's key. The
template renders with ``StrictUndefined`` and only the variables below, and the markers
carry a per-process nonce: a template change that prints anything else per viewer fails
the build (the page then goes through Quart) instead of showing one person's data to
another. tests/integration/chat_svc/test_page_fast_path.py compares both renderers.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import StrictUndefined
from jinja2_fragments import render_block
from markupsafe import Markup, escape
from quart import Quart

from chat_svc.auth.auth_client import Viewer
from chat_svc.models.messages import author_tag
from chat_svc.reads.sidebar import Sidebar, SidebarEntry
from chat_svc.web.avatars import viewer_avatar
from chat_svc.web.forms import (
    ActionForm,
    CsrfSource,
    MemberForm,
    MessageForm,
    SignOutForm,
    csrf_token_of,
    new_client_id,
)
from chat_svc.web.rendering import sync_environment
from chat_svc.web.room_view import RoomPage

PAGE_TEMPLATE = "chat.html"
SIDEBAR_TEMPLATE = "_sidebar.html"
# Skeletons are per room shape: a few per room (a direct room has one title per side).
CAPACITY = 4096
# The form session the skeleton's forms are drawn with; its token becomes the marker.
_DRAWING_SESSION = {"csrf": "skeleton"}
# What a hole may hold; any other marker in the output fails the build.
HOLES = frozenset(
    {
        "csrf",
        "client_id",
        "viewer_name",
        "viewer_tag",
        "viewer_avatar",
        "sidebar",
        "here",
        "member_count",
        "messages",
        "last_id",
        "older_before",
        "newer_after",
    }
)


class SkeletonError(Exception):
    """chat.html printed something per viewer that no hole stands for."""


@dataclass(frozen=True)
class PageShape:
    slug: str
    name: str
    kind: str
    title: str
    member: bool
    has_messages: bool
    has_older: bool
    knows_here: bool
    newer_link: bool  # past 200 unread the page ends before the newest (web/room_view.py)
    level: str | None = None  # the bell menu marks the viewer's (chat_svc/push/levels/)


@dataclass(frozen=True)
class Skeleton:
    parts: tuple[bytes, ...]  # literal bytes; one more than the holes
    holes: tuple[str, ...]

    def fill(self, values: Mapping[str, bytes]) -> bytes:
        out = [self.parts[0]]
        for hole, part in zip(self.holes, self.parts[1:], strict=True):
            out.append(values[hole])
            out.append(part)
        return b"".join(out)


@dataclass(frozen=True)
class _DrawnRoom:
    """The room as the template may read it: anything else is undefined (and fails)."""

    slug: str
    name: str
    kind: str


class PageSkeletons:
    def __init__(self, app: Quart, *, max_chars: int, heartbeat_seconds: float) -> None:
        self._environment = sync_environment(app, StrictUndefined)
        self._sidebar = self._environment.get_template(SIDEBAR_TEMPLATE)
        self._app = app
        self._secret = str(app.config["SECRET_KEY"]).encode()
        self._max_chars = max_chars
        self._heartbeat_seconds = heartbeat_seconds
        self._nonce = secrets.token_hex(8)
        self._marker = re.compile(f"\x1f{self._nonce}:([a-z_]+)\x1f")
        self._skeletons: dict[PageShape, Skeleton] = {}
        self._forms: dict[str, Skeleton] = {}  # the message form block, per room
        self._tags: dict[str, bytes] = {}
        self._sidebars: dict[tuple[tuple[SidebarEntry, ...], tuple[SidebarEntry, ...]], str] = {}

    async def render(self, page: RoomPage, viewer: Viewer, csrf_token: str) -> bytes:
        """The whole page for one viewer; raises ``SkeletonError`` (the caller lets Quart
        answer) when chat.html cannot be drawn as a skeleton."""
        membership = page.sidebar.membership
        shape = PageShape(
            slug=page.room.slug,
            name=page.room.name,
            kind=page.room.kind,
            title=membership.title if membership is not None else page.room.name,
            member=page.member,
            has_messages=bool(page.messages),
            has_older=page.older_before is not None,
            knows_here=page.here is not None,
            newer_link=page.newer_link,
            level=membership.level if membership is not None else None,
        )
        skeleton = self._skeletons.get(shape)
        if skeleton is None:
            skeleton = await self._draw(shape, membership)
            if len(self._skeletons) >= CAPACITY:
                self._skeletons.clear()
            self._skeletons[shape] = skeleton
        return skeleton.fill(
            {
                "csrf": csrf_token.encode(),
                "client_id": new_client_id().encode(),
                "viewer_name": escape(viewer.display_name).encode(),
                "viewer_tag": self._tag(viewer.user_id),
                "viewer_avatar": viewer_avatar(viewer.display_name, viewer.user_id).encode(),
                "sidebar": self.sidebar_html(page.sidebar).encode(),
                "here": (page.here or "").encode(),
                "member_count": str(page.member_count).encode(),
                "messages": page.messages_html.encode(),
                "last_id": str(page.last_id).encode(),
                "older_before": str(page.older_before).encode(),
                "newer_after": str(page.shown_newest).encode(),
            }
        )

    def sidebar_html(self, sidebar: Sidebar) -> str:
        """Rendered once per distinct list (people in the same rooms with nothing unread
        share one)."""
        key = (tuple(sidebar.rooms), tuple(sidebar.direct))
        html = self._sidebars.get(key)
        if html is None:
            html = self._sidebar.render(sidebar=sidebar)
            if len(self._sidebars) >= CAPACITY:
                self._sidebars.clear()
            self._sidebars[key] = html
        return html

    def _tag(self, user_id: str) -> bytes:
        tag = self._tags.get(user_id)
        if tag is None:
            if len(self._tags) >= CAPACITY:
                self._tags.clear()
            tag = self._tags[user_id] = author_tag(user_id).encode()
        return tag

    def _mark(self, hole: str) -> str:
        return f"\x1f{self._nonce}:{hole}\x1f"

    async def _draw(self, shape: PageShape, membership: Any) -> Skeleton:
        mark = self._mark
        empty = Sidebar(rooms=[], direct=[], membership=membership, last_opened=None)
        viewer = Viewer(
            session_id=mark("session_id"),
            user_id=mark("viewer_id"),
            email=mark("email"),
            display_name=mark("viewer_name"),
        )
        drawing = CsrfSource(self._secret, dict(_DRAWING_SESSION))
        form = MessageForm(None, max_chars=self._max_chars, csrf=drawing)
        form.client_id.data = mark("client_id")
        action_form = ActionForm(None, csrf=drawing)
        context: dict[str, Any] = {
            "form": form,
            "sign_out_form": SignOutForm(None, csrf=drawing),
            "action_form": action_form,
            "member_form": MemberForm(None, csrf=drawing),
            "room": _DrawnRoom(shape.slug, shape.name, shape.kind),
            "viewer": viewer,
            "account_avatar": Markup(mark("viewer_avatar")),  # noqa: S704 - a marker
            "max_chars": self._max_chars,
            "action": f"/rooms/{shape.slug}/messages",
            "heartbeat_seconds": self._heartbeat_seconds,
            "messages": [None] if shape.has_messages else [],
            "messages_html": Markup(mark("messages")),  # noqa: S704 - a marker
            "last_id": mark("last_id"),
            "older_before": mark("older_before") if shape.has_older else None,
            "here": Markup(mark("here")) if shape.knows_here else None,  # noqa: S704
            "member_count": mark("member_count"),
            "sidebar": empty,
            "member": shape.member,
            "member_notice": None,
            "newer_link": shape.newer_link,
            "newer_after": mark("newer_after") if shape.newer_link else None,
            "oob": False,
        }
        # url_for (the static files' addresses) needs a request context; nothing else of the
        # request is in the template's context.
        async with self._app.test_request_context(f"/rooms/{shape.slug}"):
            html = self._environment.get_template(PAGE_TEMPLATE).render(context)
        drawing_token = csrf_token_of(action_form)
        html = html.replace(drawing_token, mark("csrf"))
        html = html.replace(author_tag(mark("viewer_id")), mark("viewer_tag"))
        drawn_sidebar = self.sidebar_html(empty)
        if html.count(drawn_sidebar) != 1:
            raise SkeletonError("the sidebar is not drawn exactly once")
        return self._split(html.replace(drawn_sidebar, mark("sidebar")))

    def message_form(self, slug: str, csrf_token: str) -> bytes:
        """chat.html's message form block with a fresh draft: what an HTMX post is answered
        with (web/fast_paths/post_fast_path.py). Raises ``SkeletonError`` as ``render`` does."""
        skeleton = self._forms.get(slug)
        if skeleton is None:
            skeleton = self._draw_form(slug)
            if len(self._forms) >= CAPACITY:
                self._forms.clear()
            self._forms[slug] = skeleton
        return skeleton.fill({"csrf": csrf_token.encode(), "client_id": new_client_id().encode()})

    def _draw_form(self, slug: str) -> Skeleton:
        form = MessageForm(
            None, max_chars=self._max_chars, csrf=CsrfSource(self._secret, dict(_DRAWING_SESSION))
        )
        form.client_id.data = self._mark("client_id")
        context = {"form": form, "max_chars": self._max_chars, "action": f"/rooms/{slug}/messages"}
        html = render_block(self._environment, PAGE_TEMPLATE, "message_form", **context)
        return self._split(html.replace(csrf_token_of(form), self._mark("csrf")))

    def _split(self, html: str) -> Skeleton:
        pieces = self._marker.split(html)
        literals, holes = pieces[0::2], tuple(pieces[1::2])
        unknown = set(holes) - HOLES
        if unknown:
            raise SkeletonError(f"chat.html prints {sorted(unknown)} per viewer")
        if "\x1f" in "".join(literals):
            raise SkeletonError("a marker was changed by a filter")
        return Skeleton(tuple(part.encode() for part in literals), holes)
