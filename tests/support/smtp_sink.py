"""A real SMTP server (aiosmtpd) that keeps every message it accepts, for mail tests."""

from __future__ import annotations

import asyncio
import email
import email.policy
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from devstack.processes import free_port


@dataclass
class SinkHandler:
    messages: list[EmailMessage] = field(default_factory=list)
    # The bytes as they came over SMTP: the parser decodes RFC 2047 and unfolds headers,
    # which hid that List-Unsubscribe was sent encoded.
    raw: list[bytes] = field(default_factory=list)
    arrived: asyncio.Event | None = None
    loop: asyncio.AbstractEventLoop | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.raw.append(bytes(envelope.content))
        self.messages.append(message)
        if self.loop is not None and self.arrived is not None:
            self.loop.call_soon_threadsafe(self.arrived.set)
        return "250 Message accepted for delivery"


class SmtpSink:
    """Runs in its own thread (aiosmtpd's Controller); ``stop()``/``start()`` simulate outages."""

    def __init__(self) -> None:
        self.port = free_port()
        self.handler = SinkHandler()
        self._controller: Controller | None = None

    def start(self) -> None:
        self.handler.loop = asyncio.get_event_loop()
        self.handler.arrived = asyncio.Event()
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def messages(self) -> list[EmailMessage]:
        return self.handler.messages

    @property
    def raw_messages(self) -> list[bytes]:
        return self.handler.raw

    async def wait_for(self, count: int, timeout: float = 15.0) -> list[EmailMessage]:
        """Wait until at least ``count`` messages arrived; fail with what did arrive."""
        async with asyncio.timeout(timeout):
            while len(self.handler.messages) < count:
                assert self.handler.arrived is not None
                self.handler.arrived.clear()
                if len(self.handler.messages) >= count:
                    break
                await self.handler.arrived.wait()
        return list(self.handler.messages)
