"""A TCP echo server for the loopback floor: ``python -m bench.echo_server PORT``."""

from __future__ import annotations

import socket
import sys


def serve(port: int) -> None:
    with socket.create_server(("127.0.0.1", port)) as server:
        while True:
            connection, _ = server.accept()
            with connection:
                connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                while data := connection.recv(4096):
                    connection.sendall(data)


if __name__ == "__main__":
    serve(int(sys.argv[1]))
