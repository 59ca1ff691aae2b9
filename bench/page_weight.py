"""The room page's CSS and JavaScript as a browser downloads them, compressed.

Issue 30's budget: CSS plus JS of the room page at most 60 KB compressed, htmx included.
The files are those chat.html and its layout link (and every module they import), each
gzipped on its own at level 6, as Caddy's ``encode gzip`` sends them (deploy/Caddyfile).

    .venv/bin/python -m bench.page_weight
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

STATIC = Path(__file__).resolve().parents[1] / "web_templates" / "static"
TEMPLATES = [
    Path(__file__).resolve().parents[1] / "web_templates" / "layouts" / "base.html",
    Path(__file__).resolve().parents[1] / "chat_svc" / "templates" / "chat.html",
]
BUDGET_BYTES = 60 * 1024
_LINKED = re.compile(r"filename='((?:css|js|vendor)/[^']+\.(?:css|js))'")
# Static imports only: a dynamic ``import("./x.js")`` loads on first use, not with the page.
_IMPORT = re.compile(
    r"""^\s*(?:import|export)\b(?!\s*\()[^"';]*?["'](\./[^"']+\.js)["']""", re.MULTILINE
)


def room_page_assets() -> list[Path]:
    """Every stylesheet and script the room page loads, imports followed."""
    found: list[Path] = []
    pending = [
        STATIC / name for template in TEMPLATES for name in _LINKED.findall(template.read_text())
    ]
    while pending:
        asset = pending.pop(0)
        if asset in found:
            continue
        found.append(asset)
        if asset.suffix == ".js" and "vendor" not in asset.parts:
            pending += [
                (asset.parent / name).resolve() for name in _IMPORT.findall(asset.read_text())
            ]
    return found


def compressed_size(asset: Path) -> int:
    return len(gzip.compress(asset.read_bytes(), compresslevel=6, mtime=0))


def main() -> None:
    assets = room_page_assets()
    rows = sorted(
        ((compressed_size(a), a.stat().st_size, a.relative_to(STATIC)) for a in assets),
        reverse=True,
    )
    for gz, raw, name in rows:
        print(f"{gz:>7,} B gzip  {raw:>7,} B raw  {name}")
    total = sum(row[0] for row in rows)
    print(f"{total:>7,} B gzip in {len(rows)} files (budget {BUDGET_BYTES:,} B)")


if __name__ == "__main__":
    main()
