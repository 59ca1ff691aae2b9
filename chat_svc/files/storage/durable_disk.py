"""fsync for the disk backend: an object is on the disk, not only in the page cache, before
the upload is acknowledged ("loses nothing acknowledged", issue 31).

obstore's ``LocalStore`` writes a staging file and renames it into place without any fsync
(seen with strace, obstore 0.12): after a power cut an acknowledged upload could be missing
or empty. So once it has renamed, the object's file is synced, then every directory from its
own up to the store's root (``files/<id>/`` is new with each upload, so its entry in
``files/`` must reach the disk too). A crash before this ends was never acknowledged: the
sweeper removes what is left."""

from __future__ import annotations

import os
from pathlib import Path


def _sync(path: Path, flags: int) -> None:
    descriptor = os.open(path, flags)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def sync_object(root: Path, key: str) -> None:
    """Blocking (call it in a thread); raises ``OSError`` when the disk refuses."""
    path = root / key
    _sync(path, os.O_RDONLY)
    directory = path.parent
    while True:
        _sync(directory, os.O_RDONLY | os.O_DIRECTORY)
        if directory == root or root not in directory.parents:
            return
        directory = directory.parent
