"""``/settings/tokens``: a person's API tokens. Creating one (field ``name``) shows it once,
in ``id="new-token"``; the list shows each one's name, creation and last use, with a revoke
button. The page is never cached: the new token is in it."""

from __future__ import annotations

from quart import Blueprint, abort, redirect, render_template, request
from quart.typing import ResponseReturnValue
from wtforms import Field, StringField, ValidationError

from chat_svc.auth.viewers import signed_in, signed_in_viewer
from chat_svc.tokens.token_records import select_tokens_of
from chat_svc.tokens.token_runtime import tokens_of
from chat_svc.web.forms import ActionForm, SignOutForm
from chat_svc.web.views.room_directory import expired_form
from chat_svc.web.views.room_messages import load_sidebar

TOKENS_PATH = "/settings/tokens"
MAX_TOKEN_NAME = 80
MAX_TOKENS = 50  # per person: plenty for scripts, not a store filler

token_pages = Blueprint("api_tokens", __name__)


class TokenForm(ActionForm):
    name = StringField("Token name", filters=[lambda value: (value or "").strip()])

    def validate_name(self, field: Field) -> None:
        if not field.data:
            raise ValidationError("Name the token after what will use it.")
        if len(field.data) > MAX_TOKEN_NAME:
            raise ValidationError(f"Token names can be at most {MAX_TOKEN_NAME} characters.")


async def render_tokens(
    form: TokenForm, new_token: str | None = None, status: int = 200
) -> ResponseReturnValue:
    viewer = signed_in_viewer()
    html = await render_template(
        "api_tokens.html",
        form=form,
        revoke_form=ActionForm(None),
        tokens=await select_tokens_of(viewer.user_id),
        new_token=new_token,
        sidebar=await load_sidebar(viewer.user_id),
        sign_out_form=SignOutForm(None),
        viewer=viewer,
    )
    return html, status, {"Cache-Control": "no-store"}


@token_pages.get(TOKENS_PATH)
@signed_in
async def list_tokens() -> ResponseReturnValue:
    return await render_tokens(TokenForm(None))


@token_pages.post(TOKENS_PATH)
@signed_in
async def create_token() -> ResponseReturnValue:
    form = TokenForm(await request.form)
    if not form.validate():
        return await render_tokens(form, status=422)
    viewer = signed_in_viewer()
    if len(await select_tokens_of(viewer.user_id)) >= MAX_TOKENS:
        form.name.errors = [f"You have {MAX_TOKENS} tokens; revoke one first."]
        return await render_tokens(form, status=422)
    issued = await tokens_of().issue(viewer.user_id, str(form.name.data))
    # Answered here, not redirected: the token is shown this once and never stored.
    return await render_tokens(TokenForm(None), new_token=issued.token)


@token_pages.post(f"{TOKENS_PATH}/<token_id>/revoke")
@signed_in
async def revoke_token(token_id: str) -> ResponseReturnValue:
    if not ActionForm(await request.form).validate():
        return await expired_form()
    if not await tokens_of().revoke(signed_in_viewer().user_id, token_id):
        abort(404)
    return redirect(TOKENS_PATH, 303)
