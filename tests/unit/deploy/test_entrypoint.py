"""The image's entrypoint: which uvicorn flags each setting turns into (uvicorn stubbed)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from devstack.servers import HTTP_PROTOCOL

ROOT = Path(__file__).resolve().parents[3]


def entrypoint_argv(tmp_path: Path, **env: str) -> list[str]:
    """The arguments the entrypoint hands to uvicorn, one per line from a stub."""
    stub = tmp_path / "uvicorn"
    stub.write_text('#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done\n')
    stub.chmod(0o755)
    base = {k: v for k, v in os.environ.items() if k != "FORWARDED_ALLOW_IPS"}
    result = subprocess.run(
        ["/bin/sh", str(ROOT / "deploy" / "entrypoint.sh"), "auth"],
        env=base | {"PATH": f"{tmp_path}:{os.environ['PATH']}"} | env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.splitlines()


def test_by_default_no_proxy_is_trusted_with_forwarded_headers(tmp_path: Path) -> None:
    argv = entrypoint_argv(tmp_path)
    assert "--no-proxy-headers" in argv
    assert "--forwarded-allow-ips" not in argv and "*" not in argv


def test_the_configured_edge_is_the_only_trusted_proxy(tmp_path: Path) -> None:
    argv = entrypoint_argv(tmp_path, FORWARDED_ALLOW_IPS="172.28.0.2")
    assert "--proxy-headers" in argv
    assert argv[argv.index("--forwarded-allow-ips") + 1] == "172.28.0.2"


@pytest.mark.parametrize("wildcard", ["*", "0.0.0.0/0", "::/0"])
def test_trusting_everyone_is_refused(tmp_path: Path, wildcard: str) -> None:
    with pytest.raises(subprocess.CalledProcessError):
        entrypoint_argv(tmp_path, FORWARDED_ALLOW_IPS=wildcard)


def test_the_image_limits_request_headers_like_the_dev_stack(tmp_path: Path) -> None:
    argv = entrypoint_argv(tmp_path)
    assert argv[argv.index("--http") + 1] == HTTP_PROTOCOL
    assert "--timeout-keep-alive" in argv
