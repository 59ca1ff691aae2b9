"""Mention e-mails decided and (being) published: chat_svc's outbox for
MentionDigestRequested, and when each person was last mailed.

Deciding "this person gets digest number n" is an insert into a unique ``_id``
("<user_id>:<n>"): atomic on MongoDB and FerretDB alike, like ``store_compat.claim_once``,
but the claim carries the event itself. Whoever wins the insert publishes; if it dies first,
the next scan finds the digest unpublished and publishes the same bytes with the same event
id, which JetStream's duplicate window and mail_svc's record of sent event ids drop if the
first publish got through after all.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from beanie import Document
from pymongo.errors import DuplicateKeyError

from service_kit.storage.store_compat import upsert_retrying


class MentionDigest(Document):
    id: str  # type: ignore[assignment]  # "<user_id>:<sequence number>"
    user_id: str
    sequence: int
    created_at: datetime
    event_id: str
    payload: str  # the MentionDigestRequested as published
    pending_keys: list[str]  # the PendingMention entries it mails
    published: bool = False

    class Settings:
        name = "mention_digests"


class MentionMailState(Document):
    """Per person: the last digest's number and when it was decided (the throttle)."""

    id: str  # type: ignore[assignment]  # the user id
    last_sequence: int
    last_mailed_at: datetime

    class Settings:
        name = "mention_mail_state"


def digest_key(user_id: str, sequence: int) -> str:
    return f"{user_id}:{sequence}"


async def insert_digest(
    user_id: str,
    sequence: int,
    created_at: datetime,
    event_id: str,
    payload: str,
    pending_keys: list[str],
) -> MentionDigest | None:
    """None when this person's digest of that number exists already (another scan)."""
    document = {
        "_id": digest_key(user_id, sequence),
        "user_id": user_id,
        "sequence": sequence,
        "created_at": created_at,
        "event_id": event_id,
        "payload": payload,
        "pending_keys": pending_keys,
        "published": False,
    }
    try:
        await MentionDigest.get_pymongo_collection().insert_one(document)
    except DuplicateKeyError:
        return None
    digest: MentionDigest = MentionDigest.model_validate(document)
    return digest


async def select_unpublished_digests() -> list[MentionDigest]:
    return await MentionDigest.find(MentionDigest.published == False).to_list()  # noqa: E712


async def mark_digest_published(key: str) -> None:
    await MentionDigest.get_pymongo_collection().update_one(
        {"_id": key}, {"$set": {"published": True}}
    )


async def delete_published_digests(before: datetime) -> None:
    """Published digests are kept a while: an insert of the same number by a scan that
    overran its lease then still fails instead of mailing again."""
    await MentionDigest.get_pymongo_collection().delete_many(
        {"published": True, "created_at": {"$lt": before}}
    )


async def select_mail_states(user_ids: Iterable[str]) -> dict[str, MentionMailState]:
    found = await MentionMailState.find({"_id": {"$in": list(user_ids)}}).to_list()
    return {state.id: state for state in found}


async def record_mailed(user_id: str, sequence: int, mailed_at: datetime) -> None:
    await upsert_retrying(
        MentionMailState.get_pymongo_collection(),
        {"_id": user_id},
        {"$max": {"last_sequence": sequence, "last_mailed_at": mailed_at}},
    )
