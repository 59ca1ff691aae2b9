"""The team's join link code: one per install, made on first use, replaced on demand.

Regenerating replaces the one document, so the old code stops working at the next check
(every check reads the store: nothing caches a code)."""

from __future__ import annotations

import hmac
import secrets

from pymongo.errors import DuplicateKeyError

from auth_svc.models.documents import JoinCodeDocument
from service_kit.events import utc_now

JOIN_CODE_ID = "team"
CODE_MAX_LENGTH = 100  # ours are 22 characters; anything much longer is not one of ours


def _new_code() -> str:
    return secrets.token_urlsafe(16)  # 128 bits: not guessable, short enough to share


async def current_join_code() -> str:
    """The code in use, made now if the install never had one."""
    collection = JoinCodeDocument.get_pymongo_collection()
    found = await collection.find_one({"_id": JOIN_CODE_ID})
    if found is not None:
        return str(found["code"])
    try:
        code = _new_code()
        await collection.insert_one({"_id": JOIN_CODE_ID, "code": code, "created_at": utc_now()})
    except DuplicateKeyError:  # made meanwhile by another request: that one is the code
        return await current_join_code()
    return code


async def regenerate_join_code() -> str:
    """A new code; the old one is refused from now on."""
    code = _new_code()
    await JoinCodeDocument.get_pymongo_collection().replace_one(
        {"_id": JOIN_CODE_ID}, {"code": code, "created_at": utc_now()}, upsert=True
    )
    return code


async def is_current_join_code(code: str | None) -> bool:
    if not code or len(code) > CODE_MAX_LENGTH:
        return False
    found = await JoinCodeDocument.get_pymongo_collection().find_one({"_id": JOIN_CODE_ID})
    return found is not None and hmac.compare_digest(str(found["code"]), code)
