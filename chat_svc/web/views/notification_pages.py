"""A person's notification settings (mention e-mails on or off), and the one-click
unsubscribe link every mention e-mail carries (RFC 8058).

The unsubscribe URL works without signing in: the token in it is the person's id, sealed
(notifications/unsubscribe_links.py). ``GET`` only shows a button, because mail scanners
follow links; ``POST`` turns the e-mails off. Mail clients send that POST themselves (body
``List-Unsubscribe=One-Click``) without a CSRF token or our Origin, so exactly this endpoint
is exempt from the Origin check (app.py); a forged POST can only do what the link's holder
may do anyway: stop that person's mention e-mails.
"""

from __future__ import annotations

import logging

from quart import Blueprint, redirect, request
from quart.typing import ResponseReturnValue

from chat_svc.auth.viewers import signed_in, signed_in_viewer
from chat_svc.models.notification_settings import select_mention_emails_on, set_mention_emails
from chat_svc.notifications.unsubscribe_links import SealBrokenError
from chat_svc.people_directory.person_lookup import find_person
from chat_svc.push.levels.level_views import push_settings_context
from chat_svc.services import services_of
from chat_svc.web.forms import NotificationSettingsForm, SignOutForm
from chat_svc.web.views.room_directory import expired_form
from chat_svc.web.views.room_messages import load_sidebar
from service_kit.serving.error_pages import render_error
from service_kit.serving.web import render_page

log = logging.getLogger(__name__)

notifications = Blueprint("notifications", __name__)

SETTINGS_PATH = "/settings/notifications"
UNSUBSCRIBE_ENDPOINT = "notifications.unsubscribe_mentions"
INVALID_LINK = "This link is not valid; nothing changed."


@notifications.get(SETTINGS_PATH)
@signed_in
async def notification_settings() -> ResponseReturnValue:
    viewer = signed_in_viewer()
    form = NotificationSettingsForm(None)
    form.mention_emails.data = await select_mention_emails_on(viewer.user_id)
    return await render_settings(form, saved=request.args.get("saved") == "1")


@notifications.post(SETTINGS_PATH)
@signed_in
async def save_notification_settings() -> ResponseReturnValue:
    form = NotificationSettingsForm(await request.form)
    if not form.validate():
        return await expired_form()
    await set_mention_emails(signed_in_viewer().user_id, bool(form.mention_emails.data))
    return redirect(f"{SETTINGS_PATH}?saved=1", 303)


async def render_settings(form: NotificationSettingsForm, saved: bool) -> ResponseReturnValue:
    viewer = signed_in_viewer()
    settings = services_of().settings
    return await render_page(
        "notification_settings.html",
        form=form,
        saved=saved,
        delay_minutes=_minutes(settings.mention_email_delay_seconds),
        interval_minutes=_minutes(settings.mention_email_min_interval_seconds),
        sidebar=await load_sidebar(viewer.user_id),
        sign_out_form=SignOutForm(None),
        viewer=viewer,
        **await push_settings_context(viewer.user_id),
    )


@notifications.route("/unsubscribe/mentions/<token>", methods=["GET", "POST"])
async def unsubscribe_mentions(token: str) -> ResponseReturnValue:
    user_id = await _user_in(token)
    if user_id is None:
        return await render_error(400, INVALID_LINK, title="Link not valid")
    if request.method == "GET":
        return await render_page("unsubscribe.html", done=False)
    await set_mention_emails(user_id, False)
    log.info("mention e-mails turned off through the unsubscribe link")
    return await render_page("unsubscribe.html", done=True)


async def _user_in(token: str) -> str | None:
    """The person the link was made for, if it opens and chat knows them."""
    try:
        user_id = services_of().unsubscribe_links.user_in(token)
    except SealBrokenError:
        log.warning("an unsubscribe link that does not open was used")
        return None
    return user_id if await find_person(user_id) is not None else None


def _minutes(seconds: float) -> str:
    minutes = round(seconds / 60)
    if minutes < 1:
        return "less than a minute"
    return "1 minute" if minutes == 1 else f"{minutes} minutes"
