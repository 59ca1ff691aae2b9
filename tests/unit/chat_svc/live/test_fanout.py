"""The per-replica fanout: one append per client, slow clients dropped, no duplicates."""

from __future__ import annotations

import asyncio

from chat_svc.live.fanout import Fanout
from chat_svc.live.flusher import BATCH_WINDOW_SECONDS, WRITES_PER_PASS
from chat_svc.live.socket_writes import http_chunk
from chat_svc.live.stream_client import CloseReason, StreamClient, unread_frame


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


async def test_a_copy_published_again_skips_the_streams_that_resumed_past_it() -> None:
    # A post whose first publish went unacknowledged is published again: a stream that
    # resumed with a later id had it before; one that read it in its backlog skips it by id.
    fanout = Fanout()
    live = live_client("s-live")  # open since before the post: never got its first copy
    resumed_past = StreamClient("s-past", limit=4)
    resumed_past.resumed_after = 8
    resumed_past.go_live(frozenset())
    from_backlog = StreamClient("s-backlog", limit=4)
    from_backlog.resumed_after = 6
    from_backlog.go_live(frozenset({7}))
    for client in (live, resumed_past, from_backlog):
        fanout.add(client)
    fanout.deliver("general", 7, b"seven", again=True)
    fanout.deliver_change("general", 8, b"edit", again=True)
    fanout.deliver("general", 9, b"nine")
    assert await live.next_chunk() == b"seveneditnine"
    assert await resumed_past.next_chunk() == b"nine"
    assert await from_backlog.next_chunk() == b"editnine"


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


def member_client(user_id: str, room: str, counts: dict[str, tuple[int, int]]) -> StreamClient:
    client = StreamClient(f"s-{user_id}-{room}", limit=10, user_id=user_id, room=room)
    client.expect_counts(set(counts))
    client.start_counts(counts)
    client.go_live(frozenset())
    return client


async def test_a_message_reaches_only_its_rooms_viewers_and_counts_for_other_members() -> None:
    fanout = Fanout()
    in_design = member_client("ada", "design", {"general": (0, 10)})
    in_general = member_client("bob", "general", {})
    fanout.add(in_design)
    fanout.add(in_general)
    assert await in_design.next_chunk() == unread_frame({"general": 0})  # the opening counts
    for message_id in (11, 12, 13):
        fanout.deliver("general", message_id, b"m")
    fanout.deliver("design", 1, b"d")
    assert await in_general.next_chunk() == b"mmm"
    assert await in_design.next_chunk() == b"d"  # counts wait for the next flush
    fanout.flush_counts()
    fanout.flush_counts()  # nothing new: nothing sent
    assert await in_design.next_chunk() == unread_frame({"general": 3})
    assert not in_design.pending


async def test_what_happens_while_the_counts_are_read_is_applied_on_top() -> None:
    client = StreamClient("s-1", limit=10, user_id="ada", room="design")
    client.expect_counts({"general", "random"})
    client.count_unread("general", 8)  # live, while the store is being read
    client.count_unread("general", 9)
    client.mark_read("random", 30)  # read in another tab meanwhile
    client.start_counts({"general": (2, 8), "random": (4, 30)})
    client.go_live(frozenset())
    assert await client.next_chunk() == unread_frame({"general": 3, "random": 0})


async def test_a_person_leaving_a_room_loses_only_their_streams_of_it() -> None:
    fanout = Fanout()
    leaving, elsewhere = live_client("a"), StreamClient("b", 4, user_id="ada", room="general")
    leaving.user_id, leaving.room = "ada", "secret"
    elsewhere.go_live(frozenset())
    for client in (leaving, elsewhere):
        fanout.add(client)
    assert fanout.close_room_of("ada", "secret") == 1
    assert leaving.close_reason is CloseReason.GONE and elsewhere.close_reason is None


async def test_an_edit_goes_to_the_rooms_viewers_and_counts_as_unread_for_nobody() -> None:
    fanout = Fanout()
    viewer = live_client("s-view")
    elsewhere = StreamClient("s-other", 4, "u-2", room="random")
    elsewhere.expect_counts({"general"})
    elsewhere.go_live(frozenset())
    fanout.add(viewer)
    fanout.add(elsewhere)
    elsewhere.start_counts({"general": (0, 5)})
    await elsewhere.next_chunk()  # the opening counts
    fanout.deliver_change("general", 9, b"edited")
    fanout.flush_counts()
    assert await viewer.next_chunk() == b"edited"
    assert viewer.seen_id == 9  # read up to the edit's id when the stream ends
    assert elsewhere.pending == [] and elsewhere.unread == {"general": 0}


async def test_mentions_count_only_for_the_person_mentioned_and_reset_when_read() -> None:
    fanout = Fanout()
    ada = member_client("ada", "design", {"general": (0, 10)})
    bob = member_client("bob", "design", {"general": (0, 10)})
    for client in (ada, bob):
        fanout.add(client)
        await client.next_chunk()  # the opening counts
    fanout.deliver("general", 11, b"m", frozenset({"ada"}))
    fanout.deliver("general", 12, b"m")
    fanout.flush_counts()
    assert await ada.next_chunk() == unread_frame({"general": 2}, {"general": 1})
    assert await bob.next_chunk() == unread_frame({"general": 2}, {"general": 0})
    fanout.mark_read("ada", "general", 12)
    fanout.flush_counts()
    assert await ada.next_chunk() == unread_frame({"general": 0}, {"general": 0})


async def test_mentions_while_the_counts_are_read_are_applied_on_top() -> None:
    client = StreamClient("s-1", limit=10, user_id="ada", room="design")
    client.expect_counts({"general"})
    client.count_unread("general", 8, mentioned=True)  # already in the store's count
    client.count_unread("general", 9, mentioned=True)
    client.start_counts({"general": (2, 8)}, {"general": 1})
    client.go_live(frozenset())
    assert await client.next_chunk() == unread_frame({"general": 3}, {"general": 2})


class RecordingSink:
    """Stands in for lib/direct_writes.DirectSink (our own port): records what is written."""

    def __init__(self) -> None:
        self.paused = False
        self.writes: list[bytes] = []
        self.wakes = 0

    def ready(self) -> bool:
        return not self.paused

    def write(self, chunk: bytes) -> None:
        self.writes.append(chunk)

    def wake(self) -> None:
        self.wakes += 1


def direct_client(fanout: Fanout, session_id: str, limit: int = 4) -> RecordingSink:
    client = live_client(session_id, limit)
    fanout.add(client)
    sink = RecordingSink()
    client.sink = sink  # type: ignore[assignment]
    return sink


async def next_loop_pass() -> None:
    await asyncio.sleep(0)


async def test_what_one_loop_pass_delivers_leaves_in_one_chunk_written_per_client() -> None:
    fanout = Fanout()
    sinks = [direct_client(fanout, f"s-{n}") for n in range(3)]
    fanout.deliver("general", 1, b"one")
    fanout.deliver("general", 2, b"two")
    assert all(sink.writes == [] for sink in sinks)  # nothing written per offer
    await next_loop_pass()
    assert [sink.writes for sink in sinks] == [[http_chunk(b"onetwo")]] * 3
    assert all(sink.wakes == 0 for sink in sinks)  # no task woken for a live message


async def test_a_large_fanout_is_written_in_slices_with_other_work_run_between() -> None:
    fanout = Fanout()
    sinks = [direct_client(fanout, f"s-{n}") for n in range(WRITES_PER_PASS * 2 + 1)]
    fanout.deliver("general", 1, b"one")
    written_when_it_ran: list[int] = []

    async def other_work() -> None:  # ready right after the message: a POST's answer, say
        written_when_it_ran.append(sum(1 for sink in sinks if sink.writes))

    await asyncio.ensure_future(other_work())
    for _ in range(3):
        await next_loop_pass()
    assert written_when_it_ran == [WRITES_PER_PASS]
    assert all(sink.writes == [http_chunk(b"one")] for sink in sinks)
    first, *others = (sink.writes[0] for sink in sinks)
    assert all(chunk is first for chunk in others)  # framed once across the slices


async def test_a_message_is_framed_as_a_chunk_once_for_every_client() -> None:
    fanout = Fanout()
    sinks = [direct_client(fanout, f"s-{n}") for n in range(3)]
    fanout.deliver("general", 1, b"one")
    await next_loop_pass()
    first, *others = (sink.writes[0] for sink in sinks)
    assert first == b"3\r\none\r\n"
    assert all(chunk is first for chunk in others)


async def test_a_paused_socket_leaves_frames_to_the_task_and_a_slow_client_is_still_dropped() -> (
    None
):
    fanout = Fanout()
    sink = direct_client(fanout, "slow", limit=2)
    (slow,) = fanout.clients
    sink.paused = True
    fanout.deliver("general", 1, b"a")
    await next_loop_pass()
    assert sink.writes == [] and sink.wakes == 1 and slow.pending == [b"a"]
    assert slow.take() == b"a"  # the task sends it through ASGI (which drains)
    slow.sending = True  # while it does, nothing overtakes it on the socket
    sink.paused = False
    fanout.deliver("general", 2, b"b")
    await next_loop_pass()
    assert sink.writes == [] and slow.pending == [b"b"]
    fanout.deliver("general", 3, b"c")
    fanout.deliver("general", 4, b"d")
    assert slow.close_reason is CloseReason.TOO_SLOW and slow.pending == []


async def test_a_write_that_fails_closes_that_stream_and_the_others_are_still_written() -> None:
    fanout = Fanout()
    broken, fine = direct_client(fanout, "broken"), direct_client(fanout, "fine")

    def fail(chunk: bytes) -> None:
        raise ConnectionResetError

    broken.write = fail  # type: ignore[method-assign]
    fanout.deliver("general", 1, b"one")
    await next_loop_pass()
    closed = [c.session_id for c in fanout.clients if c.close_reason is CloseReason.DISCONNECTED]
    assert closed == ["broken"] and fine.writes == [http_chunk(b"one")]


async def test_while_writing_keeps_the_loop_busy_a_client_is_written_once_per_window() -> None:
    fanout = Fanout(start_holding=-1.0)  # writing counts as busy from the first write on
    for n in range(30):  # and messages have been coming fast (to a room nobody here shows)
        fanout.deliver("elsewhere", n, b"")
    busy = direct_client(fanout, "busy")
    fanout.deliver("general", 1, b"one")
    await next_loop_pass()
    assert busy.writes == [http_chunk(b"one")]  # after a quiet while, at once
    quiet = direct_client(fanout, "joined-later")
    fanout.deliver("general", 2, b"two")
    await next_loop_pass()
    fanout.deliver("general", 3, b"three")
    await next_loop_pass()
    # Written to a moment ago: held for the window's end. The other was not: at once.
    assert busy.writes == [http_chunk(b"one")]
    assert quiet.writes == [http_chunk(b"two")]
    await asyncio.sleep(BATCH_WINDOW_SECONDS * 1.5)  # timers run in order: the window ended
    assert busy.writes == [http_chunk(b"one"), http_chunk(b"twothree")]
    assert quiet.writes == [http_chunk(b"two"), http_chunk(b"three")]
    await asyncio.sleep(BATCH_WINDOW_SECONDS * 1.5)  # and the next one, with nothing held
    fanout.deliver("general", 4, b"four")
    await next_loop_pass()
    assert busy.writes[-1] == quiet.writes[-1] == http_chunk(b"four")


async def test_while_writing_takes_little_of_the_loop_nothing_is_held() -> None:
    fanout = Fanout()
    sink = direct_client(fanout, "s")
    for n in range(1, 4):
        fanout.deliver("general", n, b"%d" % n)
        await asyncio.sleep(BATCH_WINDOW_SECONDS / 4)  # far more idle than writing
    assert sink.writes == [http_chunk(b"1"), http_chunk(b"2"), http_chunk(b"3")]


async def test_a_window_of_zero_writes_every_pass_however_busy() -> None:
    fanout = Fanout(batch_window_seconds=0, start_holding=-1.0)  # CHAT_STREAM_BATCH_SECONDS=0
    for n in range(30):
        fanout.deliver("elsewhere", n, b"")
    sink = direct_client(fanout, "s")
    for n in range(1, 4):
        fanout.deliver("general", n, b"%d" % n)
        await next_loop_pass()
    assert sink.writes == [http_chunk(b"1"), http_chunk(b"2"), http_chunk(b"3")]


async def test_the_fanout_is_idle_only_once_every_slice_of_a_message_is_written() -> None:
    # The poster first holds a copy only while the fan-out is idle (live/posts_in_flight.py).
    fanout = Fanout()
    for n in range(2 * WRITES_PER_PASS + 1):
        fanout.add(live_client(f"s-{n}", limit=10))
    assert fanout.idle
    fanout.deliver("general", 1, b"one")
    assert not fanout.idle  # due
    await asyncio.sleep(0)  # the first slice is written
    assert not fanout.idle  # two more to go
    for _ in range(5):
        await asyncio.sleep(0)
    assert fanout.idle
