"""Web Push while chat_svc serves: the keys (at app creation: the room page shows the
public one), then the two durables and the coalesced-push sweep (opened after the chat
runtime, closed before it)."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

from quart import Quart

from chat_svc.events import decode_room_event
from chat_svc.push.devices import account_events
from chat_svc.push.levels.every_message_members import EveryMessageMembers
from chat_svc.push.levels.levels import LEVEL_LABELS
from chat_svc.push.sending import message_pushes
from chat_svc.push.sending.coalesced_pushes import CoalescedPushes
from chat_svc.push.sending.delivery import PushDelivery
from chat_svc.push.sending.device_sends import DeviceSends
from chat_svc.push.sending.member_places import MemberPlaces
from chat_svc.push.sending.push_windows import PushWindows
from chat_svc.push.sending.recipients import RecipientSources
from chat_svc.push.sending.vapid_keys import VapidKeys, load_vapid_keys
from chat_svc.services import services_of
from chat_svc.settings import ChatSettings
from service_kit.lifecycle import infrastructure_of
from service_kit.messaging.jetstream import DurableConsumer
from service_kit.outbound.public_targets import TargetPolicy
from service_kit.stopping import stop_with_the_app

_KEY = "web_push"


@dataclass
class WebPush:
    keys: VapidKeys
    policy: TargetPolicy
    delivery: PushDelivery | None = None
    sender: DurableConsumer | None = None
    accounts: DurableConsumer | None = None
    coalesced: CoalescedPushes | None = None
    tasks: tuple[asyncio.Task[None], ...] = ()


def manage_push(app: Quart, settings: ChatSettings) -> None:
    keys = load_vapid_keys(
        settings.web_push_vapid_private_key, settings.web_push_contact, settings.secret_key
    )
    push = WebPush(keys, TargetPolicy(allow_loopback=settings.web_push_allow_loopback))
    app.extensions[_KEY] = push
    app.jinja_env.globals["web_push_public_key"] = keys.public_key
    app.jinja_env.globals["room_level_labels"] = LEVEL_LABELS  # the room's bell menu

    @app.before_serving
    async def _open() -> None:
        infrastructure = infrastructure_of(app)
        redis = infrastructure.redis
        push.delivery = PushDelivery(keys, push.policy)
        windows = PushWindows(redis, settings.push_coalesce_seconds)
        sends = DeviceSends(redis, push.delivery, asyncio.Semaphore(settings.push_concurrency))
        reads = services_of(app).reads  # what the sender reads recipients from
        places = MemberPlaces(reads.people)
        sources = RecipientSources(places, reads.members, EveryMessageMembers(redis))
        pushes = message_pushes.MessagePushes(
            redis, windows, sends, sources, settings.push_away_seconds
        )
        push.sender = DurableConsumer(
            infrastructure.js,
            infrastructure.topology,
            message_pushes.DURABLE,
            pushes.handle,
            decode=decode_room_event,
        )
        push.accounts = DurableConsumer(
            infrastructure.js,
            infrastructure.topology,
            account_events.DURABLE,
            account_events.forget_devices,
        )
        push.coalesced = CoalescedPushes(redis, windows, sends, places, settings.push_away_seconds)
        for worker in (push.sender, push.accounts, push.coalesced):
            stop_with_the_app(app, worker.stop)
        push.tasks = (
            asyncio.create_task(push.sender.run(), name="push sender"),
            asyncio.create_task(push.accounts.run(), name="push accounts"),
            asyncio.create_task(push.coalesced.run(), name="coalesced pushes"),
        )

    @app.after_serving
    async def _close() -> None:
        for worker in (push.sender, push.accounts, push.coalesced):
            if worker is not None:
                worker.stop()
        for task in push.tasks:
            with contextlib.suppress(Exception):
                await task
        push.tasks = ()
        if push.delivery is not None:
            await push.delivery.close()


def web_push_of(app: Quart) -> WebPush:
    push: WebPush = app.extensions[_KEY]
    return push
