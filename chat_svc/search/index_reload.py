"""Picks up the writer's commits before a search, without reloading the reader on every
query: a reload opens every segment anew (a cost that grows with the segments), while most
queries come when nothing was committed since the last one.

Another process may hold the writer (index_writer.py), so the sign of a commit is the index's
``meta.json``: tantivy replaces it (a new file, renamed over the old) on every commit. Its
identity and time are compared with those seen at the last reload. A file timestamp is
coarser than two quick commits, so a stamp is trusted only once the file is older than
``SETTLED_NS``: until then every query reloads, as before."""

from __future__ import annotations

import time
from pathlib import Path

import tantivy

META_FILE = "meta.json"
SETTLED_NS = 1_000_000_000  # far beyond any file system's timestamp granularity

Stamp = tuple[int, int, int]  # inode, size, modification time (ns)


class FreshReader:
    def __init__(self, index: tantivy.Index, path: Path | None) -> None:
        self.index = index
        self.meta = None if path is None else path / META_FILE
        self.seen: Stamp | None = None  # the settled stamp the reader has loaded
        self.reloads = 0

    def reload_if_committed(self) -> None:
        stamp = self._stamp()
        if stamp is not None and stamp == self.seen:
            return
        self.index.reload()
        self.reloads += 1
        # Stated before the reload: a commit after it changes the stamp, one in the same
        # timestamp tick is only ruled out once the file has settled.
        settled = stamp is not None and time.time_ns() - stamp[2] > SETTLED_NS
        self.seen = stamp if settled else None

    def _stamp(self) -> Stamp | None:
        if self.meta is None:  # in memory: the writer is in this process, reload always
            return None
        try:
            found = self.meta.stat()
        except FileNotFoundError:
            return None
        return found.st_ino, found.st_size, found.st_mtime_ns
