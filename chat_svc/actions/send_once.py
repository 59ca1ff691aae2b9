"""One message per draft: a retried send (a timeout, a reconnect, a double click) is stored
once and answered as the first send was.

The page puts a random ``client_id`` in each fresh message form. The post's one Redis
script (actions/post_intake.py) answers "already sent as N" when
``send-once:<user>:<room>:<client_id>`` exists, and otherwise sets it to the new message's id
(FerretDB has no atomic conditional update; Redis runs the script alone). The key lives a
few minutes: long enough for any retry a page makes, short enough to need no clean-up. If
the insert then fails, the feed deletes the key with the cache entry, so a retry stores it.
"""

from __future__ import annotations

import re

CLAIM_SECONDS = 600
# What the form sends: a UUID from the server (or the browser's crypto.randomUUID()).
CLIENT_ID = re.compile(r"[0-9a-fA-F-]{16,64}")


def send_key(user_id: str, room: str, client_id: str) -> str:
    """Per room too: a key reused in another room (a form kept open across rooms) is a new
    message there, not a retry of the first room's."""
    return f"send-once:{user_id}:{room}:{client_id}"


def valid_client_id(value: str | None) -> str | None:
    """The key as sent, or None (no key, or not one we made: then no de-duplication)."""
    return value if value and CLIENT_ID.fullmatch(value) else None
