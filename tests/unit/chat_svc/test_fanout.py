"""The per-replica fanout: one append per client, slow clients dropped, no duplicates."""

from __future__ import annotations

from chat_svc.lib.fanout import CloseReason, Fanout, StreamClient


def live_client(session_id: str = "s-1", limit: int = 4) -> StreamClient:
    client = StreamClient(session_id, limit)
    client.go_live(frozenset())
    return client


async def test_every_client_gets_the_same_bytes_in_one_write() -> None:
    fanout = Fanout()
    clients = [live_client(f"s-{n}") for n in range(3)]
    for client in clients:
        fanout.add(client)
    fanout.deliver("general", 1, b"one")
    fanout.deliver("general", 2, b"two")
    assert [await c.next_chunk() for c in clients] == [b"onetwo"] * 3


async def test_a_client_that_falls_too_far_behind_is_dropped_alone() -> None:
    fanout = Fanout()
    slow, fast = live_client("slow", limit=2), live_client("fast", limit=2)
    fanout.add(slow)
    fanout.add(fast)
    for message_id in (1, 2):
        fanout.deliver("general", message_id, b"x")
        assert await fast.next_chunk() == b"x"
    fanout.deliver("general", 3, b"x")
    assert slow.close_reason is CloseReason.TOO_SLOW
    assert await slow.next_chunk() is None
    assert await fast.next_chunk() == b"x"


async def test_live_copies_of_backlog_messages_are_not_sent_twice() -> None:
    client = StreamClient("s-1", limit=10)
    client.offer(5, b"five")  # arrives while the backlog (4, 5) is being read
    client.offer(6, b"six")
    client.go_live(frozenset({4, 5}))
    client.offer(5, b"five")  # a late live copy
    client.offer(7, b"seven")
    assert await client.next_chunk() == b"sixseven"


async def test_closing_a_session_closes_only_its_streams() -> None:
    fanout = Fanout()
    mine, also_mine, other = live_client("mine"), live_client("mine"), live_client("other")
    for client in (mine, also_mine, other):
        fanout.add(client)
    assert fanout.close_session("mine") == 2
    assert mine.close_reason is also_mine.close_reason is CloseReason.SIGNED_OUT
    assert other.close_reason is None
    fanout.remove(mine)
    fanout.remove(also_mine)
    assert fanout.sessions == ["other"]
