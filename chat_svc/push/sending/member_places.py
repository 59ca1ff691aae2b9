"""Some members' place in one room (title, kind, level, read position) for the push sender,
read from each person's copy in Valkey (reads/person_rooms.py) in one round trip, so a
posted message costs no database read while the copies are warm (on FerretDB every
membership query scans all memberships of all rooms: issue 28).

Valkey is a cache, and a copy expires an hour after it was built, so the copies of people
away (the ones pushes are for) are often gone. Those are rebuilt together from ONE database
read (on MongoDB the (user_id, opened_at) index serves it), not one read per person nor one
per message: the room's next messages find them warm. A complete copy without
``m:<room>`` is someone who left: left out.
"""

from __future__ import annotations

from typing import cast

from chat_svc.reads.person_rooms import READY, PersonRooms, parse_place, person_key
from chat_svc.reads.sidebar import RoomPlace

# KEYS: the people's copies. ARGV: the room, READY. For each: {~ready, m:<room>, r:<room>}.
# One script per chunk rather than an HMGET each: redis-py spent 25 µs a command building and
# reading a pipeline (25 ms a message in a room of 1,000).
PLACES_IN_ROOM = """
local found = {}
for i, key in ipairs(KEYS) do
  found[i] = redis.call('HMGET', key, ARGV[2], 'm:' .. ARGV[1], 'r:' .. ARGV[1])
end
return found
"""
CHUNK = 500  # copies per script call: Valkey serves nothing else while a call runs

CopyFields = list[bytes | None]  # ~ready, m:<room>, r:<room>


class MemberPlaces:
    def __init__(self, people: PersonRooms) -> None:
        self.people = people
        self._read_copies = people.redis.register_script(PLACES_IN_ROOM)

    async def of(self, room: str, user_ids: list[str]) -> dict[str, RoomPlace]:
        """The place in ``room`` of each of ``user_ids`` who is a member of it."""
        copies: list[CopyFields] = []
        # No pipeline: redis-py's asks Valkey whether the script is loaded at every execute.
        for start in range(0, len(user_ids), CHUNK):
            keys = [person_key(user_id) for user_id in user_ids[start : start + CHUNK]]
            copies += cast(list[CopyFields], await self._read_copies(keys=keys, args=[room, READY]))
        places: dict[str, RoomPlace] = {}
        uncopied: list[str] = []
        for user_id, (ready, meta, read) in zip(user_ids, copies, strict=True):
            if ready is None:
                uncopied.append(user_id)
            elif meta is not None:
                places[user_id] = parse_place(room, meta, read)
        if uncopied:
            for user_id, copy in (await self.people.rebuild_many(uncopied)).items():
                if room in copy.places:
                    places[user_id] = copy.places[room]
        return places
