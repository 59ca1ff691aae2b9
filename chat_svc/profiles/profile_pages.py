"""``GET/POST /settings/profile`` (one's own) and ``GET /people/<handle>`` (anyone's, to
members). The display name belongs to the account at auth_svc (e-mails, token checks), so
a new name is sent there first, then written to chat's copy of the person."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from quart import Blueprint, abort, redirect, request
from quart.typing import ResponseReturnValue

from chat_svc.administration.account_requests import call_auth
from chat_svc.auth.viewers import signed_in, signed_in_viewer
from chat_svc.avatars.avatar_images import AvatarRefusedError
from chat_svc.avatars.avatar_uploads import change_avatar
from chat_svc.models.messages import account_handle
from chat_svc.models.users import set_display_name
from chat_svc.people_directory.person_lookup import find_person
from chat_svc.profiles.direct_titles import retitle_direct_rooms
from chat_svc.profiles.profile_forms import ProfileForm, time_zone_names
from chat_svc.profiles.profile_records import save_profile, select_profile
from chat_svc.services import services_of
from chat_svc.web.forms import DirectForm, SignOutForm
from chat_svc.web.person_handles import person_of_handle
from chat_svc.web.views.room_messages import load_sidebar
from service_kit.serving.web import render_page

profiles = Blueprint("profiles", __name__)

PROFILE_PATH = "/settings/profile"


async def _render_settings(
    form: ProfileForm, saved: bool, status: int = 200
) -> ResponseReturnValue:
    viewer = signed_in_viewer()
    form.time_zone.choices = [("", "Not set"), *((n, n) for n in time_zone_names())]
    return await render_page(
        "profile_settings.html",
        status=status,
        form=form,
        saved=saved,
        sidebar=await load_sidebar(viewer.user_id),
        sign_out_form=SignOutForm(None),
        viewer=viewer,
    )


@profiles.get(PROFILE_PATH)
@signed_in
async def profile_settings() -> ResponseReturnValue:
    viewer = signed_in_viewer()
    person, profile = await find_person(viewer.user_id), await select_profile(viewer.user_id)
    form = ProfileForm(None)
    form.display_name.data = person.display_name if person else viewer.display_name
    form.status.data, form.time_zone.data = profile.status, profile.time_zone
    return await _render_settings(form, saved=request.args.get("saved") == "1")


@profiles.post(PROFILE_PATH)
@signed_in
async def save_profile_settings() -> ResponseReturnValue:
    viewer = signed_in_viewer()
    form = ProfileForm(await request.form)
    if not form.validate():
        return await _render_settings(form, saved=False, status=422)
    try:
        picture_changed = await change_avatar(viewer.user_id, bool(form.remove_avatar.data))
    except AvatarRefusedError as refused:
        form.avatar.errors = [str(refused)]
        return await _render_settings(form, saved=False, status=422)
    name = str(form.display_name.data)
    if name != viewer.display_name:
        await call_auth(f"/internal/people/{viewer.user_id}/display-name", {"display_name": name})
        await set_display_name(viewer.user_id, name)
        await retitle_direct_rooms(services_of().reads.people, viewer.user_id, name)
    if name != viewer.display_name or picture_changed:
        await services_of().people_names.announce(viewer.user_id)
        # This replica asks auth again at the next request (the header, new messages);
        # the others within their token cache's few seconds.
        services_of().auth.forget_session(viewer.session_id)
    await save_profile(viewer.user_id, str(form.status.data or ""), str(form.time_zone.data or ""))
    return redirect(f"{PROFILE_PATH}?saved=1", 303)


@profiles.get("/people/<handle>")
@signed_in
async def person_profile(handle: str) -> ResponseReturnValue:
    viewer = signed_in_viewer()
    user_id = person_of_handle(viewer.user_id, handle)
    person = await find_person(user_id) if user_id else None
    if person is None:
        abort(404)
    profile = await select_profile(person.user_id)
    local_time = None
    if profile.time_zone in time_zone_names():
        local_time = datetime.now(UTC).astimezone(ZoneInfo(profile.time_zone))
    return await render_page(
        "person_profile.html",
        person=person,
        tag=account_handle(person.user_id),
        profile=profile,
        local_time=local_time,
        handle=handle,
        direct_form=DirectForm(None),
        sidebar=await load_sidebar(viewer.user_id),
        sign_out_form=SignOutForm(None),
        viewer=viewer,
    )
