"""Chat's form session (the signed cookie Quart's session is kept in) read without Quart:
the two routes served before Quart (web/fast_paths/room_page_fast_path.py,
web/fast_paths/post_fast_path.py) need its CSRF value, as wtforms' ``SessionCSRF`` would
find it in Quart's session."""

from __future__ import annotations

import time
from dataclasses import dataclass

from itsdangerous import BadSignature
from quart import Quart

from chat_svc.web.cookies import ReusedSignerSessionInterface
from chat_svc.web.forms import ActionForm, CsrfSource, csrf_token_of

# Form sessions seen lately (an HMAC each, and a signature check to read the cookie):
# bounded, cleared when full.
SESSIONS_CAPACITY = 10_000


@dataclass(frozen=True)
class FormSession:
    csrf: CsrfSource  # what a form's CSRF field is made and checked with
    token: str  # the CSRF token every form of this session carries


class FormSessions:
    """The form session of a cookie; None when the cookie is invalid, expired or holds no
    CSRF value yet (Quart then mints one and sets the cookie)."""

    def __init__(self, app: Quart) -> None:
        self._app = app
        self._known: dict[str, tuple[float, FormSession]] = {}  # cookie -> (valid until, it)

    def of(self, cookie: str) -> FormSession | None:
        known = self._known.get(cookie)
        if known is not None and known[0] > time.time():
            return known[1]
        app = self._app
        interface = app.session_interface
        assert isinstance(interface, ReusedSignerSessionInterface)  # chat_svc/app.py sets it
        serializer = interface.get_signing_serializer(app)
        if serializer is None:  # no secret key: Quart has no session either
            return None
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data, signed_at = serializer.loads(cookie, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("csrf"), str):
            return None
        # Only the CSRF value: a form given this session cannot change anything else in it.
        source = CsrfSource(str(app.config["SECRET_KEY"]).encode(), {"csrf": data["csrf"]})
        session = FormSession(source, csrf_token_of(ActionForm(None, csrf=source)))
        if len(self._known) >= SESSIONS_CAPACITY:
            self._known.clear()
        self._known[cookie] = (signed_at.timestamp() + max_age, session)
        return session
