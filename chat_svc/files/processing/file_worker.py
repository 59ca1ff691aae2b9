"""The durable ``chat_svc_files`` on CHAT_EVENTS: thumbnails for ``chat.file.attached`` and
file removal for deleted messages (``chat.room.*.message_changed`` with ``deleted``) and
deleted rooms (``chat.rooms.changed`` with ``deleted``).

service_kit's ``DurableConsumer`` pulls, like the search and push durables, with its own
decoder for the per-room subjects (chat_svc/events.py ``decode_room_event``). Explicit ack
after the work is done; a failure is retried with backoff and dead-lettered after the
durable's ``max_deliver``; a malformed event is dead-lettered at once."""

from __future__ import annotations

from nats.js import JetStreamContext
from pydantic import ValidationError

from chat_svc.events import MessageChanged, RoomChanged, decode_room_event
from chat_svc.files.processing.file_events import FileAttached
from chat_svc.files.processing.file_work import FileWork
from service_kit.events import Event, MalformedEventError
from service_kit.messaging.jetstream import DeadLetterError, DurableConsumer, Topology

DURABLE = "chat_svc_files"


def decode_file_event(subject: str, data: bytes) -> Event:
    kinds: dict[str, type[FileAttached] | type[RoomChanged]] = {
        FileAttached.SUBJECT: FileAttached,
        RoomChanged.SUBJECT: RoomChanged,
    }
    kind = kinds.get(subject)
    if kind is None:
        return decode_room_event(subject, data)
    try:
        return kind.model_validate_json(data)
    except ValidationError as error:
        raise MalformedEventError(f"invalid {kind.__name__}") from error


class FileWorker:
    def __init__(self, js: JetStreamContext, topology: Topology, work: FileWork) -> None:
        self._work = work
        self.consumer = DurableConsumer(
            js, topology, DURABLE, self.handle, decode=decode_file_event
        )
        self.bound = self.consumer.bound

    async def run(self) -> None:
        await self.consumer.run()

    def stop(self) -> None:
        self.consumer.stop()

    async def handle(self, event: Event) -> None:
        if isinstance(event, FileAttached):
            await self._work.make_thumbnail(event.file_id)
        elif isinstance(event, MessageChanged):
            if event.deleted:
                await self._work.remove_files_of(event.room, event.message_id)
        elif isinstance(event, RoomChanged):
            if event.change == "deleted":
                await self._work.remove_files_of_room(event.room, event.occurred_at)
        else:
            raise DeadLetterError(f"{type(event).__name__} is not for {DURABLE}")
