"""Issue 28, follow-up: what the history writer's batch size costs on the dev database.

Messages written one per ``insert_many`` (the writer at 100 msg/s before it lingered: one
message a fetch), then ten per call (after: chat_svc/history_writer/history_consumer.py's
``BATCH_LINGER_SECONDS``), alternately, into FerretDB with the writer's unique index: CPU
milliseconds per message of FerretDB and of this client (the replica's side: BSON, the
driver). Run alone: ``python -m bench.history_batches [rounds] [messages]``; prints one JSON
line per run.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from pymongo import AsyncMongoClient

from bench.proc import cpu_seconds
from bench.stack import running_stack

BATCH_SIZES = (1, 10)


def documents(first_id: int, count: int) -> list[dict[str, Any]]:
    """Shaped like a stored message of the fan-out bench (bench/publisher.py's body)."""
    body = "bench:1:1: a message of ordinary length from the bench"
    return [
        {"room": "general", "message_id": first_id + i, "author_id": "a", "author_name": "A",
         "body": body, "posted_at": time.time()}
        for i in range(count)
    ]  # fmt: skip


async def measure(rounds: int, messages: int) -> None:
    with tempfile.TemporaryDirectory() as logs, running_stack(Path(logs)) as stack:
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(stack.mongodb_url)
        collection = client.get_default_database("chat")["batch_bench"]
        await collection.create_index([("room", 1), ("message_id", 1)], unique=True)
        database_pid = stack.pids_of("ferretdb")[0]
        next_id = 1
        try:
            for run in range(rounds):
                for size in BATCH_SIZES:
                    batch = documents(next_id, messages)
                    next_id += messages
                    database, own = cpu_seconds(database_pid), time.process_time()

                    def per_message(seconds: float) -> float:
                        return round(seconds * 1000 / messages, 3)

                    for start in range(0, messages, size):
                        await collection.insert_many(batch[start : start + size], ordered=False)
                    line = {
                        "run": run,
                        "per_insert": size,
                        "database_ms_per_message": per_message(
                            cpu_seconds(database_pid) - database
                        ),
                        "client_ms_per_message": per_message(time.process_time() - own),
                        "load_average": round(os.getloadavg()[0], 1),
                    }
                    sys.stdout.write(json.dumps(line) + "\n")
                    sys.stdout.flush()
        finally:
            await client.close()


def main() -> int:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 4
    messages = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    asyncio.run(measure(rounds, messages))
    return 0


if __name__ == "__main__":
    sys.exit(main())
