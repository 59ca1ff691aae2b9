"""On an empty install the first person to sign up needs no code and administers the team."""

from __future__ import annotations

from auth_svc.models.documents import UserDocument
from service_kit.people.roles import ADMIN, MEMBER
from service_kit.storage.store_compat import claim_once

FIRST_ADMIN_CLAIM = "first-administrator"


async def install_is_empty() -> bool:
    """No account yet (the whole collection is read only when it is empty)."""
    return await UserDocument.get_pymongo_collection().find_one({}, {"_id": 1}) is None


async def role_for_new_account() -> str:
    """Administrator for the first account of the install, member for every later one.

    Two sign-ups finishing at once on an empty install both see it empty: the claim (an
    insert into a unique key, atomic on FerretDB too) lets exactly one become administrator.
    """
    if await install_is_empty() and await claim_once(FIRST_ADMIN_CLAIM):
        return ADMIN
    return MEMBER
