"""How devstack starts the servers that dev, the tests and the bench run on."""

from __future__ import annotations

from pathlib import Path

import pytest

from devstack import binaries
from devstack.servers import ferretdb_command


def test_ferretdb_commits_without_an_fsync_each(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each commit fsynced made concurrent inserts queue in SQLite's busy handler (the
    one-replica bench at 100 msg/s); WAL with synchronous=NORMAL survives a killed process."""
    monkeypatch.setattr(binaries, "ferretdb", lambda: Path("/bin/ferretdb"))
    argv = ferretdb_command(27017, tmp_path)
    url = argv[argv.index("--sqlite-url") + 1]
    assert url == f"file:{tmp_path / 'sqlite'}/?_pragma=synchronous(normal)"
    # FerretDB adds its own defaults (WAL, busy timeout) only for pragmas not given here.
    assert "journal_mode" not in url
