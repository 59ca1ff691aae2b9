"""How a page names a person to the server without their account id: a handle sealed for
the viewer (AES-GCM under the app's secret, the viewer's id as associated data).

Raw ids on /people let anyone compute a direct room's old slug (actions/direct_rooms.py);
a handle opens only for the viewer it was made for, and differs on every page load.
"""

from __future__ import annotations

from functools import cache

from quart import current_app

from chat_svc.settings import ChatSettings
from service_kit.people.sealed_links import LinkSeal, SealBrokenError

PERSON_HANDLES = b"chat person handles v1"


@cache
def _seal(secret: str) -> LinkSeal:
    return LinkSeal(secret, purpose=PERSON_HANDLES)


def _current_seal() -> LinkSeal:
    settings: ChatSettings = current_app.extensions["settings"]
    return _seal(settings.secret_key)


def person_handle(viewer_id: str, user_id: str) -> str:
    return _current_seal().seal(user_id, viewer_id.encode())


def person_of_handle(viewer_id: str, handle: str) -> str | None:
    """The account id, or None for a handle made for someone else, altered or not one."""
    try:
        return _current_seal().open(handle, viewer_id.encode())
    except (SealBrokenError, UnicodeDecodeError):
        return None
