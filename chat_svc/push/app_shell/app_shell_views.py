"""The installable app: ``GET /manifest.webmanifest`` and ``GET /service-worker.js`` (at
the root, so its scope is the whole site)."""

from __future__ import annotations

import json
from pathlib import Path

from quart import Blueprint, Response, url_for
from quart.typing import ResponseReturnValue

from chat_svc.push.app_shell.app_icons import ICONS

app_shell = Blueprint("app_shell", __name__)

STATIC_DIR = Path(__file__).resolve().parents[3] / "web_templates" / "static"
WORKER_FILE = STATIC_DIR / "js" / "service-worker.js"
LIGHT_THEME = "#0d47a1"  # app.css: --accent


@app_shell.get("/manifest.webmanifest")
async def manifest() -> ResponseReturnValue:
    icons = [
        {
            "src": url_for("static", filename=f"icons/{name}"),
            "sizes": f"{size}x{size}",
            "type": "image/png",
            "purpose": "maskable" if purpose == "maskable" else "any",
        }
        for name, (size, purpose) in ICONS.items()
        if purpose != "apple"  # iOS reads <link rel="apple-touch-icon"> instead
    ]
    body = {
        "id": "/",
        "name": "Chat",
        "short_name": "Chat",
        "description": "A small team chat",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "theme_color": LIGHT_THEME,
        "background_color": "#ffffff",
        "icons": icons,
    }
    response = Response(_json(body), content_type="application/manifest+json")
    response.headers["Cache-Control"] = "no-cache"
    return response


@app_shell.get("/service-worker.js")
async def service_worker() -> ResponseReturnValue:
    response = Response(WORKER_FILE.read_bytes(), content_type="text/javascript")
    # Checked for updates on every visit; never kept stale by a proxy.
    response.headers["Cache-Control"] = "no-cache"
    return response


def _json(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))
