"""``/settings/people`` (roles, deactivation, the join link) and ``/settings/audit``, for
administrators only (admin_gate.py): everyone else gets 404 on every route, GET or POST."""

from __future__ import annotations

from typing import Any

from quart import Blueprint, abort, redirect, request
from quart.typing import ResponseReturnValue

from chat_svc.administration import people_changes
from chat_svc.administration.account_requests import invite_by_email, join_link
from chat_svc.administration.admin_forms import RoleForm
from chat_svc.administration.admin_gate import administrators_only, current_administrator
from chat_svc.administration.audit_log import audited, select_audit_page
from chat_svc.administration.team_settings import select_room_creators, set_room_creators
from chat_svc.auth.viewers import signed_in_viewer
from chat_svc.models.users import ChatUser
from chat_svc.people_directory.person_lookup import everyone, find_stored_person
from chat_svc.web.forms import ActionForm, SignOutForm
from chat_svc.web.views.room_directory import expired_form
from chat_svc.web.views.room_messages import load_sidebar
from service_kit.serving.error_pages import render_error
from service_kit.serving.web import render_page

administration = Blueprint("administration", __name__)

PEOPLE_PATH = "/settings/people"
NOTICES = {
    "role": "Role changed.",
    "deactivated": "Deactivated: their sessions are ended and they cannot sign in.",
    "reactivated": "Reactivated: they can sign in again with their password.",
    "room-creation": "Saved: who may create rooms.",
    "invited": "Invitation sent: its link works once, for a limited time.",
    "join-link": "New join link: the previous one no longer works.",
    "message-removed": 'Message removed: it reads "Removed by an administrator" everywhere.',
}
LAST_ADMIN = "The team needs at least one active administrator: make someone else one first."
MAX_PAGE = 10_000
EMAIL_MAX_CHARS = 254
BAD_INVITATION = "Enter a valid e-mail address and a name (up to 50 visible characters)."


async def settings_page_context() -> dict[str, Any]:
    """What every settings page draws around its content (the sidebar, the account menu)."""
    viewer = signed_in_viewer()
    return {
        "sidebar": await load_sidebar(viewer.user_id),
        "sign_out_form": SignOutForm(None),
        "viewer": viewer,
    }


@administration.get(PEOPLE_PATH)
@administrators_only
async def people_admin() -> ResponseReturnValue:
    return await render_page(
        "admin_people.html",
        people=await everyone(),
        join_link=await join_link(),
        action_form=ActionForm(None),
        notice=NOTICES.get(request.args.get("done", "")),
        room_creators=await select_room_creators(),
        **await settings_page_context(),
    )


@administration.post("/settings/join-link")
@administrators_only
async def regenerate_join_link() -> ResponseReturnValue:
    if not ActionForm(await request.form).validate():
        return await expired_form()
    admin = current_administrator()
    async with audited(admin, "join-link:regenerate"):
        await join_link(regenerate=True)
    return redirect(f"{PEOPLE_PATH}?done=join-link", 303)


async def _target(user_id: str) -> ChatUser:
    person = await find_stored_person(user_id)
    if person is None:
        abort(404)
    return person


async def _finish(outcome: people_changes.Outcome, done: str) -> ResponseReturnValue:
    if outcome is people_changes.Outcome.LAST_ADMIN:
        return await render_error(409, LAST_ADMIN, template="chat_error.html")
    if outcome is people_changes.Outcome.NO_ACCOUNT:
        abort(404)
    return redirect(f"{PEOPLE_PATH}?done={done}", 303)


@administration.post(f"{PEOPLE_PATH}/<user_id>/role")
@administrators_only
async def change_role(user_id: str) -> ResponseReturnValue:
    target = await _target(user_id)
    form = RoleForm(await request.form)
    if not form.validate():
        return await expired_form()
    outcome = await people_changes.change_role(current_administrator(), target, str(form.role.data))
    return await _finish(outcome, "role")


@administration.post(f"{PEOPLE_PATH}/<user_id>/deactivate")
@administrators_only
async def deactivate(user_id: str) -> ResponseReturnValue:
    target = await _target(user_id)
    if not ActionForm(await request.form).validate():
        return await expired_form()
    return await _finish(
        await people_changes.deactivate(current_administrator(), target), "deactivated"
    )


@administration.post(f"{PEOPLE_PATH}/<user_id>/reactivate")
@administrators_only
async def reactivate(user_id: str) -> ResponseReturnValue:
    target = await _target(user_id)
    if not ActionForm(await request.form).validate():
        return await expired_form()
    return await _finish(
        await people_changes.reactivate(current_administrator(), target), "reactivated"
    )


@administration.post(f"{PEOPLE_PATH}/invite")
@administrators_only
async def invite() -> ResponseReturnValue:
    form = await request.form
    if not ActionForm(form).validate():
        return await expired_form()
    email = str(form.get("email", "")).strip()[:EMAIL_MAX_CHARS]
    name = str(form.get("display_name", "")).strip()[:EMAIL_MAX_CHARS]
    admin = current_administrator()
    async with audited(admin, "invite", "", email) as step:
        sent = await invite_by_email(email, name)
        step.outcome = "done" if sent else "failed"
    if not sent:
        return await render_error(422, BAD_INVITATION, template="chat_error.html")
    return redirect(f"{PEOPLE_PATH}?done=invited", 303)


@administration.post("/settings/room-creation")
@administrators_only
async def choose_room_creators() -> ResponseReturnValue:
    form = await request.form
    creators = form.get("room_creators")
    if not ActionForm(form).validate() or creators not in ("everyone", "admins"):
        return await expired_form()
    admin = current_administrator()
    async with audited(admin, f"room-creation:{creators}"):
        await set_room_creators("admins" if creators == "admins" else "everyone")
    return redirect(f"{PEOPLE_PATH}?done=room-creation", 303)


@administration.get("/settings/audit")
@administrators_only
async def audit_log() -> ResponseReturnValue:
    page = request.args.get("page", "1")
    number = int(page) if page.isdigit() and 0 < int(page) <= MAX_PAGE else 1
    entries, has_older = await select_audit_page(number)
    return await render_page(
        "admin_audit.html",
        entries=entries,
        page=number,
        has_older=has_older,
        **await settings_page_context(),
    )
