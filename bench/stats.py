"""Percentiles of one run, and the median and spread of repeated runs."""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from typing import Any


def percentile(values: Sequence[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def latency_summary(values_ms: Sequence[float]) -> dict[str, float]:
    return {
        "p50_ms": round(percentile(values_ms, 0.50), 3),
        "p99_ms": round(percentile(values_ms, 0.99), 3),
        "max_ms": round(max(values_ms), 3) if values_ms else float("nan"),
        "samples": len(values_ms),
    }


def median_and_spread(runs: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """For every numeric field: the median of the runs and their min/max."""
    summary: dict[str, Any] = {"runs": len(runs)}
    for key in runs[0]:
        values = [run[key] for run in runs if isinstance(run.get(key), int | float)]
        if len(values) == len(runs) and not isinstance(runs[0][key], bool):
            summary[key] = round(statistics.median(values), 3)
            summary[f"{key}_spread"] = [round(min(values), 3), round(max(values), 3)]
    return summary
