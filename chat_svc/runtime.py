"""What chat_svc holds while serving, opened after the shared infrastructure."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

import httpx
from quart import Quart

from chat_svc.actions.direct_rooms import DirectRooms
from chat_svc.actions.membership_changes import Memberships
from chat_svc.actions.message_edits import MessageEdits, edit_window
from chat_svc.actions.message_feed import MessageFeed
from chat_svc.actions.message_ids import MessageIdSequence
from chat_svc.actions.message_publisher import LivePublisher
from chat_svc.actions.post_intake import PostIntake
from chat_svc.actions.room_creation import RoomCreation
from chat_svc.actions.users_consumer import users_consumer
from chat_svc.actions.visitors import Visitors
from chat_svc.auth.auth_client import AuthClient, open_auth_client
from chat_svc.live.fanout import Fanout
from chat_svc.live.presence import Presence
from chat_svc.live.stream_limits import StreamLimits
from chat_svc.live.subscriptions import LiveUpdates
from chat_svc.live.typing_signals import TypingSignals
from chat_svc.member_index.member_sets import MemberSets
from chat_svc.models.messages import migrate_messages_into_rooms, select_message
from chat_svc.models.migrations import run_migrations
from chat_svc.models.rooms import upsert_general_room
from chat_svc.notifications.mention_digests import MentionDigests
from chat_svc.notifications.unsubscribe_links import UnsubscribeLinks
from chat_svc.profiles.people_names import PeopleNames, tell_open_pages
from chat_svc.reads.history import HistoryIndex, cache_size_for, open_history
from chat_svc.reads.latest_cache import LatestCache
from chat_svc.reads.member_counts import MemberCounts
from chat_svc.reads.person_rooms import PersonRooms
from chat_svc.reads.room_access import RoomAccess
from chat_svc.reads.room_members import RoomMembers
from chat_svc.reads.room_snapshot import RoomSnapshots
from chat_svc.room_administration.room_hints import listen_for_room_changes
from chat_svc.services import ChatActions, ChatReads, ChatServices, LiveParts, provide_services
from chat_svc.settings import ChatSettings
from chat_svc.stream_storms.known_visitors import KnownVisitors
from chat_svc.stream_storms.read_position_writer import ReadPositionWriter
from chat_svc.web.conversation import ConversationRenderer
from chat_svc.web.rendering import MessageRenderer, PageRenderer
from service_kit.lifecycle import infrastructure_of
from service_kit.messaging.jetstream import DurableConsumer
from service_kit.stopping import stop_with_the_app

log = logging.getLogger(__name__)

_KEY = "chat_runtime"


@dataclass(frozen=True)
class ChatRuntime:
    """What start-up opened and shutdown stops: the background tasks, the consumer and the
    subscriptions. What requests call lives in services.py."""

    consumer: DurableConsumer
    consumer_task: asyncio.Task[None]
    mention_digests: MentionDigests
    mention_digests_task: asyncio.Task[None]
    presence: Presence
    publisher: LivePublisher
    live: LiveUpdates
    auth: AuthClient
    migrations_task: asyncio.Task[None]
    history: HistoryIndex  # its background rebuilds
    people_names: PeopleNames
    read_positions: ReadPositionWriter  # what is noted is written at shutdown


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
        await infrastructure.store.when_ready(upsert_general_room)
        # One-off migrations never hold up start-up (models/migrations.py).
        migrations_task = asyncio.create_task(
            run_migrations(ONE_OFF_MIGRATIONS, infrastructure.store.ready),
            name="one-off migrations",
        )
        nats, redis = infrastructure.nats, infrastructure.redis
        fanout = Fanout(settings.stream_batch_seconds)
        people = PersonRooms(redis)
        access = RoomAccess(settings.token_cache_seconds, people)
        # chat_svc/room_administration/
        await listen_for_room_changes(nats, access, fanout, infrastructure.reconnect_listeners)
        assert app.jinja_loader is not None  # create_base_app sets it
        room_members = RoomMembers()
        if settings.history_index == "valkey":  # the embedded store's indexes serve no query
            room_members.member_ids = MemberSets(redis).member_ids
        cache_size = cache_size_for(settings.history_index, settings.latest_cache_size)
        latest = LatestCache(redis, cache_size)
        history = open_history(settings.history_index, latest)
        intake = PostIntake(
            redis,
            cache_size,
            settings.message_rate_count,
            settings.message_rate_period_seconds,
        )
        publisher = LivePublisher(nats, infrastructure.js)
        by_log = settings.posts_acknowledged_by == "log"  # chat_svc/history_writer/
        feed = MessageFeed(
            latest,
            publisher,
            MessageIdSequence(redis),
            intake,
            room_members,
            acknowledged_by_log=by_log,
            find_message=history.message if by_log else select_message,
        )
        # Messages show their author's current name (profiles/people_names.py).
        people_names = PeopleNames(nats)
        await people_names.start()
        await infrastructure.store.when_ready(people_names.load)
        app.jinja_env.globals["person_label"] = people_names.label
        renderer = MessageRenderer(app.jinja_loader, {"person_label": people_names.label})
        live = LiveUpdates(
            nats,
            fanout,
            renderer,
            auth,
            settings.heartbeat_seconds,
            settings.reorder_window_seconds,
            membership_listeners=[access.on_membership_changed, room_members.on_membership_changed],
            newest_known=history.newest_event_id,
            in_flight=publisher.in_flight,
        )
        await live.start()
        presence = Presence(redis, fanout)
        infrastructure.reconnect_listeners.append(live.after_reconnect)
        # After the streams are told to resume: a reload must not hold that up.
        infrastructure.reconnect_listeners.append(people_names.load)
        read_positions = ReadPositionWriter(settings.read_position_pass_seconds, people)
        read_positions.start()
        memberships = Memberships(nats, access, read_positions)
        consumer = users_consumer(infrastructure.js, infrastructure.topology, memberships)
        unsubscribe_links = UnsubscribeLinks(settings.secret_key, settings.public_url)
        mention_digests = MentionDigests(infrastructure.js, redis, unsubscribe_links, settings)
        conversation = ConversationRenderer(renderer, edit_window(settings.message_edit_minutes))
        people_names.listeners += [conversation.forget_rendered, room_members.forget_all]
        people_names.person_listeners.append(tell_open_pages(fanout))
        provide_services(
            app,
            ChatServices(
                settings=settings,
                auth=auth,
                actions=ChatActions(
                    visitors=Visitors(auth, memberships, KnownVisitors(redis)),
                    messages=feed,
                    edits=MessageEdits(feed, settings.message_edit_minutes, history),
                    memberships=memberships,
                    room_creation=RoomCreation(nats, access),
                    direct_rooms=DirectRooms(nats, access),
                    typing=TypingSignals(nats, redis),
                ),
                reads=ChatReads(
                    access=access,
                    people=people,
                    snapshots=RoomSnapshots(redis, people, latest, history),
                    history=history,
                    members=room_members,
                    member_counts=MemberCounts(redis),
                ),
                live=LiveParts(
                    subscriptions=live,
                    fanout=fanout,
                    presence=presence,
                    stream_limits=StreamLimits(
                        settings.streams_per_session, settings.streams_per_address
                    ),
                ),
                conversation=conversation,
                people_names=people_names,
                pages=PageRenderer(app),
                unsubscribe_links=unsubscribe_links,
            ),
        )
        stop_with_the_app(app, consumer.stop)
        stop_with_the_app(app, mention_digests.stop)
        app.extensions[_KEY] = ChatRuntime(
            consumer=consumer,
            consumer_task=asyncio.create_task(consumer.run()),
            mention_digests=mention_digests,
            mention_digests_task=asyncio.create_task(mention_digests.run()),
            presence=presence,
            publisher=publisher,
            live=live,
            auth=auth,
            migrations_task=migrations_task,
            history=history,
            people_names=people_names,
            read_positions=read_positions,
        )
        presence.start()

    @app.after_serving
    async def _close() -> None:
        runtime: ChatRuntime | None = app.extensions.pop(_KEY, None)
        if runtime is None:
            return
        runtime.migrations_task.cancel()
        runtime.consumer.stop()
        runtime.mention_digests.stop()
        with contextlib.suppress(Exception):
            await runtime.consumer_task
        with contextlib.suppress(Exception):
            await runtime.mention_digests_task
        with contextlib.suppress(BaseException):
            await runtime.migrations_task
        await runtime.presence.stop()
        await runtime.publisher.stop()
        await runtime.live.stop()
        await runtime.people_names.stop()
        await runtime.history.stop()
        await runtime.read_positions.stop()
        await runtime.auth.http.aclose()


# Each runs once per database, in order, in the background (models/migrations.py).
ONE_OFF_MIGRATIONS = {"messages-into-rooms": migrate_messages_into_rooms}


def runtime_of(app: Quart) -> ChatRuntime:
    """What ``app`` opened at start-up (tests stop and drive its consumers)."""
    runtime: ChatRuntime = app.extensions[_KEY]
    return runtime
