"""``just admin <email>``: make an account an administrator from the command line (for
recovery, when no administrator can sign in).

Writes the role change and its ``UserRoleChanged`` event as one outbox entry, applied
here; a running auth_svc's relay publishes the event (at once, or when it next starts),
and chat_svc's copy of the person follows."""

from __future__ import annotations

import asyncio
import logging
import sys
from datetime import timedelta

from redis.asyncio import Redis

from auth_svc.lookups import install_lookups, open_lookups
from auth_svc.models.documents import DOCUMENT_MODELS
from auth_svc.models.outbox import ChangeRole, apply_outbox_changes, insert_outbox_entry
from auth_svc.models.users import select_user_by_email
from auth_svc.settings import AuthSettings
from service_kit.events import UserRoleChanged
from service_kit.people.email_addresses import normalise_email
from service_kit.people.roles import ADMIN
from service_kit.storage.document_store import open_document_store

log = logging.getLogger(__name__)
DATABASE_PATIENCE_SECONDS = 30.0


async def make_admin(settings: AuthSettings, email: str) -> bool:
    """False when no account has this address."""
    store = open_document_store(
        settings.mongodb_url, settings.mongodb_database, DOCUMENT_MODELS, "auth_svc"
    )
    # The role reaches the account index too (auth_svc/lookups/), as from the app.
    redis = Redis.from_url(settings.redis_url)
    install_lookups(open_lookups(settings.lookup_index, redis))
    try:
        await store.wait_ready(DATABASE_PATIENCE_SECONDS)
        user = await select_user_by_email(normalise_email(email))
        if user is None:
            return False
        # Leased for no time: the first relay to look publishes it.
        entry = await insert_outbox_entry(
            [ChangeRole(user_id=user.id, role=ADMIN)],
            [UserRoleChanged(user_id=user.id, role=ADMIN)],
            leased_for=timedelta(0),
        )
        await apply_outbox_changes(entry)
        log.info("made an administrator", extra={"user_id": user.id})
        return True
    finally:
        install_lookups(None)
        await redis.aclose()
        await store.close()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if len(sys.argv) != 2:
        sys.exit("usage: just admin <email>")
    if not asyncio.run(make_admin(AuthSettings(), sys.argv[1])):
        sys.exit(f"no account uses {sys.argv[1]}")
    log.info("%s is now an administrator", sys.argv[1])


if __name__ == "__main__":
    main()
