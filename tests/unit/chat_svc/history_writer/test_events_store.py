"""Which limit CHAT_EVENTS' fullness is measured against: the fuller of the stream's own
``max_bytes`` and the account's storage (the server's ``max_file_store``)."""

from __future__ import annotations

from chat_svc.history_writer.events_store import StoreUse, nearer_limit

MB = 1_000_000


def test_the_account_limit_counts_every_streams_bytes() -> None:
    assert nearer_limit(300 * MB, -1, 500 * MB, 1000 * MB) == StoreUse(500 * MB, 1000 * MB)


def test_a_declared_max_bytes_counts_when_it_is_the_fuller() -> None:
    use = nearer_limit(90 * MB, 100 * MB, 200 * MB, 1000 * MB)
    assert use == StoreUse(90 * MB, 100 * MB) and use.full == 0.9


def test_no_limit_reported_gives_no_fraction() -> None:
    use = nearer_limit(10 * MB, 0, 20 * MB, -1)
    assert use.limit_bytes is None and use.full is None
