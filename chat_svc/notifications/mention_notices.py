"""The post path's one call for mention e-mails: a stored message's mentions become pending
mentions (models/pending_mentions.py) that notifications/mention_digests.py mails if they
stay unread. A direct message is for its reader as much as a mention is: it is noted the
same way, so it comes in the same digest under the same setting.

The author is never mailed about their own message. Written right after the message, in the
request: an entry in the database survives a restart of every service, and the digest scan
(on any replica) finds it however long the delay is.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from pymongo.errors import PyMongoError

from chat_svc.models.messages import MessageRecord
from chat_svc.models.pending_mentions import (
    delete_pending_mentions,
    insert_pending_mentions,
    pending_key,
)

log = logging.getLogger(__name__)


def people_to_notify(message: MessageRecord, readers: Iterable[str] = ()) -> tuple[str, ...]:
    everyone = dict.fromkeys((*message.mentions, *readers))  # ordered, each once
    return tuple(user_id for user_id in everyone if user_id != message.author_id)


class MentionNotices:
    async def mentioned(self, message: MessageRecord, readers: Iterable[str] = ()) -> None:
        """``readers``: who a direct message is for, noted like the mentioned."""
        people = people_to_notify(message, readers)
        if not people:
            return
        fields = {"room": message.room, "message_id": message.message_id}
        try:
            # An edit that adds a mention (if the edit path calls this) counts from the edit.
            mentioned_at = message.edited_at or message.posted_at
            await insert_pending_mentions(message.room, message.message_id, people, mentioned_at)
        except PyMongoError as error:
            # The message is stored and shown; only its e-mail is lost (and it is logged).
            log.error("mentions not recorded for e-mail: %s", error, extra=fields)
            return
        log.info(
            "mentions recorded for e-mail",
            extra=fields | {"people": len(people)},
        )

    async def unmentioned(self, message: MessageRecord, user_ids: tuple[str, ...]) -> None:
        """An edit (or deletion) took these people's mentions out: nothing left to mail."""
        if not user_ids:
            return
        fields = {"room": message.room, "message_id": message.message_id}
        keys = (pending_key(user_id, message.room, message.message_id) for user_id in user_ids)
        try:
            await delete_pending_mentions(keys)
        except PyMongoError as error:
            # The scan checks the message's mentions again before mailing (still_unread).
            log.error("withdrawn mentions not removed: %s", error, extra=fields)
