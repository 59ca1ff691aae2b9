"""The dev stack's Web Push (VAPID) key: made once and kept under the data directory, so a
browser's push subscription survives restarts of `./run dev` (a new key voids them all).
Production sets its own (``WEB_PUSH_VAPID_PRIVATE_KEY``; chat_svc refuses to start without)."""

from __future__ import annotations

import base64
import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec

KEY_FILE = "web-push-vapid-private-key"


def dev_vapid_key(data_dir: Path) -> str:
    """base64url of the raw private key, read from ``data_dir`` or made and written there."""
    path = data_dir / KEY_FILE
    if path.exists():
        return path.read_text().strip()
    number = ec.generate_private_key(ec.SECP256R1()).private_numbers().private_value
    key = base64.urlsafe_b64encode(number.to_bytes(32, "big")).rstrip(b"=").decode()
    data_dir.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as out:
        out.write(key + "\n")
    return key
