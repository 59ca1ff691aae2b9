"""The room page's list of messages, rendered once per message version and reused.

The page reads a room's newest messages from Redis as the JSON the cache stores; each JSON
(a message as it is now: an edit or deletion is a new JSON) is decoded and rendered once by
the same template the live stream uses, and kept in process. Every replica reads Redis on
every page, so a post, edit or deletion made through any replica shows on the next page
served anywhere, with nothing to invalidate.

Per viewer, only small parts are added around the shared markup: the classes
``own-message`` and ``mentions-you``, the message menu (Reply; on the author's own, Edit
while the edit window is open and Delete), the "new messages" divider, and the day
separators (their labels depend on today's date). The class ``continued`` (the same author
within five minutes: no second header) is the same for every viewer; message-groups.js keeps
it for live messages by the same rule.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from markupsafe import Markup, escape

from chat_svc.models.messages import MessageRecord
from chat_svc.web.message_text import day_label, utc_day
from chat_svc.web.rendering import MessageRenderer

# Enough for the visible pages of many rooms; cleared when full (a page re-renders its ten).
RENDERED_CAPACITY = 20_000
CLOSING = "</li>"
# Plain list items, as chat.html had them: a list holds only items (axe).
UNREAD_DIVIDER = '<li class="unread-divider"><span>New messages</span></li>'
# The shared markup's first class; the viewer's own classes go right after it.
MESSAGE_CLASS = 'class="message'
# Messages of one author this close together share one header (message-groups.js: the same).
GROUP_WITHIN = timedelta(minutes=5)


@dataclass(frozen=True)
class RenderedMessage:
    record: MessageRecord
    # The message's markup without its closing tag: the author's links go before it.
    opening: str


def message_menu(message: MessageRecord, own: bool, edit_open: bool) -> str:
    """The message menu, as ``_message_actions.html`` renders it: Reply and React on every
    message (chat_svc/replies/, chat_svc/reactions/), Edit while the window is open and
    Delete on the viewer's own."""
    base = f"/rooms/{escape(message.room)}/messages/{message.message_id}"
    reply = (
        f'<li><a href="{base}/reply" class="reply-message">Reply</a></li>'
        f'<li><a href="{base}/reactions" class="react-message">React</a></li>'
    )
    edit = (
        f'<li><a href="{base}/edit" class="edit-message">Edit</a></li>' if own and edit_open else ""
    )
    delete = f'<li><a href="{base}/delete" class="delete-message">Delete</a></li>' if own else ""
    return (
        '<details class="menu message-actions"><summary><span aria-hidden="true">⋯</span>'
        '<span class="visually-hidden">Message actions</span></summary>'
        f'<ul class="menu-items">{reply}{edit}{delete}</ul></details>'
    )


def continues(message: MessageRecord, previous: MessageRecord | None) -> bool:
    """Whether ``message`` goes under ``previous``'s header (nothing between them)."""
    return (
        previous is not None
        and not message.deleted
        and not previous.deleted
        and previous.author_id == message.author_id
        and timedelta(0) <= message.posted_at - previous.posted_at < GROUP_WITHIN
    )


class ConversationRenderer:
    def __init__(
        self, renderer: MessageRenderer, edit_open: Callable[[MessageRecord], bool]
    ) -> None:
        self._renderer = renderer
        self._edit_open = edit_open
        self._by_json: dict[bytes, RenderedMessage] = {}
        self._separators: dict[tuple[date, date], str] = {}

    def decode(self, raw: Sequence[bytes]) -> list[RenderedMessage]:
        """Messages as the Redis cache stores them, oldest first, each id once (a rebuild
        racing an edit can leave two versions: the newer one counts)."""
        newest: dict[int, RenderedMessage] = {}
        for item in raw:
            rendered = self._by_json.get(item)
            if rendered is None:
                rendered = self._render(MessageRecord.model_validate_json(item))
                if len(self._by_json) >= RENDERED_CAPACITY:
                    self._by_json.clear()
                self._by_json[item] = rendered
            known = newest.get(rendered.record.message_id)
            if known is None or rendered.record.stream_id > known.record.stream_id:
                newest[rendered.record.message_id] = rendered
        return [newest[key] for key in sorted(newest)]

    def forget_rendered(self) -> None:
        """Render every message again (someone's name changed: profiles/people_names.py)."""
        self._by_json.clear()

    def from_records(self, records: Sequence[MessageRecord]) -> list[RenderedMessage]:
        """Messages read from the store (Redis was unavailable or being rebuilt)."""
        return self.decode([record.model_dump_json().encode() for record in records])

    def _render(self, message: MessageRecord) -> RenderedMessage:
        html = self._renderer.html(message)
        assert html.endswith(CLOSING)  # _message.html is one <li>
        return RenderedMessage(message, html[: -len(CLOSING)])

    def html(
        self,
        messages: Sequence[RenderedMessage],
        viewer_id: str,
        first_unread: int | None,
        highlighted: int | None = None,
        lines: Sequence[tuple[datetime, str]] = (),
    ) -> Markup:
        """The list's items for one viewer: day separators, the unread divider, messages
        (``highlighted``: the message a link pointed at, ``?around=``) and, by time, the
        ``lines`` of who came and went (chat_svc/member_lines/)."""
        today = datetime.now(UTC).date()
        parts: list[str] = []
        previous_day: date | None = None
        previous: MessageRecord | None = None
        waiting = list(lines)[::-1]  # oldest last: popped in time order
        for rendered in messages:
            message = rendered.record
            if waiting and waiting[-1][0] <= message.posted_at:
                previous_day = self._lines(waiting, message.posted_at, parts, previous_day, today)
                previous = None  # a line between two messages ends their group
            day = utc_day(message.posted_at)
            if day != previous_day:
                parts.append(self._separator(day, today))
                previous_day, previous = day, None
            if message.message_id == first_unread:
                parts.append(UNREAD_DIVIDER)
                previous = None
            continued = continues(message, previous)
            parts.append(
                _for_viewer(
                    rendered.opening,
                    message,
                    viewer_id,
                    continued,
                    highlighted=message.message_id == highlighted,
                )
            )
            previous = message
            if not message.deleted:
                own = message.author_id == viewer_id
                parts.append(message_menu(message, own, own and self._edit_open(message)))
            parts.append(CLOSING)
        if waiting:
            self._lines(waiting, None, parts, previous_day, today)
        return Markup("".join(parts))  # noqa: S704 - each part is rendered and escaped above

    def _lines(
        self,
        waiting: list[tuple[datetime, str]],
        until: datetime | None,
        parts: list[str],
        previous_day: date | None,
        today: date,
    ) -> date | None:
        """Moves the lines up to ``until`` (all: None) from ``waiting`` (newest first) to
        ``parts``, each new day after its separator; the day of the last one."""
        while waiting and (until is None or waiting[-1][0] <= until):
            at, line = waiting.pop()
            if utc_day(at) != previous_day:
                previous_day = utc_day(at)
                parts.append(self._separator(previous_day, today))
            parts.append(line)
        return previous_day

    def _separator(self, day: date, today: date) -> str:
        found = self._separators.get((day, today))
        if found is None:
            label = escape(day_label(day, today))
            found = (
                f'<li class="day-separator" data-day="{day.isoformat()}">'
                f'<span class="day-label">{label}</span></li>'
            )
            if len(self._separators) >= RENDERED_CAPACITY:
                self._separators.clear()
            self._separators[(day, today)] = found
        return found


def _for_viewer(
    opening: str,
    message: MessageRecord,
    viewer_id: str,
    continued: bool,
    *,
    highlighted: bool = False,
) -> str:
    """The viewer's classes, as ``_message.html`` adds them when it knows the viewer, and
    ``continued`` (and ``highlighted``, the message an ``?around=`` view is about) after them."""
    extra = ""
    if message.author_id == viewer_id:
        extra += " own-message"
    if message.mentions_user(viewer_id):
        extra += " mentions-you"
    if continued:
        extra += " continued"
    if highlighted:
        extra += " highlighted"
    if not extra:
        return opening
    position = opening.index(MESSAGE_CLASS) + len(MESSAGE_CLASS)
    return opening[:position] + extra + opening[position:]
