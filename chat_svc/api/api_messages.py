"""A room's messages through the API: list (``before``/``after``/``around``), post, edit,
delete. The same actions as the pages (actions/message_feed.py, actions/message_edits.py),
so the same rules (membership, sizes, rate limit, edit window) and the same JetStream
events: an API post appears live on every page like any other."""

from __future__ import annotations

from quart import Blueprint, Response
from quart_schema import (
    document_response,
    validate_querystring,
    validate_request,
    validate_response,
)

from chat_svc.actions.message_edits import EditWindowClosedError, MessageBusyError
from chat_svc.api.api_rooms import visible_room
from chat_svc.api.api_schemas import (
    MAX_ID,
    ApiAnswer,
    MessageIn,
    MessageList,
    MessageOut,
    MessagePage,
    Problem,
)
from chat_svc.api.bearer_auth import api_caller, caller
from chat_svc.api.problems import ApiProblem
from chat_svc.models.messages import MessageRecord, select_messages_from
from chat_svc.room_administration.archived_rooms import refuse_archived_api
from chat_svc.services import services_of
from chat_svc.settings import ChatSettings
from chat_svc.web.forms import normalise_body

MESSAGE_PATH = "/rooms/<slug>/messages/<id:message_id>"  # service_kit/serving/strict_ids.py


async def member_room(slug: str) -> str:
    """The room's slug when the caller may write there: 404 when hidden, 403 when open but
    not joined, 409 when archived (read-only, as on the pages)."""
    room, member = await visible_room(slug)
    if not member:
        raise ApiProblem(403, "not_a_member", "Join the room before writing in it.")
    if room.archived:
        raise refuse_archived_api()  # chat_svc/room_administration/
    return str(room.slug)


def checked_body(body: str, max_chars: int) -> str:
    text = normalise_body(body)
    if not text:
        raise ApiProblem(422, "empty_body", "Write a message before sending.")
    if len(text) > max_chars:
        raise ApiProblem(422, "body_too_long", f"Messages can be at most {max_chars} characters.")
    return text


async def page_of(room: str, query: MessagePage) -> MessageList:
    history = services_of().reads.history
    if sum(value is not None for value in (query.before, query.after, query.around)) > 1:
        raise ApiProblem(422, "one_cursor", "Pass at most one of before, after and around.")
    if query.around is not None:
        return MessageList(messages=_out(await history.around(room, query.around, query.limit)))
    if query.after is not None:
        newer = await select_messages_from(room, query.after + 1, query.limit)
        return MessageList(messages=_out(newer))
    older = (
        await history.before(room, query.before, query.limit + 1)
        if query.before is not None
        else await history.latest(room, query.limit + 1)
    )
    has_more = len(older) > query.limit
    older = older[-query.limit :]
    return MessageList(
        messages=_out(older), older_before=older[0].message_id if has_more and older else None
    )


def _out(messages: list[MessageRecord]) -> list[MessageOut]:
    return [MessageOut.of(message) for message in messages]


def add_message_routes(api: Blueprint, settings: ChatSettings) -> None:
    @api.get("/rooms/<slug>/messages")
    @api_caller
    @validate_querystring(MessagePage)
    @validate_response(MessageList)
    async def list_messages(slug: str, query_args: MessagePage) -> ApiAnswer:
        """A page of the room's messages, oldest first.

        The newest by default, or those just older than ``before``, newer than ``after``,
        or around the message ``around`` (at most one of them)."""
        room, _ = await visible_room(slug)
        return await page_of(room.slug, query_args)

    @api.post("/rooms/<slug>/messages")
    @api_caller
    @document_response(Problem, 409)  # room_archived (and message_busy for changes)
    @validate_request(MessageIn)
    @validate_response(MessageOut, 201)
    async def post_message(slug: str, data: MessageIn) -> ApiAnswer:
        """Post a message as the token's holder.

        201 with the message; 429 with Retry-After past the sender's rate limit (the
        pages' limit); 403 ``not_a_member`` in an open room not joined; 409
        ``room_archived`` in an archived room (read-only)."""
        room = await member_room(slug)
        body = checked_body(data.body, settings.message_max_chars)
        message = await services_of().actions.messages.post(caller(), room, body)
        return MessageOut.of(message), 201

    async def own_message(slug: str, message_id: int) -> MessageRecord:
        room = await member_room(slug)
        edits = services_of().actions.edits
        message = (
            await edits.own_message(caller(), room, message_id) if message_id <= MAX_ID else None
        )
        if message is None:  # someone else's, or none: the same 404 as the pages
            raise ApiProblem(404, "message_not_found")
        return message

    @api.patch(MESSAGE_PATH)
    @api_caller
    @document_response(Problem, 409)  # room_archived (and message_busy for changes)
    @validate_request(MessageIn)
    @validate_response(MessageOut)
    async def edit_message(slug: str, message_id: int, data: MessageIn) -> ApiAnswer:
        """Edit one's own message.

        Within the edit window; 403 ``edit_window_closed`` after it; 409 ``room_archived``
        in an archived room."""
        message = await own_message(slug, message_id)
        body = checked_body(data.body, settings.message_max_chars)
        try:
            changed = await services_of().actions.edits.edit(message, body)
        except EditWindowClosedError as closed:
            raise ApiProblem(403, "edit_window_closed") from closed
        except MessageBusyError as busy:
            raise ApiProblem(409, "message_busy", "The message is being changed.") from busy
        return MessageOut.of(changed)

    @api.delete(MESSAGE_PATH)
    @api_caller
    @document_response(Problem, 409)  # room_archived (and message_busy for changes)
    async def delete_message(slug: str, message_id: int) -> Response:
        """Delete one's own message.

        204; the message stays as a deleted line, as on the pages; 409 ``room_archived``
        in an archived room."""
        message = await own_message(slug, message_id)
        try:
            await services_of().actions.edits.delete(message)
        except MessageBusyError as busy:
            raise ApiProblem(409, "message_busy", "The message is being changed.") from busy
        return Response(status=204)
