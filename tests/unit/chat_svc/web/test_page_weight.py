"""The room page's CSS and JavaScript stay within issue 30's budget: 60 KB gzipped, htmx
included (bench/page_weight.py prints the files)."""

from __future__ import annotations

from bench.page_weight import BUDGET_BYTES, compressed_size, room_page_assets


def test_the_room_page_loads_its_modules_and_weighs_at_most_60_kb_compressed() -> None:
    names = {asset.name for asset in room_page_assets()}
    # The layout's and the page's links, and modules reached only through imports.
    assert {"app.css", "htmx.min.js", "sse.min.js", "room-page.js", "events.js"} <= names
    assert "busy-button.js" in names  # imported by send-status.js, not linked
    # Loaded on first use by a dynamic import(), so not with the page.
    assert "image-links.js" in names
    assert not {"image-viewer.js", "desktop-notices.js", "thumbnail-retry.js"} & names
    total = sum(compressed_size(asset) for asset in room_page_assets())
    assert total <= BUDGET_BYTES, f"{total} B gzipped"
