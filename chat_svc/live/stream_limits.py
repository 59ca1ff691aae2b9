"""How many live streams one session and one client address may hold on this replica.

A stream costs a socket, a buffer and a share of every fan-out write, so an unbounded number
from one browser or one address is a cheap way to exhaust a replica. A session keeps its
newest streams (the oldest is told why and closed: people open new tabs and forget old
ones); an address past its share is refused, since closing someone else's stream to make
room would let one address push others off.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Mapping
from typing import Any

from chat_svc.live.sse_frames import frame
from chat_svc.live.stream_client import CloseReason, StreamClient

# Sent to a stream closed to make room for a newer one of the same session. The page stops
# that stream and says so instead of reloading (a reload would close the next oldest tab).
TOO_MANY_STREAMS = frame("too-many-streams", "this chat is open in too many tabs")


class StreamLimits:
    def __init__(self, per_session: int, per_address: int) -> None:
        self.per_session = per_session
        self.per_address = per_address
        # Per session, its streams oldest first (an ordered set).
        self._by_session: dict[str, OrderedDict[StreamClient, None]] = {}
        self._by_address: Counter[str] = Counter()

    def admit(self, client: StreamClient, address: str) -> bool:
        """Count a new stream in, or refuse it (False) when its address holds too many.

        Admitted streams must be handed to ``release`` when they end."""
        if self._by_address[address] >= self.per_address:
            return False
        self._by_address[address] += 1
        streams = self._by_session.setdefault(client.session_id, OrderedDict())
        streams[client] = None
        while len(streams) > self.per_session:
            oldest, _ = streams.popitem(last=False)
            oldest.close(CloseReason.TOO_MANY_STREAMS)
        return True

    def release(self, client: StreamClient, address: str) -> None:
        self._by_address[address] -= 1
        if self._by_address[address] <= 0:
            del self._by_address[address]
        streams = self._by_session.get(client.session_id)
        if streams is not None:
            streams.pop(client, None)
            if not streams:
                del self._by_session[client.session_id]


def client_address(scope: Mapping[str, Any]) -> str:
    """The peer address uvicorn put in the ASGI scope (the edge's forwarded one only when
    the edge is trusted: see FORWARDED_ALLOW_IPS in docs/security.md)."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"
