"""NATS passwords reach nats-server through accounts.conf, which parses them again: only
passwords it reads back as given are accepted, by the server's environment, the set-up step
and every service, instead of a server that will not start or a password silently cut."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from chat_svc.settings import ChatSettings
from service_kit.messaging.nats_credentials import server_environment
from service_kit.messaging.nats_passwords import nats_password_problem
from service_kit.messaging.stream_setup import StreamSetupSettings

MISREAD = ["-x1", "123", "1abc", "true", "Off", "a#b", "a;b", "a b", "a,b", "a}b", "x.y", ""]


@pytest.mark.parametrize("password", MISREAD)
def test_a_password_the_server_would_misread_is_refused(password: str) -> None:
    assert nats_password_problem(password) is not None


@pytest.mark.parametrize("password", ["n" + "0f" * 32, "dev-only-nats-chat-change-me", "Ab_9-x"])
def test_a_letter_then_letters_digits_dashes_and_underscores_is_accepted(password: str) -> None:
    assert nats_password_problem(password) is None


def test_the_servers_environment_names_the_password_it_cannot_use() -> None:
    with pytest.raises(ValueError, match="NATS_CHAT_PASSWORD"):
        server_environment({"NATS_CHAT_PASSWORD": "-starts-with-a-dash"})


def test_the_set_up_step_and_a_service_refuse_it_too(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError, match="must start with a letter"):
        StreamSetupSettings(password="123")
    monkeypatch.setenv("CHAT_NATS_PASSWORD", "a#b")
    with pytest.raises(ValidationError, match="must start with a letter"):
        ChatSettings()
