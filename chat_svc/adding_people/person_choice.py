"""Which one person "Add someone by name" means: the display name the people page shows,
optionally followed by the account tag shown beside it (``Grace Hopper~3f2a``, what the
suggestion list writes when two listed share the name; a space works too).

Only names are looked up, never addresses: an address answered whether it had an account
(issue 29, item 2), while names are what every signed-in person sees already.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from chat_svc.models.messages import account_handle
from chat_svc.models.users import ChatUser
from chat_svc.people_directory.name_search import people_named
from chat_svc.people_directory.person_lookup import as_chat_user, everyone

_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+$")
ADDRESS_ANSWER = (
    "Add people by the name the people page shows: addresses are not looked up here, so "
    "this cannot tell whether one has an account."
)
_TRAILING_TAG = re.compile(r"^(?P<name>.+?)\s*[~\s](?P<tag>[0-9a-f]{4})$")


@dataclass(frozen=True)
class PersonChoice:
    """``person`` when exactly one fits, else ``problem``: what to tell the adder."""

    person: ChatUser | None
    problem: str | None = None


async def people_it_may_name(typed: str) -> list[ChatUser]:
    """Those ``choose_person`` chooses from: the people called ``typed``, or the name before
    its tag, from the directory's names (everyone when it cannot say)."""
    tagged = _TRAILING_TAG.match(typed)
    cards = await people_named([typed, tagged["name"]] if tagged else [typed])
    return await everyone() if cards is None else [as_chat_user(card) for card in cards]


def choose_person(typed: str, people: Sequence[ChatUser]) -> PersonChoice:
    """The one active person of ``people`` that ``typed`` names (case-insensitive)."""
    active = [person for person in people if not person.deactivated]
    named = _named(typed, active)
    tagged = _TRAILING_TAG.match(typed)
    if tagged and len(named) != 1:  # "Ann Lee~3f2a": the tag picks one of that name
        same_name = _named(tagged["name"], active)
        named = [p for p in same_name if account_handle(p.user_id) == tagged["tag"]] or named
    if len(named) == 1:
        return PersonChoice(named[0])
    if not named and _ADDRESS.match(typed):  # the same answer for every address
        return PersonChoice(None, ADDRESS_ANSWER)
    if not named:
        return PersonChoice(None, f"No one called “{typed}” can chat here.")
    choices = " or ".join(f"“{p.display_name}~{account_handle(p.user_id)}”" for p in named)
    return PersonChoice(
        None,
        f"{len(named)} people are called “{typed}”: write {choices} "
        "(the tag shown beside each name) to choose one.",
    )


def _named(name: str, people: Sequence[ChatUser]) -> list[ChatUser]:
    wanted = name.strip().casefold()
    return [person for person in people if person.display_name.casefold() == wanted]
