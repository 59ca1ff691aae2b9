"""The every-room stream's pieces: the map of positions its ids spell, and the taps that
pour each room's fanned-out frames into one outlet."""

from __future__ import annotations

from datetime import UTC, datetime

from chat_svc.api.every_room_clients import EveryRoomOutlet, RoomTap
from chat_svc.api.room_positions import format_positions, parse_positions
from chat_svc.live.sse_frames import HEARTBEAT, MessageFrame, frame
from chat_svc.live.stream_client import NOTHING_SENT, CloseReason
from chat_svc.live.subscriptions import SIDEBAR_CHANGED
from chat_svc.models.messages import MessageRecord


def test_positions_round_trip_and_anything_malformed_is_no_resume_point() -> None:
    positions = {"ops": 88, "general": 105, "empty": 0}
    assert format_positions(positions) == "empty:0,general:105,ops:88"
    assert parse_positions(format_positions(positions)) == positions
    for bad in [None, "", "105", "general:", "General:1", "general:-1", "a:1,,b:2", "x:1;y:2"]:
        assert parse_positions(bad) is None, bad


def fanned_out(room: str, message_id: int, body: str) -> MessageFrame:
    record = MessageRecord(
        message_id=message_id,
        room=room,
        author_id="u1",
        author_name="Ada",
        body=body,
        posted_at=datetime.now(UTC),
    )
    rendered = MessageFrame(frame("message", "<li>html</li>", event_id=message_id))
    rendered.record, rendered.replaces = record, False
    return rendered


def test_taps_stamp_every_event_with_every_rooms_position_and_a_leave_ends_one_room() -> None:
    outlet = EveryRoomOutlet("s1", 100, "u1")
    general, ops = RoomTap(outlet, "general"), RoomTap(outlet, "ops")
    outlet.taps = {"general": general, "ops": ops}
    outlet.positions = {"general": 10, "ops": 3}
    ops.offer(4, fanned_out("ops", 4, "held"))  # held until its backlog is written
    general.go_live(NOTHING_SENT)
    ops.go_live(frozenset({4}))  # the backlog had it: not sent twice
    general.offer(11, fanned_out("general", 11, "hello"))
    general.offer(0, HEARTBEAT)  # heartbeats come to the outlet itself, once
    sent = outlet.take().decode()
    assert sent.startswith("id: general:11,ops:3\nevent: message\n")
    assert '"body":"hello"' in sent and "held" not in sent and "<li>" not in sent
    outlet.offer(0, HEARTBEAT)
    assert outlet.take() == HEARTBEAT

    ops.close(CloseReason.GONE)
    assert outlet.close_reason is None and outlet.rooms_changed
    general.close(CloseReason.SIGNED_OUT)
    assert outlet.close_reason is CloseReason.SIGNED_OUT
    outlet.offer(0, SIDEBAR_CHANGED)  # a signal, never written
    assert outlet.pending == []
