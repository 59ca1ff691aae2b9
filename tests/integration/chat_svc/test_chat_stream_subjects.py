"""CHAT_EVENTS stores what its durables read and none of chat's hints: typing, membership,
people and member lines are core NATS messages on the same ``chat.`` prefix, worthless a few
seconds later, and a stream on ``chat.>`` kept each of them for 26 hours."""

from __future__ import annotations

from nats.aio.client import Client as NATS

from chat_svc.events import MembershipChanged, PersonChanged, PersonTyping, RoomChanged
from chat_svc.member_lines.line_events import MemberLineWritten
from service_kit.messaging.jetstream import load_topology

HINTS = (
    PersonTyping.subject_for("general"),
    MembershipChanged.SUBJECT,
    PersonChanged.SUBJECT,
    MemberLineWritten.SUBJECT,
)


async def test_chat_hints_are_not_stored_and_every_durables_subject_is(nats_client: NATS) -> None:
    js = nats_client.jetstream()
    for subject in HINTS:
        await nats_client.publish(subject, b"{}")
    await nats_client.flush()
    stored = (await js.stream_info("CHAT_EVENTS")).state.messages
    assert stored == 0

    read_by_durables = {
        subject
        for stream, consumer in load_topology().consumers.values()
        if stream == "CHAT_EVENTS"
        for subject in consumer.filter_subjects or []
    }
    for subject in sorted(read_by_durables | {RoomChanged.SUBJECT}):
        concrete = subject.replace("*", "general")
        await js.publish(concrete, b"{}")  # refused ("no responders") if the stream lacks it
    info = await js.stream_info("CHAT_EVENTS")
    assert info.state.messages == len(read_by_durables | {RoomChanged.SUBJECT})
