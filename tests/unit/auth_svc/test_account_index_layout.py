"""How the account index lays documents out in Valkey (auth_svc/lookups/write_through.py):
the Lua scripts compare stored times as strings, so their encoding must order as the times
do, and a partial document (only a write-through's fields) must never read as a document."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from auth_svc.lookups.write_through import decode_fields, encode_fields, encode_value


def test_times_encode_to_the_millisecond_in_utc_and_order_as_the_times_do() -> None:
    base = datetime(2026, 12, 7, 9, 0, 0, tzinfo=UTC)
    moments = [
        base,
        base + timedelta(microseconds=1000),  # the store keeps milliseconds
        base.astimezone(timezone(timedelta(hours=5))) + timedelta(seconds=1),
        base + timedelta(days=400),
    ]
    encoded = [encode_value(moment) for moment in moments]
    assert encoded == sorted(encoded)
    assert encoded[0] == '"2026-12-07T09:00:00.000+00:00"'
    assert encode_value(base + timedelta(microseconds=999)) == encoded[0]
    assert encode_value(None) == "null"


def test_a_document_round_trips_and_a_partial_one_reads_as_none() -> None:
    fields = {"_id": "s1", "token_hashes": ["a", "b"], "revoked_at": None}
    raw = [part.encode() for part in encode_fields(fields)]
    assert decode_fields(raw) == fields
    partial = [part.encode() for part in encode_fields({"revoked_at": datetime.now(UTC)})]
    assert decode_fields(partial) is None
    bookkeeping = {b"~persisted_at": b"1", b"_id": b'"s1"'}
    assert decode_fields(bookkeeping) == {"_id": "s1"}
