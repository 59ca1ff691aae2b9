"""Issue 28, follow-up: the search indexer's linger (chat_svc/search/indexer.py).

Messages published into CHAT_EVENTS at 100 msg/s and indexed in this process by the durable
``chat_svc_search`` (service_kit's ``DurableConsumer`` and chat's ``IndexWriter``, as the
replica that holds the index runs them) into an index prefilled with ``prefill`` messages,
alternately without the linger (0: the fetch after each commit brings what arrived meanwhile)
and with ``LINGER_SECONDS``. Per run: commits per second, this process's CPU milliseconds
per message minus a run that only publishes (the indexer's share), and the index lag from
publish to the commit that holds the message (p50/p99/max). Run alone:
``python -m bench.index_linger [rounds] [seconds] [prefill]``; one JSON line per run.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

from nats.js import JetStreamContext

from bench.stack import running_stack
from bench.stats import percentile
from chat_svc.events import MessagePosted
from chat_svc.models.messages import MessageRecord, event_of, record_of
from chat_svc.search.index_schema import open_index
from chat_svc.search.index_writer import IndexWriter
from chat_svc.search.indexer import DURABLE, FETCH_BATCH, LINGER_SECONDS, decode_index_event
from service_kit.events import Event
from service_kit.messaging.jetstream import DurableConsumer, connect_nats, load_topology
from service_kit.messaging.nats_credentials import dev_admin_options

RATE = 100.0
WORDS = [f"word{n}" for n in range(5000)]
RNG = random.Random(28)  # noqa: S311 - repeatable word choice, not a secret
IDLE_SUBJECT = "chat.mention_digest.requested"  # on CHAT_EVENTS, pulled by mail_svc only


def message(message_id: int) -> MessageRecord:
    words = " ".join(RNG.choices(WORDS, k=RNG.randint(3, 25)))
    return MessageRecord(
        room="general", message_id=message_id, author_id="a", author_name="A",
        body=words, posted_at=datetime.now(UTC),
    )  # fmt: skip


async def run_once(
    js: JetStreamContext, writer: IndexWriter | None, linger: float, first_id: int, seconds: float
) -> dict[str, object]:
    """Without a writer: only the publishing, on a subject no durable here pulls."""
    subject = MessagePosted.subject_for("general") if writer else IDLE_SUBJECT
    count = int(seconds * RATE)
    published: dict[int, float] = {}
    committed: dict[int, float] = {}
    all_committed = asyncio.Event()
    consumer: DurableConsumer | None = None
    task: asyncio.Task[None] | None = None
    if writer is not None:

        async def handle(event: Event) -> None:
            assert isinstance(event, MessagePosted)
            await writer.add(record_of(event))
            committed[event.message_id] = time.perf_counter()
            if len(committed) == count:
                all_committed.set()

        consumer = DurableConsumer(
            js, load_topology(), DURABLE, handle, batch=FETCH_BATCH,
            decode=decode_index_event, together=True, linger_seconds=linger,
        )  # fmt: skip
        task = asyncio.create_task(consumer.run())
        await asyncio.wait_for(consumer.bound.wait(), 10)
    commits = writer.commits if writer else 0
    cpu = time.process_time()
    started = time.perf_counter()
    for i in range(count):
        await asyncio.sleep(max(0.0, started + i / RATE - time.perf_counter()))
        event = event_of(message(first_id + i), MessagePosted)
        published[first_id + i] = time.perf_counter()
        await js.publish(
            subject, event.to_bytes(),
            headers={"Nats-Msg-Id": str(event.id)},
        )  # fmt: skip
    if consumer is not None and task is not None:
        await asyncio.wait_for(all_committed.wait(), 60)
        consumer.stop()
        await task
    elapsed = time.perf_counter() - started
    line: dict[str, object] = {
        "linger": linger if writer else None,
        "cpu_ms_per_message": round((time.process_time() - cpu) * 1000 / count, 3),
        "load_average": round(os.getloadavg()[0], 1),
    }
    if writer is not None:
        lags = [(committed[i] - published[i]) * 1000 for i in published]
        line |= {
            "commits_per_second": round((writer.commits - commits) / elapsed, 1),
            "lag_p50_ms": round(percentile(lags, 0.5), 1),
            "lag_p99_ms": round(percentile(lags, 0.99), 1),
            "lag_max_ms": round(max(lags), 1),
        }
    return line


async def measure(rounds: int, seconds: float, prefill: int) -> None:
    with (
        tempfile.TemporaryDirectory() as work,
        running_stack(Path(work) / "logs") as stack,
    ):
        index, _ = open_index(Path(work) / "index")
        writer = IndexWriter.try_open(index)
        assert writer is not None

        async def prefilled() -> AsyncIterator[MessageRecord]:
            for n in range(prefill):
                yield message(n + 1)

        await writer.rebuild(prefilled())
        client = await connect_nats(stack.nats_url, "bench", **dev_admin_options())
        js = client.jetstream()
        next_id = prefill + 1
        count = int(seconds * RATE)
        try:
            for run in range(rounds):
                baseline = await run_once(js, None, 0.0, 0, seconds)  # publishing only
                for linger in (0.0, LINGER_SECONDS):
                    line = await run_once(js, writer, linger, next_id, seconds)
                    next_id += count
                    cpu = float(str(line["cpu_ms_per_message"]))
                    own = cpu - float(str(baseline["cpu_ms_per_message"]))
                    line |= {"run": run, "indexer_cpu_ms_per_message": round(own, 3)}
                    sys.stdout.write(json.dumps(line) + "\n")
                    sys.stdout.flush()
        finally:
            await client.close()
            await writer.close()


def main() -> int:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 10.0
    prefill = int(sys.argv[3]) if len(sys.argv) > 3 else 50_000
    asyncio.run(measure(rounds, seconds, prefill))
    return 0


if __name__ == "__main__":
    sys.exit(main())
