"""``python -m bench.markdown_render``: the time to render one 2,000-character message
(chat_svc/formatting/markdown_render.py) for a few kinds of text, in-process. Each kind is
rendered ``ROUNDS`` times per run; each run gives a p50 and a p99; the report is the median
of ``RUNS`` runs with their min-max spread (docs/performance.md, "Formatted text")."""

from __future__ import annotations

import statistics
import time

from chat_svc.formatting.markdown_render import render_markdown

LENGTH = 2000
RUNS = 5
ROUNDS = 400


def _cut(text: str) -> str:
    return (text * (LENGTH // len(text) + 1))[:LENGTH]


KINDS = {
    "plain prose": _cut("We moved the deploy to Thursday, see https://example.org/plan for why. "),
    "prose with markup": _cut("Some **bold**, `code`, https://example.org/x and _em_.\n"),
    "list and quote": _cut("> quoted line\n\n- item one\n- item _two_\n\n"),
    "python block": "```python\n"
    + _cut("def f(x):\n    return x * 2  # doubled\n")[:-14]
    + "\n```",
    "one 2,000-char code line": "```\n" + "x" * (LENGTH - 8) + "\n```",
    "10,000 asterisks": "*" * 10_000,
}


def _percentiles(source: str) -> tuple[float, float]:
    times = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        render_markdown(source)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return times[len(times) // 2], times[int(len(times) * 0.99) - 1]


def main() -> None:
    for source in KINDS.values():
        render_markdown(source)  # lexers loaded, caches warm
    print(f"{'kind':28} {'p50 ms (min-max)':>22} {'p99 ms (min-max)':>22}")
    for kind, source in KINDS.items():
        runs = [_percentiles(source) for _ in range(RUNS)]
        p50s, p99s = [r[0] for r in runs], [r[1] for r in runs]
        print(
            f"{kind:28} {statistics.median(p50s):8.3f} ({min(p50s):.3f}-{max(p50s):.3f})"
            f" {statistics.median(p99s):8.3f} ({min(p99s):.3f}-{max(p99s):.3f})"
        )


if __name__ == "__main__":
    main()
