"""Replay e-mails mail_svc gave up on: ``python -m mail_svc.replay_dead_letters [--dry-run]``.

Each dead letter from the ``mail_svc`` consumer is published again on its original subject
and then removed from ``DEAD_LETTERS``. Replaying twice is harmless: mail_svc skips events
whose e-mail was already accepted. Fix the cause first (SMTP settings, a template bug), or
the events come straight back.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from dataclasses import dataclass

from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from mail_svc.lib.mail_worker import DURABLE, MENTIONS_DURABLE
from mail_svc.settings import MailSettings
from service_kit.logging_setup import configure_logging
from service_kit.messaging.jetstream import DEAD_LETTER_PREFIX, DEAD_LETTER_STREAM, connect_nats
from service_kit.messaging.nats_credentials import client_options

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeadLetter:
    sequence: int
    original_subject: str
    reason: str
    data: bytes


async def list_dead_letters(js: JetStreamContext, consumer: str = DURABLE) -> list[DeadLetter]:
    state = (await js.stream_info(DEAD_LETTER_STREAM)).state
    letters: list[DeadLetter] = []
    for sequence in range(state.first_seq, state.last_seq + 1):
        try:
            stored = await js.get_msg(DEAD_LETTER_STREAM, sequence)
        except NotFoundError:  # already replayed or expired
            continue
        headers = stored.headers or {}
        if headers.get("Dead-Letter-Consumer") != consumer or stored.data is None:
            continue
        if stored.subject != f"{DEAD_LETTER_PREFIX}.{headers.get('Original-Subject')}":
            # Replay goes to Original-Subject; NATS limits each service's dead-letter
            # subjects (nats/accounts.conf), not its headers, so the two must agree.
            log.warning(
                "dead letter with a mismatched subject skipped", extra={"sequence": sequence}
            )
            continue
        letters.append(
            DeadLetter(
                sequence=sequence,
                original_subject=headers["Original-Subject"],
                reason=headers.get("Dead-Letter-Reason", ""),
                data=stored.data,
            )
        )
    return letters


async def replay_dead_letters(js: JetStreamContext, consumer: str = DURABLE) -> int:
    """Republish every dead letter of ``consumer``; returns how many were replayed."""
    letters = await list_dead_letters(js, consumer)
    for letter in letters:
        # A fresh message id: the original one may still be in the stream's duplicate window.
        await js.publish(
            letter.original_subject,
            letter.data,
            headers={"Nats-Msg-Id": f"replay:{DEAD_LETTER_STREAM}:{letter.sequence}"},
        )
        await js.delete_msg(DEAD_LETTER_STREAM, letter.sequence)
        log.info(
            "dead letter replayed",
            extra={"sequence": letter.sequence, "subject": letter.original_subject},
        )
    return len(letters)


async def _main(dry_run: bool, consumer: str) -> None:
    settings = MailSettings()
    configure_logging("mail_svc.replay", json_lines=settings.log_json, level=settings.log_level)
    # An operator's tool: run it with MAIL_NATS_USER=admin and the admin password, since
    # replaying republishes auth events, which mail_svc itself may not do.
    nc = await connect_nats(
        settings.nats_url,
        "mail_svc.replay",
        max_reconnect_attempts=0,
        **client_options(settings.nats_user, settings.nats_password),
    )
    try:
        js = nc.jetstream()
        if dry_run:
            for letter in await list_dead_letters(js, consumer):
                log.info(
                    "dead letter",
                    extra={
                        "sequence": letter.sequence,
                        "subject": letter.original_subject,
                        # First line only: validation details may quote a link's token.
                        "reason": letter.reason.splitlines()[0] if letter.reason else "",
                    },
                )
        else:
            log.info("replayed %d dead letters", await replay_dead_letters(js, consumer))
    finally:
        await nc.drain()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--dry-run", action="store_true", help="list, do not replay")
    parser.add_argument(
        "--consumer",
        default=DURABLE,
        choices=(DURABLE, MENTIONS_DURABLE),
        help="whose dead letters: account e-mails (default) or mention e-mails",
    )
    arguments = parser.parse_args()
    asyncio.run(_main(arguments.dry_run, arguments.consumer))


if __name__ == "__main__":
    main()
