"""``/admin/bots``, for administrators only (role "admin"; anyone else gets 404, as for a
page that does not exist): the bots, a form to make one (name, rooms it joins), and a
button per room that rotates its webhook secret. New secrets are shown once."""

from __future__ import annotations

from quart import Blueprint, abort, render_template, request
from quart.typing import ResponseReturnValue
from wtforms import Field, StringField, ValidationError

from chat_svc.actions.room_names import clean_name, is_slug
from chat_svc.administration.admin_gate import is_administrator
from chat_svc.auth.viewers import signed_in, signed_in_viewer
from chat_svc.bots.bot_accounts import NewSecrets, create_bot, rotate_hook, set_outgoing_webhook
from chat_svc.bots.bot_records import select_bot, select_bots
from chat_svc.services import services_of
from chat_svc.tokens.token_runtime import tokens_of
from chat_svc.web.forms import ActionForm, SignOutForm
from chat_svc.web.views.room_directory import expired_form
from chat_svc.webhooks.webhook_failures import select_recent_failures
from chat_svc.webhooks.webhook_runtime import target_policy
from service_kit.outbound.public_targets import RefusedTargetError, check_public_url
from service_kit.people.display_names import name_problem

BOTS_PATH = "/admin/bots"
MAX_BOT_ROOMS = 20

bot_pages = Blueprint("bots", __name__)


class WebhookForm(ActionForm):
    webhook_url = StringField("Outgoing webhook URL", filters=[lambda value: (value or "").strip()])


class BotForm(ActionForm):
    name = StringField("Bot name", filters=[clean_name])
    rooms = StringField("Rooms it joins (their addresses, separated by spaces)")

    def validate_name(self, field: Field) -> None:
        problem = name_problem(field.data) if field.data else "Give the bot a name."
        if problem:
            raise ValidationError(problem)

    def validate_rooms(self, field: Field) -> None:
        slugs = str(field.data or "").replace(",", " ").split()
        if len(slugs) > MAX_BOT_ROOMS or not all(is_slug(slug) for slug in slugs):
            raise ValidationError(f"Up to {MAX_BOT_ROOMS} room addresses, such as general.")


async def admin_only() -> None:
    if not await is_administrator(signed_in_viewer().user_id):
        abort(404)


async def render_bots(
    form: BotForm,
    shown: NewSecrets | None = None,
    status: int = 200,
    webhook_form: WebhookForm | None = None,
) -> ResponseReturnValue:
    html = await render_template(
        "admin_bots.html",
        form=form,
        action_form=ActionForm(None),
        bots=await select_bots(),
        failures=await select_recent_failures(),
        webhook_form=webhook_form or WebhookForm(None),
        shown=shown,
        public_url=services_of().settings.public_url,
        sign_out_form=SignOutForm(None),
        viewer=signed_in_viewer(),
    )
    return html, status, {"Cache-Control": "no-store"}


@bot_pages.get(BOTS_PATH)
@signed_in
async def list_bots() -> ResponseReturnValue:
    await admin_only()
    return await render_bots(BotForm(None))


@bot_pages.post(BOTS_PATH)
@signed_in
async def new_bot() -> ResponseReturnValue:
    await admin_only()
    form = BotForm(await request.form)
    if not form.validate():
        return await render_bots(form, status=422)
    services, admin = services_of(), signed_in_viewer()
    slugs = list(dict.fromkeys(str(form.rooms.data or "").replace(",", " ").split()))
    for slug in slugs:
        if await services.reads.access.visible_room(admin.user_id, slug) is None:
            form.rooms.errors = [f"There is no room {slug} you can see."]
            return await render_bots(form, status=422)
    created = await create_bot(services, tokens_of(), admin, str(form.name.data), slugs)
    return await render_bots(BotForm(None), shown=created)


@bot_pages.post(f"{BOTS_PATH}/<bot_id>/hooks/<room>/rotate")
@signed_in
async def rotate(bot_id: str, room: str) -> ResponseReturnValue:
    await admin_only()
    if not ActionForm(await request.form).validate():
        return await expired_form()
    bot = await select_bot(bot_id)
    if bot is None or room not in bot.rooms:
        abort(404)
    return await render_bots(BotForm(None), shown=await rotate_hook(tokens_of(), bot, room))


@bot_pages.post(f"{BOTS_PATH}/<bot_id>/webhook")
@signed_in
async def set_webhook(bot_id: str) -> ResponseReturnValue:
    """Checked with the outbound filter now, and again before each delivery."""
    await admin_only()
    form = WebhookForm(await request.form)
    if not form.validate():
        return await expired_form()
    bot = await select_bot(bot_id)
    if bot is None:
        abort(404)
    try:
        url = await check_public_url(
            str(form.webhook_url.data), target_policy(services_of().settings)
        )
    except RefusedTargetError as refused:
        form.webhook_url.errors = [str(refused)]
        return await render_bots(BotForm(None), status=422, webhook_form=form)
    return await render_bots(BotForm(None), shown=await set_outgoing_webhook(bot, url))
