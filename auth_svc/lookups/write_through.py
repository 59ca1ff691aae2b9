"""How the account index lays documents out in Valkey, and the scripts that write them.

A document is a hash ``auth:doc:<collection>:<id>``, one field per document field, each a
JSON value; times as UTC ISO strings to the millisecond (what the store keeps), which
compare in the same order as the times. Secondary keys ``auth:by:<collection>:<field>:<value>``
name the document's id (e-mail, token hashes, hand-off code); a reader checks the document
still carries the value. ``auth:sessions-of:<user id>`` is the set of a user's session ids.
A session's keys expire with it (``expires_at``); nothing else expires.

Every write keeps the index no older than the database, whatever the order in which
replicas, a rebuild and a flush interleave:
- a whole document (a create, the rebuild) only fills the fields absent, so the rebuild
  never undoes a write-through that came while it read the database;
- a ``$set`` is applied only if the database applied it, and in Valkey only where the
  document's stored state still meets the same condition (a newer password, a revocation
  already there win), and even on a document the index lacks while it is incomplete (the
  rebuild then fills the rest): a revocation is never lost to a rebuild in flight.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal

READY_KEY = "auth:lookups:ready"  # set once the index holds every document
REBUILD_LOCK = "auth:lookups:rebuilding"  # one replica rebuilds at a time; expires

Fields = Mapping[str, Any]
# (field, "lt" | "le" | "eq", value): applied only where the stored field compares so
# (or is absent: a document the rebuild has not filled yet).
Condition = tuple[str, Literal["lt", "le", "eq"], Any]

# Which fields name a document (its secondary keys), per collection.
SECONDARY_FIELDS: dict[str, tuple[str, ...]] = {
    "users": ("email",),
    "sessions": ("token_hashes", "handoff_code_hash"),
    "sign_ups": ("token_hash",),
    "password_resets": ("token_hash",),
}
EXPIRING = {"sessions"}  # their keys go at ``expires_at``


def document_key(collection: str, key: str) -> str:
    return f"auth:doc:{collection}:{key}"


def secondary_key(collection: str, field: str, value: str) -> str:
    return f"auth:by:{collection}:{field}:{value}"


def sessions_of_key(user_id: str) -> str:
    return f"auth:sessions-of:{user_id}"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).isoformat(timespec="milliseconds")
    return value


def encode_value(value: Any) -> str:
    return json.dumps(_plain(value), default=_plain, separators=(",", ":"))


def encode_fields(fields: Fields) -> list[str]:
    """HSET's arguments: field, value, field, value..."""
    return [part for name, value in fields.items() for part in (name, encode_value(value))]


def decode_fields(raw: list[bytes] | dict[bytes, bytes]) -> dict[str, Any] | None:
    """A document from HGETALL (or a script's flat list); None for a partial one (only a
    write-through's fields, never filled by a rebuild: a document the store no longer
    serves, such as a session that expired)."""
    pairs = raw.items() if isinstance(raw, dict) else zip(raw[::2], raw[1::2], strict=True)
    found = {name.decode(): json.loads(value) for name, value in pairs if not name.startswith(b"~")}
    return found if "_id" in found else None


def secondary_keys(collection: str, fields: Fields) -> list[str]:
    keys: list[str] = []
    for field in SECONDARY_FIELDS[collection]:
        value = fields.get(field)
        for one in value if isinstance(value, list) else [value]:
            if isinstance(one, str):
                keys.append(secondary_key(collection, field, one))
    return keys


def expiry_ms(collection: str, fields: Fields) -> int:
    expires = fields.get("expires_at") if collection in EXPIRING else None
    return int(expires.timestamp() * 1000) if isinstance(expires, datetime) else 0


# KEYS: the document, then its secondary keys. ARGV: id, expiry (ms, 0: none), then fields.
# Fills absent fields only (see above); secondary keys expire with the document.
FILL_DOCUMENT = """
for i = 3, #ARGV, 2 do redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1]) end
local at = tonumber(ARGV[2])
if at > 0 then redis.call('PEXPIREAT', KEYS[1], at) end
for i = 2, #KEYS do
  if at > 0 then redis.call('SET', KEYS[i], ARGV[1], 'PXAT', at)
  else redis.call('SET', KEYS[i], ARGV[1]) end
end
return 1
"""

# KEYS: the document, READY_KEY, then secondary keys the fields add. ARGV: id, upsert
# ("1": a document the complete index lacks is created), condition field ("" none), op,
# value, then fields. Returns 1 when applied.
SET_FIELDS = """
local present = redis.call('EXISTS', KEYS[1]) == 1
if not present and ARGV[2] ~= '1' and redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
if ARGV[3] ~= '' then
  local stored = redis.call('HGET', KEYS[1], ARGV[3])
  if stored then
    local op, value = ARGV[4], ARGV[5]
    if (op == 'lt' and not (stored < value)) or (op == 'le' and not (stored <= value))
       or (op == 'eq' and stored ~= value) then return 0 end
  end
end
for i = 6, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
local ttl = redis.call('PTTL', KEYS[1])
for i = 3, #KEYS do
  if ttl > 0 then redis.call('SET', KEYS[i], ARGV[1], 'PX', ttl)
  else redis.call('SET', KEYS[i], ARGV[1]) end
end
return 1
"""

# KEYS: READY_KEY. ARGV: a secondary key ("" for none), the document key's prefix, the id,
# the prefix of the person's revocation mark ("" for none: lookups/revocations.py).
# nil while the index is incomplete; else the document's HGETALL (empty: none), followed
# by "~revoked_before" and the mark of the document's user_id if there is one.
LOOKUP = """
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local id = ARGV[3]
if ARGV[1] ~= '' then
  id = redis.call('GET', ARGV[1])
  if not id then return {} end
end
local found = redis.call('HGETALL', ARGV[2] .. id)
if ARGV[4] ~= '' and #found > 0 then
  local user = redis.call('HGET', ARGV[2] .. id, 'user_id')
  local mark = user and redis.call('GET', ARGV[4] .. cjson.decode(user))
  if mark then
    table.insert(found, '~revoked_before')
    table.insert(found, mark)
  end
end
return found
"""

# KEYS: the session. ARGV: last use (encoded), now (s), how often the store hears of it (s).
# 1: write the last use to the store too (at most once per interval and session).
RECORD_USE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 1 end
redis.call('HSET', KEYS[1], 'last_seen_at', ARGV[1])
local persisted = tonumber(redis.call('HGET', KEYS[1], '~persisted_at') or '0')
if tonumber(ARGV[2]) - persisted < tonumber(ARGV[3]) then return 0 end
redis.call('HSET', KEYS[1], '~persisted_at', ARGV[2])
return 1
"""
