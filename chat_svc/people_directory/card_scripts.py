"""The people directory's Lua scripts (directory_index.py): each reads or writes a card and
the sorted sets that index it in one step, so no reader sees half a change."""

from __future__ import annotations

from service_kit.people.roles import ADMIN

# KEYS: the card, NAMES, READY, DIRTY, FOLDED, WORDS, ADMINS. ARGV: user id, the name's member
# ("" unchanged), its search entries (name_search.py, "\n" between), then field, value
# pairs. 0 when the index is not ready or lacks the person and the change does not name
# them (a rebuild reads the store instead).
WRITE_CARD = """
if redis.call('EXISTS', KEYS[3]) == 0 then redis.call('INCR', KEYS[4]) return 0 end
local old = redis.call('HGET', KEYS[1], 'member')
if not old and ARGV[2] == '' then
  redis.call('DEL', KEYS[3])
  redis.call('INCR', KEYS[4])
  return 0
end
if ARGV[2] ~= '' and ARGV[2] ~= old then
  if old then redis.call('ZREM', KEYS[2], old) end
  redis.call('ZADD', KEYS[2], 0, ARGV[2])
  redis.call('HSET', KEYS[1], 'member', ARGV[2])
  local sets = {KEYS[5], KEYS[6]}
  local entries = redis.call('HGET', KEYS[1], 'search') or ''
  local n = 0
  for entry in string.gmatch(entries, '[^\\n]+') do
    redis.call('ZREM', sets[math.min(n, 1) + 1], entry)
    n = n + 1
  end
  n = 0
  for entry in string.gmatch(ARGV[3], '[^\\n]+') do
    redis.call('ZADD', sets[math.min(n, 1) + 1], 0, entry)
    n = n + 1
  end
  redis.call('HSET', KEYS[1], 'search', ARGV[3])
end
redis.call('HSETNX', KEYS[1], 'role', 'member')
redis.call('HSETNX', KEYS[1], 'deactivated', '0')
for i = 4, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
local now = redis.call('HMGET', KEYS[1], 'role', 'deactivated')
if now[1] == 'ADMIN_ROLE' and now[2] == '0' then
  redis.call('SADD', KEYS[7], ARGV[1])
else
  redis.call('SREM', KEYS[7], ARGV[1])
end
return 1
""".replace("ADMIN_ROLE", ADMIN)


CARD_FIELDS = ("member", "name", "role", "deactivated", "email", "document", "avatar")
EVERYONE_CHUNK = 500  # people a script call reads: Valkey is busy ~1.3 ms a call (measured)
_READ_CARD = (  # the card of ``id``: its CARD_FIELDS
    "redis.call('HMGET', prefix .. id, " + ", ".join(f"'{field}'" for field in CARD_FIELDS) + ")"
)

# KEYS: a sorted set of "<text>\0<user id>". ARGV: the lex range's start and stop, how
# many, the cards' key prefix. The last member read (false: none), then CARD_FIELDS of each
# person read (cards named by the member's id, not in KEYS: fine on one Valkey, not on a
# cluster).
CARDS_IN_RANGE = f"""
local rows, prefix = {{false}}, ARGV[4]
local members = redis.call('ZRANGEBYLEX', KEYS[1], ARGV[1], ARGV[2], 'LIMIT', 0, ARGV[3])
for _, member in ipairs(members) do
  rows[1] = member
  local id = string.match(member, '%z([^%z]*)$')
  for _, value in ipairs({_READ_CARD}) do rows[#rows + 1] = value end
end
return rows
"""

# KEYS: READY. ARGV: the cards' key prefix, then user ids. Nothing while the index is not
# ready, else CARD_FIELDS of each id (all false: no card).
CARDS_OF = f"""
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local rows, prefix = {{}}, ARGV[1]
for i = 2, #ARGV do
  local id = ARGV[i]
  for _, value in ipairs({_READ_CARD}) do rows[#rows + 1] = value end
end
return rows
"""
