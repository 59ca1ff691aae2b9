"""``python -m bench.markdown_render``: the time to render one 2,000-character message
(chat_svc/formatting/markdown_render.py) for a few kinds of text, in-process. Each kind is
rendered ``ROUNDS`` times per run; each run gives a p50 and a p99; the report is the median
of ``RUNS`` runs with their min-max spread (docs/performance.md, "Formatted text"). Wall time,
and the thread's CPU time beside it: on a shared machine the wall p99 is mostly the time the
neighbours held the core, which CPU time leaves out.

After warming up, the bench freezes what is alive (``gc.collect(); gc.freeze()``), as the chat
process does after start-up (chat_svc/asgi.py), so the collector's passes scan what a render
makes and not the modules it imports, as in the running service; ``--no-freeze`` measures
without it."""

from __future__ import annotations

import gc
import statistics
import sys
import time

from chat_svc.formatting import code_highlight
from chat_svc.formatting.markdown_render import render_markdown

LENGTH = 2000
RUNS = 5
ROUNDS = 400


def _cut(text: str) -> str:
    return (text * (LENGTH // len(text) + 1))[:LENGTH]


# What the target is about: prose with some emphasis, links, inline code, a short
# list and one fenced block with a language (1,966 characters).
REALISTIC = (
    "Morning all. I looked into the **flaky deploy** from yesterday and I think I found it: "
    "the health check in `deploy/check.sh` runs before the migrations finish, so the new "
    "replica reports ready while the schema is still old. See https://example.org/runbooks/deploy "
    "and the [incident notes](https://example.org/incidents/412) for the timeline.\n\n"
    "What I propose, in order:\n\n"
    "- wait for the `migrations_done` flag before the first check\n"
    "- raise the check's timeout to *30 s* (it is 10 s today)\n"
    "- page the on-call only after **two** failed checks\n\n"
    "The change to the checker is small:\n\n"
    "```python\n"
    "async def ready(db: Database, timeout: float = 30.0) -> bool:\n"
    "    deadline = time.monotonic() + timeout\n"
    "    while time.monotonic() < deadline:\n"
    '        if await db.flags.find_one({"name": "migrations_done"}):\n'
    "            return await ping(db)  # the schema is current\n"
    "        await asyncio.sleep(0.5)\n"
    "    return False\n"
    "```\n\n"
    "I tried it on staging three times and every rollout went through without a single "
    "false alarm. If nobody objects I will open the pull request after lunch; _reviews "
    "welcome_, especially from whoever wrote the original check. Also, does anyone know why "
    "`check.sh` sleeps for 7 seconds at the start? It looks like a workaround for something "
    "that was fixed long ago (https://example.org/issues/88), but I would rather ask first. "
    "Thanks, and sorry for the noise in #ops last night.\n\n"
    "One more thing: the dashboard at https://example.org/grafana/d/deploys shows the same "
    "pattern on *every* Tuesday release since October, which matches the week we moved the "
    "migrations into the container start. The ~~old~~ previous setup ran them from CI before "
    "the rollout, so the replicas never saw a half-migrated schema. Either fix works for me; "
    "the one above is smaller and keeps the migrations where they are now. Let me know in "
    "the thread or on the call at 3, or just reply here with a thumbs up if you agree and "
    "I will take care of the rest today before the freeze starts."
)

KINDS = {
    "realistic message": REALISTIC,
    "plain prose": _cut("We moved the deploy to Thursday, see https://example.org/plan for why. "),
    "prose with markup": _cut("Some **bold**, `code`, https://example.org/x and _em_.\n"),
    "list and quote": _cut("> quoted line\n\n- item one\n- item _two_\n\n"),
    "python block": "```python\n"
    + _cut("def f(x):\n    return x * 2  # doubled\n")[:-14]
    + "\n```",
    "one 2,000-char code line": "```\n" + "x" * (LENGTH - 8) + "\n```",
    "10,000 asterisks": "*" * 10_000,
}


def _p50_p99(times: list[float]) -> tuple[float, float]:
    times.sort()
    return times[len(times) // 2], times[int(len(times) * 0.99) - 1]


def _percentiles(source: str) -> tuple[float, float, float, float]:
    """Wall p50 and p99, then CPU p50 and p99, in ms."""
    wall, cpu = [], []
    for _ in range(ROUNDS):
        # A post's first render: its code block is not in the highlight cache yet.
        code_highlight._cached_highlighted.cache_clear()
        started, started_cpu = time.perf_counter(), time.thread_time()
        render_markdown(source)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - started_cpu) * 1000)
    return *_p50_p99(wall), *_p50_p99(cpu)


def _spread(values: list[float]) -> str:
    return f"{statistics.median(values):7.3f} ({min(values):.3f}-{max(values):.3f})"


def main() -> None:
    for source in KINDS.values():
        render_markdown(source)  # lexers loaded, caches warm
    frozen = "--no-freeze" not in sys.argv[1:]
    if frozen:
        gc.collect()
        gc.freeze()
    print(f"gc.freeze() after warming up: {'yes' if frozen else 'no'}")
    heads = ("wall p50 ms", "wall p99 ms", "cpu p50 ms", "cpu p99 ms")
    print(f"{'kind':26}" + "".join(f"{head:>24}" for head in heads))
    for kind, source in KINDS.items():
        runs = [_percentiles(source) for _ in range(RUNS)]
        print(f"{kind:26}" + "".join(f"{_spread([r[i] for r in runs]):>24}" for i in range(4)))


if __name__ == "__main__":
    main()
