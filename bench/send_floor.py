"""The fan-out's floor: CPU per ``send`` of one SSE-sized chunk to each of many loopback TCP
sockets, from a bare Python loop (no event loop, no framework). The sender runs on the
server core, a reader drains every socket on the load core. On loopback the sender's system
call also runs the receiving side's TCP processing, so this is what one delivery written
alone costs here at the least.

``python -m bench.send_floor [sockets] [rounds]`` prints one JSON line.
"""

from __future__ import annotations

import json
import os
import selectors
import socket
import subprocess
import sys
import time

from bench.proc import LOAD_CORE, SERVER_CORE, pinned

CHUNK_BYTES = 300  # about one rendered message framed as an SSE event and an HTTP chunk
ROUND_GAP_SECONDS = 0.01  # the reader drains between rounds: no socket buffer fills


def read_everything(expected: int, port_out: int) -> None:
    """The reader: accepts the sockets, reads until ``expected`` bytes arrived."""
    server = socket.create_server(("127.0.0.1", 0))
    os.write(port_out, f"{server.getsockname()[1]}\n".encode())
    selector = selectors.DefaultSelector()
    total = 0
    while total < expected:
        server.settimeout(0 if selector.get_map() else None)
        try:
            connection, _ = server.accept()
        except BlockingIOError:
            pass
        else:
            connection.setblocking(False)
            selector.register(connection, selectors.EVENT_READ)
        for key, _ in selector.select(timeout=0.001):
            total += len(key.fileobj.recv(65536))  # type: ignore[union-attr]


def measure(sockets: int, rounds: int) -> dict[str, float]:
    read_end, write_end = os.pipe()
    argv = [sys.executable, "-m", "bench.send_floor", "--reader",
            str(sockets * rounds * CHUNK_BYTES), str(write_end)]  # fmt: skip
    reader = subprocess.Popen(pinned(argv, LOAD_CORE), pass_fds=(write_end,))
    os.close(write_end)
    with os.fdopen(read_end) as lines:
        port = int(lines.readline())
    connections = [socket.create_connection(("127.0.0.1", port)) for _ in range(sockets)]
    for connection in connections:
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    chunk = b"x" * CHUNK_BYTES
    cpu = 0.0
    for _ in range(rounds):
        started = time.process_time()
        for connection in connections:
            connection.send(chunk)
        cpu += time.process_time() - started
        time.sleep(ROUND_GAP_SECONDS)
    reader.wait(timeout=60)
    for connection in connections:
        connection.close()
    sends = sockets * rounds
    return {"sends": sends, "us_per_send": round(cpu / sends * 1e6, 2),
            "sends_per_cpu_second": round(sends / cpu)}  # fmt: skip


def main() -> None:
    if sys.argv[1:2] == ["--reader"]:
        read_everything(int(sys.argv[2]), int(sys.argv[3]))
        return
    os.sched_setaffinity(0, {SERVER_CORE})
    sockets = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    print(json.dumps(measure(sockets, rounds)))


if __name__ == "__main__":
    main()
