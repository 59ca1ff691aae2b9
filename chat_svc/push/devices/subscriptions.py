"""Push subscriptions, one per device (its endpoint), each tied to the person and to the
session that registered it: that session's end (SessionRevoked) deletes it, a password
change deletes all of the person's (push/devices/account_events.py)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime

from beanie import Document
from pymongo import ASCENDING, IndexModel


class PushSubscription(Document):
    id: str  # type: ignore[assignment]  # a hash of the endpoint: one record per device
    user_id: str
    session_id: str
    endpoint: str
    p256dh: str
    auth: str
    user_agent: str = ""
    created_at: datetime
    last_success_at: datetime | None = None

    class Settings:
        name = "push_subscriptions"
        indexes = [  # noqa: RUF012 - beanie's shape, as in models/
            IndexModel([("user_id", ASCENDING)]),
            IndexModel([("session_id", ASCENDING)]),
        ]

    def as_subscription_info(self) -> dict[str, object]:
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


def subscription_id(endpoint: str) -> str:
    return hashlib.sha256(endpoint.encode()).hexdigest()[:32]


async def upsert_subscription(
    *, user_id: str, session_id: str, endpoint: str, p256dh: str, auth: str, user_agent: str
) -> None:
    """A device registered again (or by someone else now) belongs to the latest one."""
    await PushSubscription.get_pymongo_collection().update_one(
        {"_id": subscription_id(endpoint)},
        {
            "$set": {
                "user_id": user_id,
                "session_id": session_id,
                "endpoint": endpoint,
                "p256dh": p256dh,
                "auth": auth,
                "user_agent": user_agent[:300],
            },
            "$setOnInsert": {"created_at": datetime.now(UTC), "last_success_at": None},
        },
        upsert=True,
    )


async def delete_subscription(endpoint: str, user_id: str | None = None) -> bool:
    query: dict[str, str] = {"_id": subscription_id(endpoint)}
    if user_id is not None:
        query["user_id"] = user_id
    result = await PushSubscription.get_pymongo_collection().delete_one(query)
    return bool(result.deleted_count)


async def delete_subscriptions_of(
    *, user_id: str | None = None, session_id: str | None = None
) -> int:
    query = {"user_id": user_id} if user_id is not None else {"session_id": session_id}
    result = await PushSubscription.get_pymongo_collection().delete_many(query)
    return int(result.deleted_count)


async def select_subscriptions_of(user_ids: Iterable[str]) -> list[PushSubscription]:
    return await PushSubscription.find({"user_id": {"$in": list(user_ids)}}).to_list()


async def mark_success(subscriptions: list[str]) -> None:
    await PushSubscription.get_pymongo_collection().update_many(
        {"_id": {"$in": subscriptions}}, {"$set": {"last_success_at": datetime.now(UTC)}}
    )
