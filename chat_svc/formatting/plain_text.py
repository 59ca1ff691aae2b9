"""A message's Markdown as the plain text it reads as: the words of its paragraphs, links'
text, code as written, and no syntax (``**``, ``[…](…)``, list markers, fences). For places
that show a message as one line of text, such as a reply's quote of its original."""

from __future__ import annotations

from chat_svc.formatting.markdown_render import MARKDOWN

_INLINE_TEXT = frozenset({"text", "code_inline"})
_BREAKS = frozenset({"softbreak", "hardbreak"})


def plain_text(body: str) -> str:
    """``body`` without its Markdown, one line per line of text, blocks on lines of their own."""
    blocks: list[str] = []
    for token in MARKDOWN.parse(body, {}):
        if token.type in ("fence", "code_block"):
            blocks.append(token.content)
        elif token.type == "inline" and token.children:
            blocks.append(
                "".join(
                    child.content if child.type in _INLINE_TEXT else "\n"
                    for child in token.children
                    if child.type in _INLINE_TEXT or child.type in _BREAKS
                )
            )
    return "\n".join(blocks)
