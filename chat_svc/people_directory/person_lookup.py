"""Chat's people by id, or all of them, from the directory's cards in Valkey, the store
only when the directory cannot answer (not installed, Valkey down, the index incomplete,
or a card without what the caller reads). On FerretDB every read of ``users`` scans: a
person by id costs 240-320 ms at 10,000 people (docs/performance.md).

They answer ``ChatUser``s as the store's reads do, so callers keep their types; these are
copies for reading, never saved (``model_construct``: no validation, a few µs each)."""

from __future__ import annotations

from bson import ObjectId

from chat_svc.models.users import (
    ChatUser,
    select_display_names,
    select_people,
    select_user,
    select_users_in,
)
from chat_svc.people_directory.directory_index import PersonCard
from chat_svc.people_directory.installation import (
    card_of,
    cards_of_people,
    everyone_by_card,
    person_changed,
)


async def find_person(user_id: str) -> ChatUser | None:
    """The person chat knows by this id, deactivated too; None for no one."""
    answered, card = await card_of(user_id)
    if answered and card is not None and card.email:
        return as_chat_user(card)
    # No card (someone written to the store a moment ago, or no one) or one written before
    # cards held the address: the store says.
    return await select_user(user_id)


async def find_stored_person(user_id: str) -> ChatUser | None:
    """The stored record itself, for what must not trust a card (the administrators' gate:
    a card misses a write made straight to the store, or one while Valkey was away). By
    ``_id`` when the card knows it: the one filter FerretDB's SQLite backend hands to SQLite
    (docs/performance.md), an index lookup on MongoDB either way."""
    answered, card = await card_of(user_id)
    if answered and card is not None and card.document_id:
        stored = await ChatUser.find_one({"_id": ObjectId(card.document_id)})
        if stored is not None and stored.user_id == user_id:
            return stored
    stored = await select_user(user_id)
    if answered and card is not None and stored is not None:
        # A card written since the rebuild learns where the record is, once.
        await person_changed(user_id, document_id=str(stored.id))
    return stored


async def find_people(user_ids: list[str]) -> dict[str, ChatUser]:
    """The people chat knows among ``user_ids``, deactivated too (as ``select_users_in``):
    from their cards, the store for those without one or without an address."""
    cards = await cards_of_people(user_ids) or {}
    found = {user_id: as_chat_user(card) for user_id, card in cards.items() if card.email}
    if lacking := [user_id for user_id in user_ids if user_id not in found]:
        found |= await select_users_in(lacking)
    return found


async def active_names(user_ids: list[str]) -> dict[str, str]:
    """Display name by user id, for those of ``user_ids`` chat knows and who are active (as
    ``select_display_names``): from their cards, the store for those the directory lacks."""
    cards = await cards_of_people(user_ids)
    if cards is None:
        return await select_display_names(user_ids)
    names = {user_id: card.display_name for user_id, card in cards.items() if not card.deactivated}
    if lacking := [user_id for user_id in user_ids if user_id not in cards]:
        names |= await select_display_names(lacking)
    return names


async def everyone_cards() -> list[PersonCard]:
    """Everyone as ``everyone``, the cards alone, for readers of names and roles (a ChatUser
    each costs ~10 µs: ~100 ms at 10,000 people)."""
    cards = await everyone_by_card()
    if cards is not None:
        return cards
    return [
        PersonCard(p.user_id, p.display_name, p.role, p.deactivated, p.email, str(p.id))
        for p in await select_people()
    ]


async def everyone() -> list[ChatUser]:
    """Everyone chat knows, deactivated too, by display name (as ``select_people``)."""
    cards = await everyone_by_card()
    if cards is None:
        return await select_people()
    return [as_chat_user(card) for card in cards]


def as_chat_user(card: PersonCard) -> ChatUser:
    person: ChatUser = ChatUser.model_construct(
        user_id=card.user_id,
        email=card.email,
        display_name=card.display_name,
        role=card.role,
        deactivated=card.deactivated,
    )
    return person
