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
        env=os.environ
        | {"PYTHONPATH": os.pathsep.join([IMPORT_ROOT, os.environ.get("PYTHONPATH", "")])},
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
