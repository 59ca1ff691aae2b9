"""``/settings/rooms``: administrators rename, archive, restore and delete open and closed
rooms by slug. The list shows names only: a closed room an administrator is not in stays
unread (direct rooms are not listed and answer 404). Everyone else gets 404 (admin_gate)."""

from __future__ import annotations

from quart import Blueprint, abort, redirect, request
from quart.typing import ResponseReturnValue

from chat_svc.actions.room_names import MAX_NAME_CHARS, clean_name
from chat_svc.administration.admin_gate import administrators_only, current_administrator
from chat_svc.administration.admin_pages import settings_page_context
from chat_svc.administration.audit_log import audited
from chat_svc.models.messages import GENERAL
from chat_svc.models.rooms import Room, select_room
from chat_svc.room_administration import room_changes
from chat_svc.services import services_of
from chat_svc.web.forms import ActionForm
from chat_svc.web.views.room_directory import expired_form
from service_kit.lifecycle import infrastructure_of
from service_kit.serving.error_pages import render_error
from service_kit.serving.web import render_page

room_administration = Blueprint("room_administration", __name__)

ROOMS_PATH = "/settings/rooms"
NOTICES = {
    "renamed": "Renamed: members see the new name.",
    "archived": "Archived: read-only and hidden from the room list and sidebars.",
    "restored": "Restored: open for posts and back in the list and sidebars.",
    "deleted": "Deleted with its messages.",
}
BAD_NAME = f"Give the room a name of up to {MAX_NAME_CHARS} characters."
NAME_TAKEN = "Another open room already has this name."
KEEP_GENERAL = "Everyone stays in general: it can be renamed, not archived or deleted."


async def _room(slug: str) -> Room:
    room = await select_room(slug)
    if room is None or room.kind == "direct":
        abort(404)
    return room


async def _refuse_general(room: Room) -> ResponseReturnValue | None:
    if room.slug != GENERAL:
        return None
    return await render_error(409, KEEP_GENERAL, template="chat_error.html")


async def _valid_form() -> bool:
    return ActionForm(await request.form).validate()


def _done(change: room_changes.Change) -> ResponseReturnValue:
    return redirect(f"{ROOMS_PATH}?done={change}", 303)


async def _announce(room: Room, change: room_changes.Change) -> None:
    access = services_of().reads.access
    await room_changes.announce(infrastructure_of().js, access, room.slug, change)


@room_administration.get(ROOMS_PATH)
@administrators_only
async def rooms_admin() -> ResponseReturnValue:
    rooms = await Room.find({"kind": {"$in": ["open", "closed"]}}).sort(+Room.name_key).to_list()
    return await render_page(
        "admin_rooms.html",
        rooms=rooms,
        action_form=ActionForm(None),
        notice=NOTICES.get(request.args.get("done", "")),
        **await settings_page_context(),
    )


@room_administration.post(f"{ROOMS_PATH}/<slug>/rename")
@administrators_only
async def rename(slug: str) -> ResponseReturnValue:
    room = await _room(slug)
    if not await _valid_form():
        return await expired_form()
    name = clean_name(str((await request.form).get("name", "")))
    if not name or len(name) > MAX_NAME_CHARS:
        return await render_error(422, BAD_NAME, template="chat_error.html")
    async with audited(current_administrator(), "room:rename", slug, name) as step:
        try:
            await room_changes.rename(room, name, services_of().reads.people)
        except room_changes.NameTakenError:
            step.outcome = "failed"
    if step.outcome == "failed":
        return await render_error(409, NAME_TAKEN, template="chat_error.html")
    await _announce(room, "renamed")
    return _done("renamed")


async def _set_archived(slug: str, archived: bool) -> ResponseReturnValue:
    room = await _room(slug)
    if not await _valid_form():
        return await expired_form()
    if (refused := await _refuse_general(room)) is not None:
        return refused
    change: room_changes.Change = "archived" if archived else "restored"
    services = services_of()
    async with audited(current_administrator(), f"room:{change}", slug, room.name):
        await room_changes.set_archived(
            infrastructure_of().js,
            services.reads.access,
            room,
            archived,
            services.actions.memberships,
        )
    return _done(change)


@room_administration.post(f"{ROOMS_PATH}/<slug>/archive")
@administrators_only
async def archive(slug: str) -> ResponseReturnValue:
    return await _set_archived(slug, True)


@room_administration.post(f"{ROOMS_PATH}/<slug>/restore")
@administrators_only
async def restore(slug: str) -> ResponseReturnValue:
    return await _set_archived(slug, False)


@room_administration.get(f"{ROOMS_PATH}/<slug>/delete")
@administrators_only
async def confirm_delete(slug: str) -> ResponseReturnValue:
    room = await _room(slug)
    return await render_page("admin_delete_room.html", room=room, form=ActionForm(None))


@room_administration.post(f"{ROOMS_PATH}/<slug>/delete")
@administrators_only
async def delete(slug: str) -> ResponseReturnValue:
    room = await _room(slug)
    if not await _valid_form():
        return await expired_form()
    if (refused := await _refuse_general(room)) is not None:
        return refused
    async with audited(current_administrator(), "room:delete", slug, room.name):
        await room_changes.delete(
            room, services_of().actions.memberships, infrastructure_of().redis
        )
    await _announce(room, "deleted")
    return _done("deleted")
