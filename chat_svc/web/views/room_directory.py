"""The list of open rooms, creating a room, joining, leaving and adding members."""

from __future__ import annotations

from datetime import timedelta

from quart import Blueprint, Response, abort, redirect, request
from quart.typing import ResponseReturnValue
from quart_rate_limiter import rate_limit

from chat_svc.actions.room_names import name_key
from chat_svc.adding_people.person_choice import choose_person, people_it_may_name
from chat_svc.administration.team_settings import ADMINS_CREATE_ROOMS, may_create_rooms
from chat_svc.auth.viewers import signed_in, signed_in_viewer
from chat_svc.member_lines.line_writer import note_line
from chat_svc.models.memberships import count_members, select_membership
from chat_svc.models.messages import GENERAL
from chat_svc.models.rooms import (
    NameTakenError,
    Room,
    select_open_rooms,
    select_room_by_name_key,
)
from chat_svc.reads.sidebar import place_of
from chat_svc.room_administration.archived_rooms import refuse_archived
from chat_svc.services import services_of
from chat_svc.settings import ChatSettings
from chat_svc.web.forms import ActionForm, MemberForm, MessageForm, RoomForm, SignOutForm
from chat_svc.web.rate_limits import viewer_key
from chat_svc.web.views.room_messages import load_sidebar, render_room, visible_room_or_404
from service_kit.serving.error_pages import render_error
from service_kit.serving.web import is_htmx, render_page

ROOMS_PAGE = "rooms.html"


async def render_rooms(
    room_form: RoomForm, status: int = 200, existing: Room | None = None
) -> ResponseReturnValue:
    """``existing``: the room that has the name asked for, when the person may see it."""
    viewer = signed_in_viewer()
    if is_htmx() and status != 200:
        return await render_page(
            ROOMS_PAGE, block="room_form", status=status, room_form=room_form, existing=existing
        )
    sidebar = await load_sidebar(viewer.user_id)
    rooms = await select_open_rooms()
    members = await count_members(room.slug for room in rooms)
    joined = {entry.slug for entry in sidebar.rooms}
    return await render_page(
        ROOMS_PAGE,
        status=status,
        rooms=rooms,
        members=members,
        joined=joined,
        room_form=room_form,
        existing=existing,
        action_form=ActionForm(None),
        sidebar=sidebar,
        sign_out_form=SignOutForm(None),
        viewer=viewer,
    )


def rooms_blueprint(settings: ChatSettings) -> Blueprint:
    rooms = Blueprint("rooms", __name__)

    @rooms.get("/rooms")
    @signed_in
    async def list_rooms() -> ResponseReturnValue:
        return await render_rooms(RoomForm(None))

    @rooms.post("/rooms")
    @rate_limit(
        settings.room_rate_count,
        timedelta(seconds=settings.room_rate_period_seconds),
        key_function=viewer_key,
    )
    @signed_in
    async def new_room() -> ResponseReturnValue:
        if not await may_create_rooms(signed_in_viewer().user_id):
            return await render_error(403, ADMINS_CREATE_ROOMS, template="chat_error.html")
        form = RoomForm(await request.form)
        if not form.validate():
            return await render_rooms(form, status=422)
        try:
            room = await services_of().actions.room_creation.create(
                str(form.name.data),
                "closed" if form.visibility.data == "closed" else "open",
                signed_in_viewer(),
            )
        except NameTakenError:
            form.name.errors = [f"There is already a room called “{form.name.data}”."]
            return await render_rooms(form, status=422, existing=await visible_namesake(form))
        return see_room(room.slug)

    @rooms.post("/rooms/<slug>/join")
    @signed_in
    async def join(slug: str) -> ResponseReturnValue:
        # A closed or direct room cannot be joined by URL: it answers like an unknown one.
        room = await visible_room_or_404(slug, member_only=False)
        if not ActionForm(await request.form).validate():
            return await expired_form()
        if room.archived:
            return await refuse_archived()  # chat_svc/room_administration/
        if room.kind == "open":
            memberships = services_of().actions.memberships
            viewer = signed_in_viewer()
            if await memberships.join(room, viewer.user_id, room.name):
                await note_line(room.slug, f"{viewer.display_name} joined")
        return see_room(room.slug)

    @rooms.post("/rooms/<slug>/leave")
    @signed_in
    async def leave(slug: str) -> ResponseReturnValue:
        room = await visible_room_or_404(slug, member_only=True)
        if not ActionForm(await request.form).validate():
            return await expired_form()
        if room.slug == GENERAL:
            return await render_error(
                409,
                "Everyone stays in general: it is where announcements reach the whole team.",
                template="chat_error.html",
            )
        if room.kind == "direct":  # never left (the other's replies would be lost)
            return await hide_direct_room(room.slug)
        viewer = signed_in_viewer()
        if await services_of().actions.memberships.leave(room.slug, viewer.user_id):
            await note_line(room.slug, f"{viewer.display_name} left")
        return see_room(GENERAL)

    @rooms.post("/rooms/<slug>/hide")
    @signed_in
    async def hide(slug: str) -> ResponseReturnValue:
        room = await visible_room_or_404(slug, member_only=True)
        if not ActionForm(await request.form).validate():
            return await expired_form()
        if room.kind != "direct":
            abort(404)  # rooms are left; only direct rooms are hidden
        return await hide_direct_room(room.slug)

    @rooms.post("/rooms/<slug>/members")
    @rate_limit(
        settings.member_rate_count,
        timedelta(seconds=settings.member_rate_period_seconds),
        key_function=viewer_key,
    )
    @signed_in
    async def add_member(slug: str) -> ResponseReturnValue:
        room = await visible_room_or_404(slug, member_only=True)
        if room.kind != "closed":
            abort(404)  # open rooms are joined, direct rooms stay two people
        form = MemberForm(await request.form)
        if not form.validate():
            return await render_member_form(room.slug, form, status=422)
        # Names are what /people shows every signed-in person: the answer tells nothing new.
        typed = str(form.name.data)
        chosen = choose_person(typed, await people_it_may_name(typed))
        if chosen.person is None:
            form.name.errors = [str(chosen.problem)]
            return await render_member_form(room.slug, form, status=422)
        person = chosen.person
        added = await services_of().actions.memberships.join(room, person.user_id, room.name)
        if added:
            await note_line(
                room.slug, f"{signed_in_viewer().display_name} added {person.display_name}"
            )
        if is_htmx():
            notice = (
                f"{person.display_name} can now read and write here."
                if added
                else f"{person.display_name} is already a member."
            )
            return await render_member_form(room.slug, MemberForm(None), notice=notice)
        return see_room(room.slug)

    @rooms.get("/rooms/<slug>/people")
    @signed_in
    async def list_members(slug: str) -> ResponseReturnValue:
        """Who can read the room: the header's Members link (every room its viewer sees).
        Not ``GET /rooms/<slug>/members``: that answers the mention suggestions."""
        room = await visible_room_or_404(slug, member_only=False)
        viewer = signed_in_viewer()
        return await render_page(
            "room_members.html",
            room=room,
            members=await services_of().actions.messages.members.of(room.slug),
            sidebar=await load_sidebar(viewer.user_id, room.slug),
            sign_out_form=SignOutForm(None),
            viewer=viewer,
        )

    return rooms


async def visible_namesake(form: RoomForm) -> Room | None:
    """The room with the name asked for, if this person may see it (never a closed room
    they are not in)."""
    found = await select_room_by_name_key(name_key(str(form.name.data)))
    if found is None:
        return None
    visible = await services_of().reads.access.visible_room(signed_in_viewer().user_id, found.slug)
    return visible[0] if visible is not None else None


async def render_member_form(
    slug: str, form: MemberForm, status: int = 200, notice: str | None = None
) -> ResponseReturnValue:
    if is_htmx():
        room = await services_of().reads.access.room(slug)
        return await render_page(
            "chat.html",
            block="member_form",
            status=status,
            room=room,
            member_form=form,
            member_notice=notice,
        )
    return await render_room(
        slug,
        MessageForm(None, max_chars=services_of().settings.message_max_chars),
        status=status,
        form_only=False,
        member_form=form,
    )


async def hide_direct_room(slug: str) -> ResponseReturnValue:
    user_id = signed_in_viewer().user_id
    membership = await select_membership(slug, user_id)
    if membership is not None:
        await services_of().actions.memberships.hide(place_of(membership), user_id)
    return see_room(GENERAL)


async def expired_form() -> ResponseReturnValue:
    return await render_error(
        400, "Your form expired. Please reload the page and try again.", template="chat_error.html"
    )


def see_room(slug: str) -> ResponseReturnValue:
    """303 to the room; an HTMX form is told to navigate (a followed redirect would swap the
    whole room page into the form)."""
    if is_htmx():
        return Response("", status=200, headers={"HX-Redirect": f"/rooms/{slug}"})
    return redirect(f"/rooms/{slug}", 303)
