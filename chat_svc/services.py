"""What views, the fast paths and the live app call: the actions, reads and live parts built
once at start-up (runtime.py) with their dependencies passed in. ``services_of`` is the one
way a request reaches them."""

from __future__ import annotations

from dataclasses import dataclass

from quart import Quart, current_app

from chat_svc.actions.direct_rooms import DirectRooms
from chat_svc.actions.membership_changes import Memberships
from chat_svc.actions.message_edits import MessageEdits
from chat_svc.actions.message_feed import MessageFeed
from chat_svc.actions.room_creation import RoomCreation
from chat_svc.actions.visitors import Visitors
from chat_svc.auth.auth_client import AuthClient
from chat_svc.live.fanout import Fanout
from chat_svc.live.presence import Presence
from chat_svc.live.stream_limits import StreamLimits
from chat_svc.live.subscriptions import LiveUpdates
from chat_svc.live.typing_signals import TypingSignals
from chat_svc.notifications.unsubscribe_links import UnsubscribeLinks
from chat_svc.profiles.people_names import PeopleNames
from chat_svc.reads.history import HistoryIndex
from chat_svc.reads.member_counts import MemberCounts
from chat_svc.reads.person_rooms import PersonRooms
from chat_svc.reads.room_access import RoomAccess
from chat_svc.reads.room_members import RoomMembers
from chat_svc.reads.room_snapshot import RoomSnapshots
from chat_svc.settings import ChatSettings
from chat_svc.web.conversation import ConversationRenderer
from chat_svc.web.rendering import PageRenderer

_KEY = "chat_services"


@dataclass(frozen=True)
class ChatActions:
    """The writes (actions/), each holding the publisher, stores and caches it writes to."""

    visitors: Visitors  # who is asking; a first visit is written and joins general
    messages: MessageFeed  # post (and the reads of the same cache: latest, after)
    edits: MessageEdits
    memberships: Memberships  # join, leave, add a member, open, mark read
    room_creation: RoomCreation
    direct_rooms: DirectRooms
    typing: TypingSignals


@dataclass(frozen=True)
class ChatReads:
    """Read models and caches (reads/)."""

    access: RoomAccess  # rooms and who may see them
    people: PersonRooms  # each person's rooms and read positions (the sidebar's source)
    snapshots: RoomSnapshots  # the sidebar, counts and latest messages in one round trip
    members: RoomMembers  # each room's members, for mentions
    member_counts: MemberCounts  # each room's member count, for its header
    history: HistoryIndex  # older messages, around one, unread counts (reads/history/)


@dataclass(frozen=True)
class LiveParts:
    """What an open stream uses (live/event_stream.py)."""

    subscriptions: LiveUpdates
    fanout: Fanout
    presence: Presence
    stream_limits: StreamLimits


@dataclass(frozen=True)
class ChatServices:
    settings: ChatSettings
    auth: AuthClient  # sessions: redeem, revoke, forget
    actions: ChatActions
    reads: ChatReads
    live: LiveParts
    conversation: ConversationRenderer
    pages: PageRenderer
    unsubscribe_links: UnsubscribeLinks
    people_names: PeopleNames  # the names messages are rendered with (profiles/)


def provide_services(app: Quart, services: ChatServices) -> None:
    app.extensions[_KEY] = services


def services_of(app: Quart | None = None) -> ChatServices:
    """The services of ``app`` (the current app inside a request); only while serving."""
    target = app if app is not None else current_app
    services: ChatServices = target.extensions[_KEY]
    return services
