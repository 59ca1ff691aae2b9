"""Counting the commands a service sends its database, through pymongo's own command
monitoring on the service's real client (nothing stands in for the database)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pymongo import monitoring


class CommandCounter(monitoring.CommandListener):
    """(command, collection) of each command sent to a ``*_chat`` database while armed."""

    def __init__(self, database_suffix: str = "_chat") -> None:
        self.armed = False
        self.sent: Counter[tuple[str, str]] = Counter()
        self.update_filters: list[tuple[str, dict[str, Any]]] = []  # (collection, filter)
        self.find_filters: list[tuple[str, dict[str, Any]]] = []  # (collection, filter)
        self._suffix = database_suffix

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if self.armed and event.database_name.endswith(self._suffix):
            collection = str(event.command.get(event.command_name))
            self.sent[(event.command_name, collection)] += 1
            if event.command_name == "find":
                self.find_filters.append((collection, dict(event.command.get("filter", {}))))
            if event.command_name == "update":
                for update in event.command.get("updates", []):
                    self.update_filters.append((collection, dict(update["q"])))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


@contextmanager
def database_commands() -> Iterator[CommandCounter]:
    """A counter every client made inside the block reports to (arm it to count)."""
    counter = CommandCounter()
    monitoring.register(counter)
    try:
        yield counter
    finally:
        # pymongo offers no unregister: drop it from the global list, so clients made later
        # do not carry it.
        monitoring._LISTENERS.command_listeners.remove(counter)
