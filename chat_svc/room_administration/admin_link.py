"""The account menu's "Administration" link, for administrators only.

The viewer carries no role, so the role is read as the admin gate reads it (admin_gate.py):
one read of the person by id, and only on the pages people open now and then. The room
page, opened all day, is left out: the fast path serves it byte for byte from a skeleton
shared by every viewer, without reading the store (web/fast_paths/page_skeletons.py), and
Quart's copy must match it. Error pages are left out too (they must render with the store
down), and a store that fails here costs the link, never the page."""

from __future__ import annotations

import logging

from pymongo.errors import PyMongoError
from quart import g, request

from chat_svc.administration.admin_gate import is_administrator
from chat_svc.people_directory.installation import is_administrator_by_card

log = logging.getLogger(__name__)

ROOM_PAGE = "chat.room_page"


async def account_menu_links() -> dict[str, bool]:
    viewer = g.get("viewer")
    if viewer is None or request.endpoint == ROOM_PAGE or g.get("rendering_error_page"):
        return {}
    try:
        # The people directory's card when it has one: on FerretDB the store's read
        # decodes every person (0.6 s at 10,000).
        by_card = await is_administrator_by_card(viewer.user_id)
        admin = by_card if by_card is not None else await is_administrator(viewer.user_id)
        return {"viewer_is_admin": admin}
    except PyMongoError as error:
        log.warning("account menu drawn without the administration link: %s", error)
        return {}
