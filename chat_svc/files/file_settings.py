"""The files feature's settings, from ``CHAT_*`` variables like the rest of chat_svc (a class
of its own so the feature's fields stay in its folder)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Self

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from service_kit.settings import AppEnv, InsecureSettingsError, dev_secret

MB = 1024 * 1024


class FileSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CHAT_", extra="ignore")

    app_env: AppEnv = Field(AppEnv.DEVELOPMENT, validation_alias="APP_ENV")
    # "disk": under files_dir (the default for ./run dev); "s3": any S3 API (stage, compose).
    files_store: Literal["disk", "s3"] = "disk"
    files_dir: Path = Path(".devstack/files")
    s3_endpoint: str = "http://127.0.0.1:8333"
    s3_bucket: str = "chat-files"
    s3_region: str = "us-east-1"
    s3_access_key_id: str = "chat"
    s3_secret_access_key: str = Field(dev_secret("s3-secret"))

    upload_max_mb: float = Field(50.0, gt=0)
    upload_max_files: int = Field(10, ge=1)
    # What one person may keep stored, all rooms together.
    upload_quota_mb: float = Field(1024.0, gt=0)
    # Files one person may upload per period (a message of 10 counts 10).
    upload_rate_count: int = Field(60, ge=1)
    upload_rate_period_seconds: float = Field(600.0, gt=0)
    # An upload that never became a message is removed after this long.
    upload_grace_seconds: float = Field(3600.0, gt=0)
    upload_sweep_seconds: float = Field(300.0, gt=0)
    # Decompression bombs: an image with more pixels gets no thumbnail and is not shown inline.
    image_max_pixels: int = Field(50_000_000, ge=1)

    @property
    def max_file_bytes(self) -> int:
        return int(self.upload_max_mb * MB)

    @property
    def max_request_bytes(self) -> int:
        """A post's whole body: every file at its largest, plus the text and the framing."""
        return self.max_file_bytes * self.upload_max_files + MB

    @model_validator(mode="after")
    def _refuse_dev_secret_in_production(self) -> Self:
        if (
            self.app_env == AppEnv.PRODUCTION
            and self.files_store == "s3"
            and self.s3_secret_access_key == dev_secret("s3-secret")
        ):
            raise InsecureSettingsError("CHAT_S3_SECRET_ACCESS_KEY must be set in production")
        return self
