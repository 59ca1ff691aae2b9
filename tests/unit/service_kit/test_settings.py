import pytest
from pydantic import ValidationError

from auth_svc.settings import AuthSettings
from chat_svc.settings import ChatSettings
from mail_svc.settings import MailSettings
from service_kit.settings import AppEnv, InsecureSettingsError


def test_service_fields_are_read_with_the_service_prefix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AUTH_PORT", "9101")
    monkeypatch.setenv("CHAT_PORT", "9102")
    monkeypatch.setenv("NATS_URL", "nats://10.0.0.1:4222")
    assert AuthSettings().port == 9101
    assert ChatSettings().port == 9102
    assert ChatSettings().nats_url == "nats://10.0.0.1:4222"


@pytest.mark.parametrize("settings_class", [AuthSettings, ChatSettings])
def test_production_refuses_development_secrets(
    monkeypatch: pytest.MonkeyPatch, settings_class: type[AuthSettings | ChatSettings]
) -> None:
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("MONGODB_URL", "mongodb://db:27017")
    with pytest.raises(ValidationError, match="development placeholders"):
        settings_class()


@pytest.mark.parametrize(
    ("settings_class", "names"),
    [
        (AuthSettings, "link_seal_key, nats_password"),
        (ChatSettings, "nats_password"),
        (MailSettings, "link_seal_key, nats_password"),
    ],
)
def test_production_refuses_the_development_nats_password_and_seal_key(
    monkeypatch: pytest.MonkeyPatch, settings_class: type[AuthSettings], names: str
) -> None:
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("MONGODB_URL", "mongodb://db:27017")
    for name in ("SERVICE_SECRET", "AUTH_SECRET_KEY", "CHAT_SECRET_KEY"):
        monkeypatch.setenv(name, "x" * 40)
    with pytest.raises(ValidationError, match=f"placeholders: {names} \\["):
        settings_class()


def test_production_refuses_the_in_memory_store(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SERVICE_SECRET", "a-real-secret-from-a-vault")
    monkeypatch.setenv("MAIL_NATS_PASSWORD", "a-real-nats-password-from-a-vault")
    monkeypatch.setenv("LINK_SEAL_KEY", "a-real-seal-key-from-a-vault-32-bytes-or-more")
    with pytest.raises(ValidationError, match="MONGODB_URL"):
        MailSettings()


def test_production_accepts_real_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("MONGODB_URL", "mongodb://db:27017")
    monkeypatch.setenv("SERVICE_SECRET", "s" * 40)
    monkeypatch.setenv("AUTH_SECRET_KEY", "k" * 40)
    monkeypatch.setenv("AUTH_NATS_PASSWORD", "n" * 40)
    monkeypatch.setenv("LINK_SEAL_KEY", "l" * 40)
    with pytest.raises(ValidationError, match="AUTH_INTERNAL_PORT"):
        AuthSettings()
    monkeypatch.setenv("AUTH_INTERNAL_PORT", "8001")
    settings = AuthSettings()
    assert settings.app_env is AppEnv.PRODUCTION
    assert settings.redacted()["secret_key"] == "***"


def test_insecure_settings_error_is_a_value_error() -> None:
    # pydantic only turns ValueErrors raised in validators into ValidationErrors.
    assert issubclass(InsecureSettingsError, ValueError)
