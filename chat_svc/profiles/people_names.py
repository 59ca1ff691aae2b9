"""The names messages are shown with: the author's CURRENT name, looked up by the author's
id when the message is rendered (the stored ``author_name`` is only the fallback for
someone this replica does not know yet), marked "(deactivated)" for a deactivated account;
and their picture's version (avatars/avatar_versions.py), which changes the same way.

Kept in process for every person, so rendering stays a dictionary look-up: read at start-up
from the people directory's cards in Valkey (people_directory/; a few script calls), the
store only when the directory cannot say (on FerretDB a read of every user and profile
scans: 0.3-0.6 s at 10,000 people, docs/performance.md). A rename or a (de)activation
is announced on core NATS (``PersonChanged``): every replica updates its map and drops
the message markup it rendered with the old name (``listeners``)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from pydantic import ValidationError

from chat_svc.avatars.avatar_storage import select_avatar_versions
from chat_svc.avatars.avatar_versions import replace_versions, set_version
from chat_svc.events import PersonChanged
from chat_svc.live.fanout import Fanout
from chat_svc.live.sse_frames import frame
from chat_svc.models.messages import author_tag
from chat_svc.models.users import ChatUser
from chat_svc.people_directory.installation import everyone_by_card
from chat_svc.people_directory.person_lookup import find_person
from chat_svc.profiles.profile_records import select_profile

log = logging.getLogger(__name__)

DEACTIVATED_MARK = " (deactivated)"


class PeopleNames:
    def __init__(self, nats: NATS) -> None:
        self._nats = nats
        self._names: dict[str, tuple[str, bool]] = {}
        self._subscription: Subscription | None = None
        self.listeners: list[Callable[[], None]] = []  # called after any change
        self.person_listeners: list[Callable[[PersonChanged], None]] = []  # after one person's

    def label(self, user_id: str, stored_name: str) -> str:
        name, deactivated = self._names.get(user_id, (stored_name, False))
        return name + DEACTIVATED_MARK if deactivated else name

    async def start(self) -> None:
        self._subscription = await self._nats.subscribe(PersonChanged.SUBJECT, cb=self._heard)

    async def stop(self) -> None:
        if self._subscription is not None:
            await self._subscription.unsubscribe()
            self._subscription = None

    async def load(self) -> None:
        """Every person's name (at start-up, and after a NATS reconnect: changes announced
        while this replica was away were not heard)."""
        cards = await everyone_by_card()
        if cards is None:
            await self._load_from_store()
        else:
            self._names = {card.user_id: (card.display_name, card.deactivated) for card in cards}
            replace_versions({card.user_id: card.avatar for card in cards if card.avatar})
        self._changed()

    async def _load_from_store(self) -> None:
        rows = ChatUser.get_pymongo_collection().find(
            {}, {"user_id": 1, "display_name": 1, "deactivated": 1, "_id": 0}
        )
        self._names = {
            str(row["user_id"]): (str(row["display_name"]), bool(row.get("deactivated")))
            async for row in rows
        }
        replace_versions(await select_avatar_versions())

    async def announce(self, user_id: str) -> None:
        """Tell every replica (this one at once) how the person is now shown, as stored."""
        person = await find_person(user_id)
        if person is None:
            return
        event = PersonChanged(
            user_id=person.user_id,
            display_name=person.display_name,
            deactivated=person.deactivated,
            avatar=(await select_profile(user_id)).avatar,
        )
        self._apply(event)
        await self._nats.publish(event.SUBJECT, event.to_bytes())

    async def _heard(self, msg: Msg) -> None:
        try:
            self._apply(PersonChanged.model_validate_json(msg.data))
        except ValidationError as error:
            log.error("malformed PersonChanged dropped: %s", error)

    def _apply(self, event: PersonChanged) -> None:
        self._names[event.user_id] = (event.display_name, event.deactivated)
        set_version(event.user_id, event.avatar)
        self._changed()
        for listener in self.person_listeners:
            listener(event)

    def _changed(self) -> None:
        for listener in self.listeners:
            listener()


def tell_open_pages(fanout: Fanout) -> Callable[[PersonChanged], None]:
    """Every stream of this replica gets a ``person`` frame, ``{"author", "name"}``:
    person-names.js renames that author's messages on the page (without JavaScript the
    next page shows the name)."""

    def broadcast(event: PersonChanged) -> None:
        shown = event.display_name + (DEACTIVATED_MARK if event.deactivated else "")
        data = json.dumps({"author": author_tag(event.user_id), "name": shown})
        fanout.broadcast(frame("person", data))

    return broadcast
