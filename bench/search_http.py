"""Issue 32, follow-up: ``GET /search`` through HTTP on a prebuilt index, several runs.

bench/search.py builds 1,000,000 messages into a fresh stack's index every time (minutes);
this reuses one built index (``--index``, built there once if missing, then copied into the
stack) and only measures the request: p50/p95 per kind of query over ``--runs`` runs, and,
with ``--profile KIND``, py-spy on the chat process while that kind is asked again. Run
alone: ``python -m bench.search_http [--index PATH] [--runs 3] [--profile one_word]``;
prints JSON lines.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import shutil
import tempfile
from pathlib import Path

from bench.proc import LOAD_CORE, cpu_seconds, pin_self
from bench.profiling import rank, record
from bench.search import http_latencies, queries, searcher_in_every_room
from bench.search_corpus import Corpus, build_tantivy
from bench.stack import Stack, running_stack
from chat_svc.search.index_schema import COMPLETE_MARK

PROFILE_SECONDS = 20


async def prepared(path: Path, messages: int, samples: int) -> dict[str, list[str]]:
    """The index at ``path`` (built once) and the queries asked of it (kept beside it: the
    phrases come from the corpus, whose generation takes most of a minute)."""
    asked_file = path.with_name(path.name + f".queries-{samples}.json")
    if (path / COMPLETE_MARK).exists() and asked_file.exists():
        asked: dict[str, list[str]] = json.loads(asked_file.read_text())
        return asked
    corpus = Corpus.generate(messages)
    if not (path / COMPLETE_MARK).exists():
        print(json.dumps(await build_tantivy(corpus, path)), flush=True)
    asked = queries(corpus, samples)
    asked_file.write_text(json.dumps(asked))
    return asked


async def serve_index(stack: Stack, path: Path) -> str:
    """A chat process over a copy of the index, and the searcher a member of every room."""
    shutil.copytree(path, stack.search_index_dir)
    await searcher_in_every_room(stack.redis_url)
    return stack.start_chat("chat")


async def measure(args: argparse.Namespace) -> None:
    asked = await prepared(args.index, args.messages, args.samples)
    with tempfile.TemporaryDirectory() as logs, running_stack(Path(logs)) as stack:
        url = await serve_index(stack, args.index)
        chat = stack.pid("chat")
        for run in range(args.runs):
            for kind, texts in asked.items():
                # The chat process's CPU per request: what the load of the shared machine
                # changes least (wall times wait for the core as well).
                cpu = cpu_seconds(chat)
                result = (await http_latencies(url, {kind: texts}))[kind]
                used = cpu_seconds(chat) - cpu
                result["chat_cpu_ms"] = round(1000 * used / (len(texts) + 1), 2)
                print(json.dumps({"run": run, "kind": kind} | result), flush=True)
        if args.profile:
            raw = Path(logs) / "search.raw"
            sampler = record(stack.pid("chat"), PROFILE_SECONDS, raw)
            await asyncio.sleep(1)  # py-spy attaches
            repeated = asked[args.profile] * 1000
            await _ask_for(url, args.profile, repeated, PROFILE_SECONDS - 2)
            sampler.wait(timeout=PROFILE_SECONDS + 60)
            print(rank(raw, top=40), flush=True)


async def _ask_for(url: str, kind: str, texts: list[str], seconds: float) -> None:
    """Ask one kind over and over until py-spy has its samples."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(http_latencies(url, {kind: texts}), seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--index", type=Path, default=Path("/tmp/bench-search-index"))  # noqa: S108
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", choices=("one_word", "two_words", "phrase", "filtered"))
    pin_self(LOAD_CORE)  # the chat process and its servers are on the other core
    asyncio.run(measure(parser.parse_args()))


if __name__ == "__main__":
    main()
