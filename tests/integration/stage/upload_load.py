"""Uploads in flight for the chaos test's S3 fault (SeaweedFS SIGKILLed), and the checks
afterwards (issue 31): every upload answered as a message is downloadable with its bytes;
every other got the clear 503 ("Nothing was sent"); the store keeps no object that is not
an accepted message's once the sweeper's grace period has passed."""

from __future__ import annotations

import asyncio
import os
import re
import time
from dataclasses import dataclass, field

import httpx

from chat_svc.files.storage.object_store import ObjectStore, s3_object_store
from devstack.topology import Topology
from tests.integration.stage.chaos_load import ChatPoster

UPLOAD_BYTES = 3 * 1024 * 1024  # written in one pass: a few in flight at any moment
STORE_DOWN = "Nothing was sent"
# The app retries the store for a few seconds before its 503; the check is the answer, not
# its speed (on a loaded machine the poster's own 10 s can pass first).
UPLOAD_PATIENCE = 60.0
# For the chaos module: no upload rate limit, and a short sweeper grace so the check sees
# orphans go within the test (long enough that no upload between its record and its message
# is swept).
UPLOAD_ENV = {
    "CHAT_UPLOAD_RATE_COUNT": "100000",
    "CHAT_UPLOAD_GRACE_SECONDS": "10",
    "CHAT_UPLOAD_SWEEP_SECONDS": "1",
}
SWEPT_WITHIN = 30.0


@dataclass(frozen=True)
class SentUpload:
    body: str
    data: bytes
    status: int | None  # None: no answer at all
    location: str = ""
    says_store_down: bool = False
    error: str = ""

    @property
    def message_id(self) -> int | None:
        found = re.fullmatch(r".*/rooms/general#message-(\d+)", self.location)
        return int(found.group(1)) if self.status == 303 and found else None


@dataclass
class UploadLoad:
    """Each poster uploads one file after another until ``stop``."""

    posters: list[ChatPoster]
    label: str
    sent: list[SentUpload] = field(default_factory=list)

    async def run(self, stop: asyncio.Event) -> None:
        lanes = enumerate(self.posters)
        await asyncio.gather(*(self._lane(lane, poster, stop) for lane, poster in lanes))

    async def _lane(self, lane: int, poster: ChatPoster, stop: asyncio.Event) -> None:
        sequence = 0
        while not stop.is_set():
            sequence += 1
            body, data = f"{self.label}-u{lane}-{sequence}", os.urandom(UPLOAD_BYTES)
            try:
                answer = await poster.client.post(
                    "/rooms/general/messages",
                    data={"csrf_token": poster.csrf_token, "body": body},
                    files=[("files", (f"{body}.bin", data, "application/octet-stream"))],
                    timeout=UPLOAD_PATIENCE,
                )
            except httpx.TransportError as error:
                self.sent.append(SentUpload(body, data, None, error=type(error).__name__))
                continue
            location = answer.headers.get("location", "")
            down = STORE_DOWN in answer.text
            self.sent.append(SentUpload(body, data, answer.status_code, location, down))


def store_of(topology: Topology) -> ObjectStore:
    env = topology.env
    return s3_object_store(
        endpoint=env["CHAT_S3_ENDPOINT"],
        bucket=env["CHAT_S3_BUCKET"],
        region="us-east-1",
        access_key_id=env["CHAT_S3_ACCESS_KEY_ID"],
        secret_access_key=env["CHAT_S3_SECRET_ACCESS_KEY"],
    )


async def downloaded(client: httpx.AsyncClient, upload: SentUpload) -> tuple[str, int, bytes]:
    """The message's file id, and the status and bytes its link answers (0: no link)."""
    page = await client.get("/rooms/general", params={"around": str(upload.message_id)})
    links = re.findall(rf'href="(/files/general/{upload.message_id}/([^"/]+))"', page.text)
    if not links:
        return "", 0, b""
    url, file_id = links[0]
    answer = await client.get(url)
    return file_id, answer.status_code, answer.content


async def upload_problems(
    sent: list[SentUpload], client: httpx.AsyncClient, store: ObjectStore
) -> list[str]:
    problems = []
    accepted = [upload for upload in sent if upload.message_id is not None]
    if not accepted:
        problems.append("no upload was accepted: the upload load did not run")
    kept_ids = set()
    for upload in accepted:
        file_id, status, data = await downloaded(client, upload)
        kept_ids.add(file_id)
        if data != upload.data:
            in_store = file_id and await store.exists(f"files/{file_id}/original")
            problems.append(
                f"accepted upload {upload.body} (message {upload.message_id}, file {file_id}) "
                f"answers {status} with {len(data)} bytes; in the store: {in_store}"
            )
    unclear = [
        f"{u.body}: {u.status or u.error}"
        for u in sent
        if u.message_id is None and not (u.status == 503 and u.says_store_down)
    ]
    if unclear:
        problems.append(f"uploads refused without the clear 503: {unclear[:5]}")
    deadline = time.monotonic() + SWEPT_WITHIN
    while True:
        left = {key.split("/")[1] for key in await store.keys("files/")} - kept_ids
        if not left or time.monotonic() > deadline:
            break
        await asyncio.sleep(1)
    if left:
        problems.append(f"objects of uploads that never became messages: {sorted(left)[:5]}")
    return problems
