"""The files feature's one registration: ``install_files(app)`` after the chat runtime."""

from __future__ import annotations

import asyncio
import contextlib

from quart import Quart

from chat_svc.files.downloads.file_downloads import STORE_KEY, file_downloads
from chat_svc.files.file_settings import FileSettings
from chat_svc.files.processing.file_work import FileWork
from chat_svc.files.processing.file_worker import FileWorker
from chat_svc.files.processing.upload_sweeper import UploadSweeper
from chat_svc.files.storage.object_store import (
    ObjectStore,
    local_object_store,
    s3_object_store,
)
from chat_svc.files.uploading.message_uploads import UPLOADS_KEY
from chat_svc.files.uploading.upload_quota import UploadQuota
from chat_svc.files.uploading.upload_requests import upload_request_class
from chat_svc.files.uploading.uploads import Uploads
from service_kit.lifecycle import infrastructure_of
from service_kit.stopping import stop_with_the_app

TASKS_KEY = "chat_files_tasks"


def open_object_store(settings: FileSettings) -> ObjectStore:
    if settings.files_store == "s3":
        return s3_object_store(
            endpoint=settings.s3_endpoint,
            bucket=settings.s3_bucket,
            region=settings.s3_region,
            access_key_id=settings.s3_access_key_id,
            secret_access_key=settings.s3_secret_access_key,
        )
    return local_object_store(settings.files_dir)


def install_files(app: Quart, settings: FileSettings | None = None) -> None:
    settings = settings or FileSettings()
    app.request_class = upload_request_class(settings)
    app.register_blueprint(file_downloads)
    app.extensions["chat_files_settings"] = settings

    @app.before_serving
    async def _open() -> None:
        infrastructure = infrastructure_of(app)
        store = open_object_store(settings)
        quota = UploadQuota(infrastructure.redis)
        work = FileWork(store, settings.image_max_pixels, quota=quota)
        worker = FileWorker(infrastructure.js, infrastructure.topology, work)
        sweeper = UploadSweeper(work, settings.upload_grace_seconds, settings.upload_sweep_seconds)
        app.extensions[STORE_KEY] = store
        app.extensions[UPLOADS_KEY] = Uploads(
            store, infrastructure.redis, infrastructure.js, settings, quota
        )
        app.extensions["chat_files_sweeper"] = sweeper
        stop_with_the_app(app, worker.stop)
        stop_with_the_app(app, sweeper.stop)
        app.extensions[TASKS_KEY] = (
            (worker, asyncio.create_task(worker.run(), name="file worker")),
            (sweeper, asyncio.create_task(sweeper.run(), name="upload sweeper")),
        )

    @app.after_serving
    async def _close() -> None:
        for runner, task in app.extensions.pop(TASKS_KEY, ()):
            runner.stop()
            with contextlib.suppress(Exception):
                await task
