"""compose.yml, checked without a Docker engine: every setting wired, secrets required."""

import re
import secrets
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic_settings import BaseSettings

from auth_svc.settings import AuthSettings
from chat_svc.settings import ChatSettings
from mail_svc.settings import MailSettings
from service_kit.messaging.stream_setup import StreamSetupSettings

ROOT = Path(__file__).resolve().parents[3]
SETTINGS_BY_SERVICE: dict[str, type[BaseSettings]] = {
    "auth": AuthSettings,
    "chat": ChatSettings,
    "mail": MailSettings,
    "nats-setup": StreamSetupSettings,
}
ONE_SHOT_JOBS = {"nats-setup"}  # run to completion before the services start
REQUIRED_SECRETS = {
    "auth": [
        "SERVICE_SECRET", "AUTH_SECRET_KEY", "MONGODB_URL", "AUTH_NATS_PASSWORD", "LINK_SEAL_KEY"
    ],
    "chat": [
        "SERVICE_SECRET", "CHAT_SECRET_KEY", "MONGODB_URL", "CHAT_NATS_PASSWORD",
        "WEB_PUSH_VAPID_PRIVATE_KEY",
    ],
    "mail": ["SERVICE_SECRET", "MONGODB_URL", "MAIL_NATS_PASSWORD", "LINK_SEAL_KEY"],
    "nats-setup": ["NATS_SETUP_PASSWORD"],
    "nats": [
        "NATS_AUTH_PASSWORD", "NATS_CHAT_PASSWORD", "NATS_MAIL_PASSWORD", "NATS_SETUP_PASSWORD",
        "NATS_ADMIN_PASSWORD",
    ],
}  # fmt: skip


def environment_names(settings_class: type[BaseSettings]) -> set[str]:
    """The variables a settings class reads: its aliases, or its prefix plus the field name."""
    prefix = settings_class.model_config.get("env_prefix", "")
    names = set()
    for name, field in settings_class.model_fields.items():
        alias = field.validation_alias
        names.add(alias if isinstance(alias, str) else f"{prefix}{name}".upper())
    return names


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "compose.yml").read_text())
    return loaded


@pytest.mark.parametrize("service", SETTINGS_BY_SERVICE)
def test_every_variable_a_service_reads_is_set_in_compose(
    compose: dict[str, Any], service: str
) -> None:
    configured = set(compose["services"][service]["environment"])
    missing = environment_names(SETTINGS_BY_SERVICE[service]) - configured
    assert not missing, f"compose.yml does not set {sorted(missing)} for {service}"


@pytest.mark.parametrize("service", REQUIRED_SECRETS)
def test_secrets_are_required_never_defaulted(compose: dict[str, Any], service: str) -> None:
    environment = compose["services"][service]["environment"]
    for name in REQUIRED_SECRETS[service]:
        assert ":?" in str(environment[name]), f"{service}.{name} must be ${{VAR:?...}}"


def test_production_mode_everywhere(compose: dict[str, Any]) -> None:
    for service in SETTINGS_BY_SERVICE:
        assert compose["services"][service]["environment"]["APP_ENV"] == "production"


def test_every_container_has_a_healthcheck_and_restarts(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        if name in ONE_SHOT_JOBS:
            assert service.get("restart") == "no", name
            continue
        assert service.get("restart") == "unless-stopped", name
        if name not in SETTINGS_BY_SERVICE:  # ours get theirs from the image's HEALTHCHECK
            assert "healthcheck" in service, name


def test_images_are_pinned(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        if name in SETTINGS_BY_SERVICE:
            continue
        image = service["image"]
        assert ":" in image, name
        assert not image.endswith(":latest"), name


def test_only_the_edge_and_the_mail_ui_are_published(compose: dict[str, Any]) -> None:
    published = {name for name, service in compose["services"].items() if service.get("ports")}
    assert published == {"edge", "mailcatcher"}


def test_chat_runs_at_least_two_replicas(compose: dict[str, Any]) -> None:
    replicas = str(compose["services"]["chat"]["deploy"]["replicas"])
    assert replicas in {"${CHAT_REPLICAS:-2}"} or int(replicas) >= 2


def stand_in(name: str) -> str:
    """What an operator sets for a required variable: an https URL, or a random secret."""
    if name.endswith("URL"):
        return f"https://{name.lower().replace('_', '-')}.example"
    if "NATS" in name and name.endswith("PASSWORD"):  # what nats-server reads back as given
        return "n" + secrets.token_hex(32)
    return secrets.token_urlsafe(32)


def interpolate(value: object) -> str:
    """Resolve ``${VAR:-default}`` to its default and ``${VAR:?msg}`` to a stand-in value."""
    text = str(value)
    text = re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", text)
    return re.sub(r"\$\{([A-Z_]+):\?[^}]*\}", lambda m: stand_in(m.group(1)), text)


@pytest.mark.parametrize("service", SETTINGS_BY_SERVICE)
def test_compose_values_are_valid_production_settings(
    compose: dict[str, Any], service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in compose["services"][service]["environment"].items():
        monkeypatch.setenv(name, interpolate(value))
    settings = SETTINGS_BY_SERVICE[service]()
    assert getattr(settings, "app_env") == "production"  # noqa: B009 - typed as BaseSettings
