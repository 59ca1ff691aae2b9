"""The pure parts of mention e-mails: who is due, the throttle, excerpts and links."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chat_svc.models.memberships import Membership
from chat_svc.models.messages import MessageRecord
from chat_svc.models.pending_mentions import PendingMention, pending_key
from chat_svc.notifications.mention_digests import (
    due_people,
    excerpt,
    is_due,
    message_link,
    still_unread,
    throttled,
)
from chat_svc.notifications.mention_notices import people_to_notify

NOW = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)
DELAY = timedelta(minutes=10)


def pending(
    user_id: str, message_id: int, minutes_ago: float, room: str = "general"
) -> PendingMention:
    # model_construct: a beanie Document built without a database connection.
    entry: PendingMention = PendingMention.model_construct(
        id=pending_key(user_id, room, message_id),
        user_id=user_id,
        room=room,
        message_id=message_id,
        mentioned_at=NOW - timedelta(minutes=minutes_ago),
    )
    return entry


def test_a_mention_is_due_once_the_delay_has_passed() -> None:
    assert is_due(NOW - DELAY, NOW, DELAY)
    assert not is_due(NOW - DELAY + timedelta(seconds=1), NOW, DELAY)
    assert is_due((NOW - DELAY).replace(tzinfo=None), NOW, DELAY)  # naive means UTC


def test_a_person_with_one_due_mention_gets_all_their_pending_ones_oldest_first() -> None:
    entries = [
        pending("bob", 9, minutes_ago=1),
        pending("bob", 3, minutes_ago=12),
        pending("cy", 4, minutes_ago=5),  # nothing due for Cy yet
        pending("bob", 5, minutes_ago=2, room="design"),
    ]
    due = due_people(entries, NOW, DELAY)
    assert list(due) == ["bob"]
    assert [(m.room, m.message_id) for m in due["bob"]] == [
        ("general", 3),
        ("design", 5),
        ("general", 9),
    ]


def test_the_throttle_holds_until_the_interval_after_the_last_email() -> None:
    interval = timedelta(minutes=30)
    assert not throttled(None, NOW, interval)
    assert throttled(NOW - timedelta(minutes=29), NOW, interval)
    assert not throttled(NOW - interval, NOW, interval)


def test_excerpts_are_one_line_and_cut_at_a_word() -> None:
    assert excerpt("  hello\n\n  there  ") == "hello there"
    long = "word " * 100
    cut = excerpt(long, limit=50)
    assert len(cut) <= 50 and cut.endswith("word…")
    assert excerpt("x" * 80, limit=20) == "x" * 19 + "…"  # one long word: cut inside it


def test_the_link_opens_the_message_in_its_room() -> None:
    assert (
        message_link("https://chat.example.test/", "design", 42)
        == "https://chat.example.test/rooms/design#message-42"
    )


def test_the_author_is_never_notified_of_their_own_mention() -> None:
    message = MessageRecord(
        room="general",
        message_id=1,
        author_id="ada",
        author_name="Ada",
        body="@Ada @Bob",
        posted_at=NOW,
        mentions=("ada", "bob"),
    )
    assert people_to_notify(message) == ("bob",)


def record(
    message_id: int, deleted: bool = False, naming: tuple[str, ...] = ("bob",)
) -> MessageRecord:
    return MessageRecord(
        message_id=message_id,
        author_id="ada",
        author_name="Ada",
        body="" if deleted else "@Bob hi",
        posted_at=NOW,
        deleted=deleted,
        mentions=naming,
    )


def read_up_to(message_id: int) -> Membership:
    membership: Membership = Membership.model_construct(
        room="general", user_id="bob", title="general", kind="open",
        last_read_message_id=message_id, joined_at=NOW,
    )  # fmt: skip
    return membership


def test_a_mention_is_moot_once_read_up_to_or_deleted() -> None:
    mention = pending("bob", 5, minutes_ago=11)
    assert still_unread(mention, record(5), read_up_to(4))
    assert not still_unread(mention, record(5), read_up_to(5))
    assert not still_unread(mention, record(5), read_up_to(9))
    assert not still_unread(mention, record(5, deleted=True), read_up_to(0))


def test_a_mention_is_moot_once_an_edit_took_it_out() -> None:
    mention = pending("bob", 5, minutes_ago=11)
    assert not still_unread(mention, record(5, naming=("cy",)), read_up_to(0))
