"""Links that open an account travel sealed: AES-256-GCM under a key only auth_svc and
mail_svc hold (``LINK_SEAL_KEY``), so the AUTH_EVENTS stream, its disk files and anyone who
may read them see ciphertext, never a usable set-password or reset link.

The associated data binds a sealed link to its event's subject, id and recipient: a sealed
link copied into another event (for another address) does not open.
"""

from __future__ import annotations

import base64
import os
from datetime import datetime
from typing import TypeVar
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from service_kit.events import PasswordResetRequested, SignUpRequested
from service_kit.settings import dev_secret

DEV_LINK_SEAL_KEY = dev_secret("link-seal-key")
_FORMAT = "v1"
_NONCE_BYTES = 12

SealedLinkEvent = SignUpRequested | PasswordResetRequested
E = TypeVar("E", SignUpRequested, PasswordResetRequested)


class SealBrokenError(ValueError):
    """The sealed link does not open: another key, another event, or altered bytes."""


def _binding(subject: str, event_id: UUID, email: str) -> bytes:
    return f"{subject}\n{event_id}\n{email.lower()}".encode()


ACCOUNT_LINKS = b"chat sealed links v1"


class LinkSeal:
    def __init__(self, secret: str, purpose: bytes = ACCOUNT_LINKS) -> None:
        # Any long random string works as the secret: HKDF turns it into a 256-bit key, a
        # different one per ``purpose`` (a seal made for one purpose never opens for another).
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(
            secret.encode()
        )
        self._aead = AESGCM(key)

    def seal(self, link: str, associated: bytes) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, link.encode(), associated)
        return f"{_FORMAT}.{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def open(self, sealed: str, associated: bytes) -> str:
        version, _, body = sealed.partition(".")
        try:
            if version != _FORMAT:
                raise ValueError(f"unknown format {version!r}")
            raw = base64.urlsafe_b64decode(body.encode())
            # Only the spelling we write opens: base64's last character before "=" has
            # unused bits, so a changed character there would otherwise decode the same.
            if base64.urlsafe_b64encode(raw).decode() != body:
                raise ValueError("not the canonical spelling of the sealed bytes")
            plain = self._aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], associated)
        except (InvalidTag, ValueError) as error:
            raise SealBrokenError("the sealed link does not open with this key") from error
        return plain.decode()


def seal_event(
    seal: LinkSeal,
    event_type: type[E],
    *,
    email: str,
    display_name: str,
    link: str,
    expires_at: datetime,
) -> E:
    """The event with ``link`` sealed for mail_svc (auth_svc builds these)."""
    draft = event_type(
        email=email, display_name=display_name, sealed_link="", expires_at=expires_at
    )
    # Bound to the address as the event holds it (validated), which is what mail_svc sees.
    sealed = seal.seal(link, _binding(draft.SUBJECT, draft.id, draft.email))
    return draft.model_copy(update={"sealed_link": sealed})


def link_in(event: SealedLinkEvent, seal: LinkSeal) -> str:
    """The link mail_svc puts in the e-mail; SealBrokenError when it does not open."""
    return seal.open(event.sealed_link, _binding(event.SUBJECT, event.id, event.email))
