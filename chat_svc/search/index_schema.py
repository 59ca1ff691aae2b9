"""The index's one document per message: what is searched, what filters, what is shown.

A message's document is keyed ``<room>:<message id>`` and carries its ``version`` (the id of
its newest change: the post's own id, then each edit's or deletion's ``event_id``), so an
older event arriving after a newer one changes nothing. A deleted message keeps only its
key and version (``live`` = 0): its text is gone from the index, and a replayed post of it
is still recognised as older.
"""

from __future__ import annotations

import re
from pathlib import Path

import tantivy

from chat_svc.models.messages import MessageRecord
from chat_svc.search.text_analysis import ANALYZERS, FOLDED, STEMMED

LINK = re.compile(r"https?://|www\.", re.IGNORECASE)


def build_schema() -> tantivy.Schema:
    schema = tantivy.SchemaBuilder()
    schema.add_text_field("key", tokenizer_name="raw", index_option="basic", stored=True)
    schema.add_text_field("room", tokenizer_name="raw", index_option="basic", stored=True)
    schema.add_integer_field("message_id", stored=True)
    schema.add_integer_field("version", stored=True)
    schema.add_integer_field("live", indexed=True)
    schema.add_text_field("author_name", tokenizer_name=FOLDED, stored=True)
    # The body, stemmed, with positions for phrases; the whole words for the typed prefix.
    schema.add_text_field("body", tokenizer_name=STEMMED, stored=True)
    schema.add_text_field("words", tokenizer_name=FOLDED, index_option="basic")
    schema.add_integer_field("posted_at", stored=True, indexed=True, fast=True)  # epoch ms
    schema.add_integer_field("has_link", indexed=True)
    schema.add_text_field("mentions", tokenizer_name="raw", index_option="basic")
    return schema.build()


SCHEMA = build_schema()


# Written once a rebuild from the database committed: without it, the index is missing or
# was left half-built (a crash mid-rebuild), and the writer rebuilds it.
COMPLETE_MARK = "rebuilt-from-database"


def open_index(path: Path | None) -> tuple[tantivy.Index, bool]:
    """The index at ``path`` (in memory when None) and whether it must be rebuilt from the
    database first."""
    created = path is None or not (path / COMPLETE_MARK).exists()
    if path is not None:
        path.mkdir(parents=True, exist_ok=True)
    index = tantivy.Index(SCHEMA, path=None if path is None else str(path))
    for name, analyzer in ANALYZERS.items():
        index.register_tokenizer(name, analyzer)
    return index, created


def mark_complete(path: Path | None) -> None:
    if path is not None:
        (path / COMPLETE_MARK).touch()


def key_of(room: str, message_id: int) -> str:
    return f"{room}:{message_id}"


def version_of(message: MessageRecord) -> int:
    return message.event_id or message.message_id


def document_of(message: MessageRecord) -> tantivy.Document:
    fields: dict[str, object] = {
        "key": key_of(message.room, message.message_id),
        "room": message.room,
        "message_id": message.message_id,
        "version": version_of(message),
        "live": 0 if message.deleted else 1,
    }
    if not message.deleted:
        fields |= {
            "author_name": message.author_name,
            "body": message.body,
            "words": message.body,
            "posted_at": int(message.posted_at.timestamp() * 1000),
            "has_link": 1 if LINK.search(message.body) else 0,
            "mentions": list(message.mentions),
        }
    return tantivy.Document(**fields)
