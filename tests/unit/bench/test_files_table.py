"""The files table is rebuilt from saved results, which outlive the code that wrote them."""

from __future__ import annotations

from typing import Any

from bench.files import files_table

THUMBNAIL = {"photo_mp": 12.0, "photo_mb": 8.7, "p50_ms": 794.0, "p95_ms": 1038.0, "samples": 20}
DOWNLOAD = {"thumbnail_rps": 900.0, "static_rps": 1000.0}


def _upload(**extra: float) -> dict[str, Any]:
    return {"app_mb_s": 60.0, "direct_mb_s": 1500.0, "app_vs_direct": 0.04, **extra}


def test_a_run_from_before_the_store_fsynced_still_makes_the_table() -> None:
    saved = {"upload": _upload(), "thumbnail": THUMBNAIL, "download": DOWNLOAD}
    table = "\n".join(files_table(saved))
    assert "not fsynced (a run before the store fsynced): 1,500.0" in table


def test_a_current_run_shows_both_direct_writes() -> None:
    saved = {"upload": _upload(unsynced_mb_s=3400.0), "thumbnail": THUMBNAIL, "download": DOWNLOAD}
    table = "\n".join(files_table(saved))
    assert "fsynced: 1,500.0 (1,500.0-1,500.0) (without fsync, the page cache: 3,400.0" in table
