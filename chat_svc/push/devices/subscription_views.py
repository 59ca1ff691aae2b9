"""``POST /push-subscriptions`` registers this device (the browser's PushSubscription as
JSON, the page's CSRF token in ``X-CSRF-Token``): 201; ``DELETE`` with the same body
removes it: 204. The endpoint must pass the outbound filter (service_kit/outbound).
``POST /settings/push-text`` is the "hide message text" choice (a form, no JS needed)."""

from __future__ import annotations

from typing import Any

from quart import Blueprint, current_app, redirect, request
from quart.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from chat_svc.auth.viewers import signed_in, signed_in_viewer
from chat_svc.push.devices.preferences import set_hide_text
from chat_svc.push.devices.subscriptions import delete_subscription, upsert_subscription
from chat_svc.push.levels.level_views import SETTINGS_PATH
from chat_svc.push.push_lifecycle import web_push_of
from chat_svc.web.forms import ActionForm
from chat_svc.web.views.room_directory import expired_form
from service_kit.outbound.public_targets import RefusedTargetError, check_public_url

push_subscriptions = Blueprint("push_subscriptions", __name__)

MAX_KEY_CHARS = 200
MAX_ENDPOINT_CHARS = 2000


def _fields(body: Any) -> tuple[str, str, str] | None:
    """(endpoint, p256dh, auth) from a PushSubscription's JSON, or None."""
    if not isinstance(body, dict) or not isinstance(body.get("keys"), dict):
        return None
    endpoint, keys = body.get("endpoint"), body["keys"]
    p256dh, auth = keys.get("p256dh"), keys.get("auth")
    if not (isinstance(endpoint, str) and isinstance(p256dh, str) and isinstance(auth, str)):
        return None
    if not (endpoint and p256dh and auth):
        return None
    if len(endpoint) > MAX_ENDPOINT_CHARS or max(len(p256dh), len(auth)) > MAX_KEY_CHARS:
        return None
    return endpoint, p256dh, auth


def _csrf_ok() -> bool:
    token = request.headers.get("X-CSRF-Token", "")
    return ActionForm(MultiDict({"csrf_token": token})).validate()


@push_subscriptions.route("/push-subscriptions", methods=["POST", "DELETE"])
@signed_in
async def push_subscription() -> ResponseReturnValue:
    if not _csrf_ok():
        return {"error": "Your page expired. Please reload it."}, 403
    fields = _fields(await request.get_json(force=True, silent=True))
    if fields is None:
        return {"error": "Expected a PushSubscription: endpoint and keys.p256dh, keys.auth"}, 422
    endpoint, p256dh, auth = fields
    viewer = signed_in_viewer()
    if request.method == "DELETE":
        await delete_subscription(endpoint, viewer.user_id)
        return "", 204
    try:
        await check_public_url(endpoint, web_push_of(current_app).policy)
    except RefusedTargetError as refused:
        return {"error": str(refused)}, 422
    await upsert_subscription(
        user_id=viewer.user_id,
        session_id=viewer.session_id,
        endpoint=endpoint,
        p256dh=p256dh,
        auth=auth,
        user_agent=request.headers.get("User-Agent", ""),
    )
    return {"registered": True}, 201


@push_subscriptions.post("/settings/push-text")
@signed_in
async def save_push_text() -> ResponseReturnValue:
    form = await request.form
    if not ActionForm(form).validate():
        return await expired_form()
    await set_hide_text(signed_in_viewer().user_id, form.get("hide_text") == "on")
    return redirect(f"{SETTINGS_PATH}?saved=1#push-text", 303)
