"""The Redis keys of reactions (a module of its own: actions/message_edits.py drops the
state when a message is deleted, and the toggles import the edits' lock)."""

from __future__ import annotations


def reaction_state_key(room: str, message_id: int) -> str:
    return f"chat:room:{room}:message:{message_id}:reactions"


def armed_key(room: str, message_id: int) -> str:
    return f"chat:room:{room}:message:{message_id}:reactions:armed"


def most_used_key(user_id: str) -> str:
    return f"chat:user:{user_id}:reactions-used"
