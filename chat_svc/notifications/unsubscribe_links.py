"""The per-person link in every mention e-mail that turns mention e-mails off without
signing in (RFC 8058 one-click).

The token is the person's user id sealed with AES-GCM (service_kit/people/sealed_links.py) under a
key derived from chat's own ``CHAT_SECRET_KEY`` for this purpose alone: chat_svc makes and
opens these links itself, so it needs no share of ``LINK_SEAL_KEY`` (auth and mail only).
A token that was altered, or made under another key, does not open.
"""

from __future__ import annotations

from service_kit.people.sealed_links import LinkSeal, SealBrokenError

PURPOSE = b"chat mention e-mail unsubscribe v1"
ASSOCIATED = b"mention-emails-off"
PATH_PREFIX = "/unsubscribe/mentions/"

__all__ = ["SealBrokenError", "UnsubscribeLinks"]


class UnsubscribeLinks:
    def __init__(self, secret: str, public_url: str) -> None:
        self._seal = LinkSeal(secret, purpose=PURPOSE)
        self._base = public_url.rstrip("/") + PATH_PREFIX

    def link_for(self, user_id: str) -> str:
        return self._base + self._seal.seal(user_id, ASSOCIATED)

    def user_in(self, token: str) -> str:
        """The user id the token was made for; SealBrokenError when it does not open."""
        return self._seal.open(token, ASSOCIATED)
