"""``python -m chat_svc.files.previews.pdf_render_child``: the PDF on stdin, its first page's
PNG on stdout (pdf_pages.py). Exit 0: drawn; 2: unreadable; anything else (a crash, the
memory limit, SIGXCPU, killed at the time limit): no preview either.

Its own process so that PDFium, C code reading an untrusted file, runs apart from the chat
service: limited in address space and CPU seconds before it reads a byte, and killed by the
worker at the wall-time limit (a thread cannot be stopped mid-render)."""

from __future__ import annotations

import resource
import sys

MEMORY_BYTES = 1024 * 1024 * 1024  # address space: Python, PDFium and one page bitmap
CPU_SECONDS = 10  # a backstop beside the worker's wall-time limit


def main() -> int:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
    from chat_svc.files.previews.pdf_pages import UnreadablePdfError, first_page_png

    try:
        png = first_page_png(sys.stdin.buffer.read())
    except UnreadablePdfError as error:
        print(f"unreadable: {error}", file=sys.stderr)
        return 2
    sys.stdout.buffer.write(png)
    return 0


if __name__ == "__main__":
    sys.exit(main())
