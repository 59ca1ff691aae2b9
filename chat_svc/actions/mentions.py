"""Who a message mentions: ``@Display Name`` of a member of the room, recognised by the
server when the message is posted or edited (so it works without JavaScript, and the page's
suggestion list only helps to type it).

At each ``@`` the longest member name that follows wins (``@Ann Lee`` is Ann Lee, not Ann),
compared case-insensitively, and a name must end where a word ends (``@Annabel`` is not
Ann). An ``@`` inside a word (``ann@example.com``) starts nothing. Two members with the same
display name are both mentioned, unless the name is followed by one's account tag
(``@Ann Lee~3f2a``): the suggestion list writes that when it lists two of one name, so its
choice mentions exactly that person; the page shows the name alone (``without_tags``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from chat_svc.models.messages import account_handle

_TAG = re.compile(r"~([0-9a-f]{4})(?![0-9A-Za-z_])")


def find_mentions(body: str, members: Sequence[tuple[str, str]]) -> tuple[str, ...]:
    """The user ids of ``members`` (``(user_id, display_name)``) that ``body`` mentions, in
    order of first appearance, each once; the author may be among them."""
    if "@" not in body:
        return ()
    by_name: dict[str, list[str]] = {}
    name_lengths: set[int] = set()
    for user_id, display_name in members:
        name = display_name.strip()
        if name:
            by_name.setdefault(name.casefold(), []).append(user_id)
            name_lengths.add(len(name))
    # One look-up per distinct name length at each "@", longest first.
    lengths = sorted(name_lengths, reverse=True)
    found: dict[str, None] = {}  # ordered and unique
    at = body.find("@")
    while at != -1:
        end = at + 1
        if at == 0 or not _is_word_char(body[at - 1]):
            for length in lengths:
                candidate = body[at + 1 : at + 1 + length]
                if len(candidate) == length and _ends_a_word(body, at + 1 + length):
                    user_ids = by_name.get(candidate.casefold())
                    if user_ids:
                        end = at + 1 + length
                        tag = _TAG.match(body, end)
                        chosen = tag and [u for u in user_ids if account_handle(u) == tag[1]]
                        if chosen and tag:
                            user_ids, end = chosen, tag.end()
                        found.update(dict.fromkeys(user_ids))
                        break
        at = body.find("@", end)
    return tuple(found)


def without_tags(body: str, mentioned: Sequence[str]) -> str:
    """The text as people read it: the account tag after a mentioned name left out
    ("@Ann Lee~3f2a" reads "@Ann Lee"); other text with a "~" stays as written."""
    for handle in {account_handle(user_id) for user_id in mentioned}:
        body = re.sub(rf"(?<=[^\s@~])~{handle}(?![0-9A-Za-z_])", "", body)
    return body


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def _ends_a_word(body: str, index: int) -> bool:
    """A name ending at ``index`` ends a word: nothing of a word follows it, or the name
    itself ends with punctuation ("@Ann (ops)!")."""
    return (
        index >= len(body) or not _is_word_char(body[index]) or not _is_word_char(body[index - 1])
    )


def suggest_members(
    members: Sequence[tuple[str, str]], typed: str, limit: int
) -> list[tuple[str, str]]:
    """The members whose name starts with ``typed`` (what follows the ``@``), then those
    with a later word starting with it; case-insensitive, each group in the given order."""
    query = typed.strip().casefold()
    first: list[tuple[str, str]] = []
    later: list[tuple[str, str]] = []
    for member in members:
        name = member[1].strip().casefold()
        if not name:
            continue
        if name.startswith(query):
            first.append(member)
        elif any(word.startswith(query) for word in name.split()[1:]):
            later.append(member)
    return (first + later)[:limit]
