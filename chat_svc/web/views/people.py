"""Everyone who can chat, opening a direct conversation with one of them, and the sidebar
of the person's rooms on its own."""

from __future__ import annotations

from quart import Blueprint, abort, redirect, request
from quart.typing import ResponseReturnValue

from chat_svc.auth.viewers import signed_in, signed_in_viewer
from chat_svc.models.users import select_people
from chat_svc.people_directory.installation import people_page
from chat_svc.people_directory.person_lookup import find_person
from chat_svc.services import services_of
from chat_svc.web.forms import DirectForm, SignOutForm
from chat_svc.web.person_handles import person_handle, person_of_handle
from chat_svc.web.views.room_directory import expired_form
from chat_svc.web.views.room_messages import load_sidebar
from service_kit.serving.web import render_page

people_pages = Blueprint("people", __name__)


@people_pages.get("/people")
@signed_in
async def list_people() -> ResponseReturnValue:
    viewer = signed_in_viewer()
    paged = await people_page(request.args.get("after", ""))  # people_directory/
    people, more_after = paged or ([p for p in await select_people() if not p.deactivated], "")
    return await render_page(
        "people.html",
        people=[(person, person_handle(viewer.user_id, person.user_id)) for person in people],
        more_after=more_after,
        direct_form=DirectForm(None),
        sidebar=await load_sidebar(viewer.user_id),
        sign_out_form=SignOutForm(None),
        viewer=viewer,
    )


@people_pages.get("/sidebar")
@signed_in
async def sidebar_fragment() -> ResponseReturnValue:
    """The sidebar alone: a page whose stream reports a room it does not list yet (someone
    opened a direct conversation with this person, or added them to a room) fetches it."""
    current = request.args.get("room") or None
    return await render_page(
        "_sidebar.html", sidebar=await load_sidebar(signed_in_viewer().user_id, current)
    )


@people_pages.post("/dm")
@signed_in
async def open_direct() -> ResponseReturnValue:
    form = DirectForm(await request.form)
    if not form.validate():
        return await expired_form()
    viewer = signed_in_viewer()
    user_id = person_of_handle(viewer.user_id, str(form.person.data or ""))
    other = await find_person(user_id) if user_id else None
    if other is None:
        abort(404)
    room = await services_of().actions.direct_rooms.open(viewer, other)
    return redirect(f"/rooms/{room.slug}", 303)
