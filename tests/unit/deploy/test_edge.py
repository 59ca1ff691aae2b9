"""deploy/Caddyfile, read as text (no Caddy binary here): the edge's share of the limits."""

import re
from pathlib import Path

import pytest

TEXT = (Path(__file__).resolve().parents[3] / "deploy" / "Caddyfile").read_text()
CADDYFILE = re.sub(r"(?m)^\s*#.*$", "", TEXT)  # directives only, no comments


def block(opening: str) -> str:
    """The text of the first ``{ ... }`` block after ``opening``, braces balanced."""
    start = CADDYFILE.index(opening)
    depth = 0
    for end in range(CADDYFILE.index("{", start), len(CADDYFILE)):
        depth += {"{": 1, "}": -1}.get(CADDYFILE[end], 0)
        if depth == 0:
            return CADDYFILE[start : end + 1]
    raise AssertionError(f"unbalanced block after {opening!r}")


def test_every_upstream_gets_forwarded_headers_from_the_edge_itself() -> None:
    snippet = block("(forwarded)")
    assert "X-Forwarded-For {remote_host}" in snippet
    assert "trusted_proxies" not in CADDYFILE  # nothing in front of Caddy speaks for clients
    assert CADDYFILE.count("reverse_proxy") == CADDYFILE.count("import forwarded") == 2


def test_internal_paths_are_refused_before_auth_is_proxied() -> None:
    assert CADDYFILE.index("handle /auth/internal/*") < CADDYFILE.index("handle_path /auth/*")
    assert "respond 404" in block("handle /auth/internal/*")


def test_request_heads_are_limited_in_size_and_time() -> None:
    servers = block("servers")
    assert re.search(r"max_header_size 16KB", servers)
    assert re.search(r"read_header 10s", servers)
    assert "write" not in servers and "read_body" not in servers  # the stream never ends


@pytest.mark.parametrize("parameter", ["token", "code"])
def test_the_access_log_redacts_secret_query_values(parameter: str) -> None:
    assert re.search(rf"replace {parameter} \[redacted\]", block("log {"))


def test_hsts_and_permissions_policy_at_the_edge() -> None:
    headers = block("header {")
    assert "?Strict-Transport-Security" in headers and "?Permissions-Policy" in headers
