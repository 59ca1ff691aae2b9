"""One spelling per mailbox, for every service: the key for accounts, pending sign-ups and
rate limits (auth_svc), and the address chat_svc keeps for each person.

``exämple.com``, its NFD spelling and ``xn--exmple-cua.com`` reach the same mailbox, so they
must be one account and share one limit. email-validator (already what wtforms' ``Email``
uses) does the hard part: NFC, IDNA 2008 with the UTS #46 mapping (``str.encode("idna")``
is IDNA 2003 and maps some names differently), and the RFC syntax checks.
"""

from __future__ import annotations

import unicodedata

from email_validator import EmailNotValidError, validate_email


def normalise_email(address: str) -> str:
    """NFC, trimmed, lower-cased; the domain as IDNA A-labels (``xn--…``).

    An address email-validator refuses comes back only trimmed and lower-cased, for the
    form's validator to explain.
    """
    text = unicodedata.normalize("NFC", address.strip())
    try:
        valid = validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        return text.lower()
    # The local part is case-folded as before (nobody runs case-sensitive mailboxes).
    return f"{valid.local_part.lower()}@{valid.ascii_domain.lower()}"
