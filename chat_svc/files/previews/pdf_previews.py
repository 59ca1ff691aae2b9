"""The worker's side of a PDF preview: runs ``pdf_render_child`` with the file on its stdin
and waits at most ``seconds``; the child is killed at the limit. Never in a request."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from pathlib import Path

CHILD = "chat_svc.files.previews.pdf_render_child"
# The directory chat_svc is imported from, so the child finds it wherever the app started.
IMPORT_ROOT = str(Path(__file__).resolve().parents[3])


def child_environment() -> dict[str, str]:
    """Only what Python needs to start: none of the service's secrets (database, NATS and
    S3 credentials) reach the process that parses an untrusted file."""
    return {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": IMPORT_ROOT, "LC_ALL": "C.UTF-8"}


class NoPdfPreviewError(Exception):
    """The PDF could not be drawn within the limits: it is shown as a plain file."""


async def pdf_first_page(data: bytes, seconds: float) -> bytes:
    """The first page's PNG (preview_kinds.PDF_PREVIEW_BOX)."""
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        CHILD,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=child_environment(),
    )
    try:
        png, errors = await asyncio.wait_for(child.communicate(data), timeout=seconds)
    except TimeoutError as error:
        raise NoPdfPreviewError(f"not drawn within {seconds} s") from error
    finally:
        if child.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                child.kill()
            await child.wait()
    if child.returncode != 0 or not png:
        reason = errors.decode("utf-8", "replace").strip()[-300:]
        raise NoPdfPreviewError(f"exit {child.returncode}: {reason}")
    return png
