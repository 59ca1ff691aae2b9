"""What a message's reactions say in its markup: who reacted, and the author tags
reactions.js compares with its viewer's to mark their own (never account ids)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chat_svc.models.message_shape import Reactor
from chat_svc.models.messages import author_tag

NAMES_SHOWN = 2


def who_reacted(people: Sequence[Reactor]) -> str:
    """ "Ann", "Ann and Bob", "Ann, Bob and Cy", "Ann, Bob and 3 others": first first."""
    names = [person.name for person in people]
    if len(names) <= NAMES_SHOWN + 1:
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    rest = len(names) - NAMES_SHOWN
    return ", ".join(names[:NAMES_SHOWN]) + f" and {rest} others"


def reactor_tags(people: Sequence[Reactor]) -> str:
    return " ".join(author_tag(person.user_id) for person in people)


def install_reaction_text(globals_: dict[str, Any]) -> None:
    globals_["who_reacted"] = who_reacted
    globals_["reactor_tags"] = reactor_tags
