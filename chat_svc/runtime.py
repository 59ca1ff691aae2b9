"""What chat_svc holds while serving, opened after the shared infrastructure."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

import httpx
from quart import Quart, current_app

from chat_svc.actions.membership_changes import join_general
from chat_svc.actions.message_edits import edit_window
from chat_svc.actions.message_feed import MessageFeed
from chat_svc.actions.message_ids import MessageIdSequence
from chat_svc.actions.message_publisher import LivePublisher
from chat_svc.actions.post_intake import PostIntake
from chat_svc.actions.users_consumer import users_consumer
from chat_svc.auth.auth_client import AuthClient, Viewer, open_auth_client
from chat_svc.live.fanout import Fanout
from chat_svc.live.presence import Presence
from chat_svc.live.stream_limits import StreamLimits
from chat_svc.live.subscriptions import LiveUpdates
from chat_svc.models.messages import migrate_messages_into_rooms, select_highest_event_id
from chat_svc.models.rooms import upsert_general_room
from chat_svc.models.users import upsert_user
from chat_svc.notifications.mention_digests import MentionDigests
from chat_svc.notifications.unsubscribe_links import UnsubscribeLinks
from chat_svc.reads.latest_cache import LatestCache
from chat_svc.reads.person_rooms import PersonRooms
from chat_svc.reads.room_access import RoomAccess
from chat_svc.reads.room_members import RoomMembers
from chat_svc.reads.room_snapshot import RoomSnapshots
from chat_svc.settings import ChatSettings
from chat_svc.web.conversation import ConversationRenderer
from chat_svc.web.rendering import MessageRenderer, PageRenderer
from service_kit.jetstream import DurableConsumer
from service_kit.lifecycle import infrastructure_of

log = logging.getLogger(__name__)

_KEY = "chat_runtime"


@dataclass
class ChatRuntime:
    settings: ChatSettings
    auth: AuthClient
    fanout: Fanout
    feed: MessageFeed
    live: LiveUpdates
    consumer: DurableConsumer
    consumer_task: asyncio.Task[None]
    stream_limits: StreamLimits
    access: RoomAccess
    presence: Presence
    unsubscribe_links: UnsubscribeLinks
    mention_digests: MentionDigests
    mention_digests_task: asyncio.Task[None]
    people: PersonRooms
    snapshots: RoomSnapshots
    conversation: ConversationRenderer
    pages: PageRenderer
    # Users this process already wrote to the store, so a token check upserts only once.
    known_users: set[str] = field(default_factory=set)
    # First requests of one person at once (a page's streams reconnecting) share one write.
    _remembering: dict[str, asyncio.Future[None]] = field(default_factory=dict)

    async def viewer_of(self, token: str) -> Viewer | None:
        """The person behind a chat session token (auth's answer, cached briefly), known to
        chat from then on; None for an invalid or ended session."""
        viewer = await self.auth.check(token)
        if viewer is not None:
            await self.remember_user(viewer)
        return viewer

    async def remember_user(self, viewer: Viewer) -> None:
        """A valid session is served even before its UserCreated event arrives, and is a
        member of general from its first request."""
        if viewer.user_id in self.known_users:
            return
        pending = self._remembering.get(viewer.user_id)
        if pending is None:
            pending = asyncio.ensure_future(self._write_user(viewer))
            self._remembering[viewer.user_id] = pending
            pending.add_done_callback(lambda _: self._remembering.pop(viewer.user_id, None))
        await asyncio.shield(pending)

    async def _write_user(self, viewer: Viewer) -> None:
        await upsert_user(viewer.user_id, viewer.email, viewer.display_name)
        await join_general(self.live.nats, self.access, viewer.user_id)
        self.known_users.add(viewer.user_id)


def manage_chat_runtime(
    app: Quart, settings: ChatSettings, auth_transport: httpx.AsyncBaseTransport | None = None
) -> None:
    """Open after ``manage_infrastructure`` (hooks run in registration order).

    ``auth_transport`` lets tests stand in for auth_svc's internal API.
    """

    @app.before_serving
    async def _open() -> None:
        infrastructure = infrastructure_of(app)
        auth = open_auth_client(
            settings.auth_internal_url,
            settings.service_secret,
            settings.token_cache_seconds,
            settings.auth_timeout_seconds,
            transport=auth_transport,
        )
        # With the database down at start, this runs once it answers (the service starts).
        assert infrastructure.store is not None  # chat_svc always has its models
        await infrastructure.store.when_ready(_prepare_rooms)
        fanout = Fanout(settings.stream_batch_seconds)
        people = PersonRooms(infrastructure.redis)
        access = RoomAccess(settings.token_cache_seconds, people)
        assert app.jinja_loader is not None  # create_base_app sets it
        room_members = RoomMembers()
        latest = LatestCache(infrastructure.redis, settings.latest_cache_size)
        intake = PostIntake(
            infrastructure.redis,
            settings.latest_cache_size,
            settings.message_rate_count,
            settings.message_rate_period_seconds,
        )
        ids = MessageIdSequence(infrastructure.redis)
        feed = MessageFeed(
            latest, LivePublisher(infrastructure.nats, infrastructure.js), ids, intake, room_members
        )
        renderer = MessageRenderer(app.jinja_loader)
        live = LiveUpdates(
            infrastructure.nats,
            fanout,
            renderer,
            auth,
            settings.heartbeat_seconds,
            settings.reorder_window_seconds,
            membership_listeners=[access.on_membership_changed, room_members.on_membership_changed],
            newest_known=select_highest_event_id,
        )
        await live.start()
        presence = Presence(infrastructure.redis, fanout)
        infrastructure.reconnect_listeners.append(live.after_reconnect)
        consumer = users_consumer(
            infrastructure.js, infrastructure.topology, infrastructure.nats, access
        )
        unsubscribe_links = UnsubscribeLinks(settings.secret_key, settings.public_url)
        mention_digests = MentionDigests(
            infrastructure.js, infrastructure.redis, unsubscribe_links, settings
        )
        app.extensions[_KEY] = ChatRuntime(
            settings=settings,
            auth=auth,
            fanout=fanout,
            feed=feed,
            live=live,
            access=access,
            consumer=consumer,
            consumer_task=asyncio.create_task(consumer.run()),
            stream_limits=StreamLimits(settings.streams_per_session, settings.streams_per_address),
            presence=presence,
            unsubscribe_links=unsubscribe_links,
            mention_digests=mention_digests,
            mention_digests_task=asyncio.create_task(mention_digests.run()),
            people=people,
            snapshots=RoomSnapshots(infrastructure.redis, people, latest),
            conversation=ConversationRenderer(renderer, edit_window(settings.message_edit_minutes)),
            pages=PageRenderer(app),
        )
        presence.start()

    @app.after_serving
    async def _close() -> None:
        runtime: ChatRuntime | None = app.extensions.pop(_KEY, None)
        if runtime is None:
            return
        runtime.consumer.stop()
        runtime.mention_digests.stop()
        with contextlib.suppress(Exception):
            await runtime.consumer_task
        with contextlib.suppress(Exception):
            await runtime.mention_digests_task
        await runtime.presence.stop()
        await runtime.feed.publisher.stop()
        await runtime.live.stop()
        await runtime.auth.http.aclose()


async def _prepare_rooms() -> None:
    """Idempotent, run by every replica: general exists, older messages belong to it."""
    await upsert_general_room()
    await migrate_messages_into_rooms()


def runtime_of(app: Quart | None = None) -> ChatRuntime:
    target = app if app is not None else current_app
    runtime: ChatRuntime = target.extensions[_KEY]
    return runtime
