"""chat_svc application factory."""

from __future__ import annotations

from pathlib import Path

import httpx
from quart.typing import ResponseReturnValue

from chat_svc.actions.message_edits import edit_window
from chat_svc.actions.users_consumer import DURABLE as USERS_DURABLE
from chat_svc.adding_people.add_suggestions import add_suggestions
from chat_svc.administration.admin_pages import administration
from chat_svc.administration.audit_log import AuditEntry
from chat_svc.administration.message_removal import message_removal
from chat_svc.administration.team_settings import TeamSettings
from chat_svc.api.api_routes import install_api
from chat_svc.around_view.newer_messages import newer_messages
from chat_svc.auth.auth_client import AuthUnavailableError
from chat_svc.avatars.avatar_downloads import avatar_downloads
from chat_svc.avatars.bot_avatars import bot_avatars
from chat_svc.bots.bot_pages import bot_pages
from chat_svc.bots.bot_records import BotProfile
from chat_svc.bots.incoming_hooks import incoming_hooks
from chat_svc.files.file_records import FILE_MODELS
from chat_svc.files.installation import install_files
from chat_svc.files.processing.file_worker import DURABLE as FILES_DURABLE
from chat_svc.formatting.formatting_help import formatting_help
from chat_svc.history_writer.history_consumer import DURABLE as HISTORY_DURABLE
from chat_svc.history_writer.writer_installation import install_history_writer
from chat_svc.member_lines.line_delivery import manage_member_lines
from chat_svc.member_lines.line_records import LINE_MODELS
from chat_svc.models.digest_records import MentionDigest, MentionMailState
from chat_svc.models.memberships import Membership
from chat_svc.models.messages import DOCUMENT_MODELS, author_tag
from chat_svc.models.migrations import MigrationRecord
from chat_svc.models.notification_settings import NotificationSettings
from chat_svc.models.pending_mentions import PendingMention
from chat_svc.models.rooms import Room
from chat_svc.models.users import ChatUser
from chat_svc.people_directory.installation import install_people_directory
from chat_svc.profiles.profile_pages import profiles
from chat_svc.profiles.profile_records import Profile
from chat_svc.push.app_shell.app_shell_views import app_shell
from chat_svc.push.devices.preferences import PushPreferences
from chat_svc.push.devices.subscription_views import push_subscriptions
from chat_svc.push.devices.subscriptions import PushSubscription
from chat_svc.push.levels.level_views import notification_levels
from chat_svc.push.push_lifecycle import manage_push
from chat_svc.reactions.reaction_pages import reactions_blueprint
from chat_svc.replies.reply_pages import reply_pages
from chat_svc.request_path import compose_request_path
from chat_svc.room_administration.admin_link import account_menu_links
from chat_svc.room_administration.room_admin_pages import room_administration
from chat_svc.runtime import manage_chat_runtime
from chat_svc.search.indexer import DURABLE as SEARCH_DURABLE
from chat_svc.search.search_runtime import install_search
from chat_svc.settings import ChatSettings
from chat_svc.tokens.token_pages import token_pages
from chat_svc.tokens.token_records import ApiToken
from chat_svc.tokens.token_runtime import manage_tokens
from chat_svc.web.cookies import FORM_SESSION_COOKIE, ReusedSignerSessionInterface
from chat_svc.web.message_text import install_message_text
from chat_svc.web.rate_limits import install_rate_limiter
from chat_svc.web.too_many_requests import install_rate_limit_pages
from chat_svc.web.views.mention_suggestions import mention_suggestions
from chat_svc.web.views.message_changes import message_actions_blueprint
from chat_svc.web.views.notification_pages import UNSUBSCRIBE_ENDPOINT, notifications
from chat_svc.web.views.people import people_pages
from chat_svc.web.views.read_marks import read_marks
from chat_svc.web.views.room_activity import room_activity
from chat_svc.web.views.room_directory import rooms_blueprint
from chat_svc.web.views.room_messages import chat_blueprint
from chat_svc.web.views.session import session_pages
from chat_svc.webhooks.webhook_deliveries import DURABLE as WEBHOOKS_DURABLE
from chat_svc.webhooks.webhook_failures import WebhookFailure
from chat_svc.webhooks.webhook_runtime import manage_webhooks
from service_kit.lifecycle import manage_infrastructure
from service_kit.serving.error_pages import install_error_pages, render_error
from service_kit.serving.layered_app import LayeredQuart
from service_kit.serving.request_safety import (
    host_cookie_name,
    install_origin_check,
    install_security_headers,
)
from service_kit.serving.web import create_base_app

SERVICE = "chat_svc"
CHAT_MODELS = (
    ChatUser,
    Room,
    Membership,
    *DOCUMENT_MODELS,
    PendingMention,
    MentionDigest,
    MentionMailState,
    NotificationSettings,
    MigrationRecord,
    AuditEntry,
    ApiToken,
    *FILE_MODELS,
    *LINE_MODELS,
    TeamSettings,
    Profile,
    BotProfile,
    PushSubscription,
    PushPreferences,
    WebhookFailure,
)
AUTH_RETRY_AFTER_SECONDS = 2


def create_app(
    settings: ChatSettings | None = None, *, auth_transport: httpx.AsyncBaseTransport | None = None
) -> LayeredQuart:
    """``auth_transport`` replaces the HTTP connection to auth_svc (tests use a fake)."""
    settings = settings or ChatSettings()
    app = create_base_app(__name__, Path(__file__).parent / "templates")
    app.config["SECRET_KEY"] = settings.secret_key
    # Browsers share cookies across ports: auth_svc on the same host must not see ours.
    app.config["SESSION_COOKIE_NAME"] = host_cookie_name(
        FORM_SESSION_COOKIE, secure=settings.cookies_secure
    )
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_SECURE"] = settings.cookies_secure
    app.session_interface = ReusedSignerSessionInterface()
    app.extensions["settings"] = settings
    install_message_text(app.jinja_env.globals, app.jinja_env.filters)
    app.jinja_env.globals["edit_open"] = edit_window(settings.message_edit_minutes)
    app.jinja_env.globals["edit_minutes"] = settings.message_edit_minutes
    app.jinja_env.globals["author_tag"] = author_tag
    manage_infrastructure(
        app,
        settings,
        SERVICE,
        models=CHAT_MODELS,
        durables=[USERS_DURABLE, FILES_DURABLE, SEARCH_DURABLE, WEBHOOKS_DURABLE, HISTORY_DURABLE],
    )
    # people_directory/: the people list at any size; before the runtime, whose start-up
    # reads everyone's names from it (profiles/people_names.py)
    install_people_directory(app)
    manage_chat_runtime(app, settings, auth_transport)
    install_history_writer(app, settings)  # history_writer/: posts acknowledged by the log
    manage_tokens(app)
    install_files(app)
    install_search(app, settings)
    manage_push(app, settings)
    manage_webhooks(app, settings)
    manage_member_lines(app)
    install_security_headers(
        app, form_action_origins=[settings.auth_public_url], hsts=settings.is_production
    )
    # Mail clients post the one-click unsubscribe themselves (web/views/notification_pages.py).
    allowed_origins = install_origin_check(
        app, [settings.public_url], exempt_endpoints=[UNSUBSCRIBE_ENDPOINT]
    )
    install_error_pages(app)
    install_rate_limiter(settings).init_app(app)
    install_rate_limit_pages(app, settings)
    app.register_blueprint(chat_blueprint(settings))
    app.register_blueprint(newer_messages)  # around_view/: "load newer"
    app.register_blueprint(rooms_blueprint(settings))
    app.register_blueprint(message_actions_blueprint(settings))
    app.register_blueprint(room_activity)
    app.register_blueprint(read_marks)
    app.register_blueprint(mention_suggestions)
    app.register_blueprint(add_suggestions)
    app.register_blueprint(people_pages)
    app.register_blueprint(session_pages)
    app.register_blueprint(notifications)
    app.register_blueprint(administration)
    app.register_blueprint(token_pages)
    app.register_blueprint(bot_pages)
    app.register_blueprint(incoming_hooks)
    install_api(app, settings)
    app.register_blueprint(message_removal)
    app.register_blueprint(room_administration)
    app.context_processor(account_menu_links)  # room_administration/admin_link.py
    app.register_blueprint(profiles)
    app.register_blueprint(avatar_downloads)
    app.register_blueprint(bot_avatars)
    app.register_blueprint(formatting_help)
    app.register_blueprint(notification_levels)
    app.register_blueprint(push_subscriptions)
    app.register_blueprint(app_shell)
    app.register_blueprint(reply_pages)
    app.register_blueprint(reactions_blueprint(settings))

    @app.errorhandler(AuthUnavailableError)
    async def _auth_unavailable(error: AuthUnavailableError) -> ResponseReturnValue:
        app.logger.warning("auth_svc unavailable: %s", error)
        body, status = await render_error(503, "Signing in is not possible right now. Retry soon.")
        return body, status, {"Retry-After": str(AUTH_RETRY_AFTER_SECONDS)}

    compose_request_path(app, settings, allowed_origins)
    return app
