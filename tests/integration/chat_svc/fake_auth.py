"""A stand-in for auth_svc's internal API (docs/contracts.md), as a tiny raw ASGI app.

Our own service's port may be faked; NATS is real: revoking a session publishes
SessionRevoked exactly as auth_svc does, so every chat replica hears it.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from nats.js import JetStreamContext

from service_kit.events import SessionRevoked
from service_kit.messaging.jetstream import publish_event
from tests.support.in_process import request_body

SERVICE_SECRET = "test-service-secret"

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


@dataclass
class FakeSession:
    token: str
    session_id: str
    user_id: str
    email: str
    display_name: str
    revoked: bool = False


@dataclass
class FakeAuth:
    js: JetStreamContext | None = None
    sessions: dict[str, FakeSession] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    # Administration (issue 35): the join code, roles set and accounts deactivated.
    join_code: str = "first-code"
    roles: dict[str, str] = field(default_factory=dict)
    deactivated: set[str] = field(default_factory=set)
    invited: list[str] = field(default_factory=list)

    def sign_in(self, display_name: str = "Ada", user_id: str | None = None) -> FakeSession:
        user_id = user_id or f"user-{secrets.token_hex(4)}"
        session = FakeSession(
            token=secrets.token_urlsafe(16),
            session_id=f"session-{secrets.token_hex(4)}",
            user_id=user_id,
            email=f"{display_name.lower()}@example.com",
            display_name=display_name,
        )
        self.sessions[session.token] = session
        return session

    def hand_off_code(self, session: FakeSession) -> str:
        code = secrets.token_urlsafe(8)
        self.codes[code] = session.token
        return code

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"
        body = await request_body(receive)
        headers = dict(scope["headers"])
        self.calls.append(scope["path"])
        if headers.get(b"authorization") != f"Bearer {SERVICE_SECRET}".encode():
            await self._reply(send, 401, {"error": "unauthorized"})
            return
        payload = json.loads(body or b"{}")
        if scope["path"] == "/internal/handoff/redeem":
            token = self.codes.pop(payload.get("code", ""), None)
            if token is None:
                await self._reply(send, 404, {"error": "invalid_code"})
                return
            session = self.sessions[token]
            await self._reply(send, 200, {"access_token": token, **self._describe(session)})
        elif scope["path"] == "/internal/token-check":
            found = self.sessions.get(payload.get("token", ""))
            if found is None or found.revoked:
                await self._reply(send, 200, {"valid": False})
                return
            answer = {"valid": True, **self._describe(found), "expires_at": "2099-01-01T00:00:00Z"}
            await self._reply(send, 200, answer)
        elif scope["path"] == "/internal/sessions/revoke":
            found = self.sessions.get(payload.get("token", ""))
            if found is not None and not found.revoked:
                await self.revoke(found)
            await self._reply(send, 204, None)
        elif scope["path"] == "/internal/sessions/revoke-all":
            found = self.sessions.get(payload.get("token", ""))
            if found is not None and not found.revoked:
                for session in list(self.sessions.values()):
                    if session.user_id == found.user_id and not session.revoked:
                        await self.revoke(session, everywhere=True)
            await self._reply(send, 204, None)
        elif scope["path"] == "/internal/invitations":
            valid = "@" in payload.get("email", "") and payload.get("display_name")
            if valid:
                self.invited.append(str(payload["email"]))
            await self._reply(send, 204 if valid else 400, None)
        elif scope["path"].startswith(("/internal/join-code", "/internal/people/")):
            await self._administer(send, scope["path"], payload)
        else:
            await self._reply(send, 404, {"error": "not_found"})

    async def _administer(self, send: Send, path: str, payload: dict[str, Any]) -> None:
        if path == "/internal/join-code/regenerate":
            self.join_code = secrets.token_urlsafe(8)
        if path.startswith("/internal/join-code"):
            await self._reply(send, 200, {"code": self.join_code, "join_url": "http://auth/join/"})
            return
        user_id, _, verb = path.removeprefix("/internal/people/").partition("/")
        if verb == "display-name":  # the profile page (chat_svc/profiles/)
            for session in self.sessions.values():
                if session.user_id == user_id:
                    session.display_name = str(payload["display_name"])
        elif verb == "role":
            self.roles[user_id] = str(payload["role"])
        elif verb == "deactivate":
            self.deactivated.add(user_id)
            for session in list(self.sessions.values()):
                if session.user_id == user_id and not session.revoked:
                    await self.revoke(session, everywhere=True)
        else:
            self.deactivated.discard(user_id)
        await self._reply(send, 204, None)

    async def revoke(self, session: FakeSession, everywhere: bool = False) -> None:
        session.revoked = True
        if self.js is not None:
            event = SessionRevoked(
                user_id=session.user_id, session_id=session.session_id, everywhere=everywhere
            )
            await publish_event(self.js, event)

    @staticmethod
    def _describe(session: FakeSession) -> dict[str, str]:
        return {
            "session_id": session.session_id,
            "user_id": session.user_id,
            "email": session.email,
            "display_name": session.display_name,
        }

    @staticmethod
    async def _reply(send: Send, status: int, payload: object) -> None:
        body = b"" if payload is None else json.dumps(payload).encode()
        headers = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
