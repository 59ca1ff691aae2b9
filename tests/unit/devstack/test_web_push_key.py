"""`./run dev` keeps one VAPID key under its data directory (issue 33)."""

from __future__ import annotations

import stat
from pathlib import Path

from chat_svc.push.sending.vapid_keys import load_vapid_keys
from devstack.web_push_key import KEY_FILE, dev_vapid_key


def test_the_dev_key_is_made_once_kept_private_and_usable(tmp_path: Path) -> None:
    first = dev_vapid_key(tmp_path / "data")
    again = dev_vapid_key(tmp_path / "data")
    mode = stat.S_IMODE((tmp_path / "data" / KEY_FILE).stat().st_mode)
    assert first == again
    assert mode == 0o600
    assert load_vapid_keys(first, "mailto:dev@example.com", "unused").public_key
    assert dev_vapid_key(tmp_path / "elsewhere") != first
