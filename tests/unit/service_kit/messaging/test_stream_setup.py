"""The stream set-up step's settings: the development password never reaches production."""

import pytest
from pydantic import ValidationError

from service_kit.messaging.stream_setup import StreamSetupSettings
from service_kit.settings import AppEnv


def test_production_refuses_the_development_setup_password() -> None:
    with pytest.raises(ValidationError, match="NATS_SETUP_PASSWORD"):
        StreamSetupSettings(app_env=AppEnv.PRODUCTION)
    assert StreamSetupSettings(app_env=AppEnv.PRODUCTION, password="x" * 64).password == "x" * 64
