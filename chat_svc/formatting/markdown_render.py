"""A message's Markdown as HTML: CommonMark with strikethrough, parsed by markdown-it-py, then
sanitised by nh3 (a second line of defence: the parser already escapes raw HTML).

What the issue allows and nothing more: emphasis, strong, strikethrough, inline code,
fenced code (highlighted: formatting/code_highlight.py), block quotes, lists, links and the
web addresses ``linkify`` (web/message_text.py) turns into links in plain text, never in
code. Headings render, at the body's size (app.css); images do not (no remote fetches from
a message). Newlines are line breaks, as typed in a chat box. A message of one plain
paragraph comes without its ``<p>``: it reads inline, as messages did before Markdown."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from markupsafe import escape

from chat_svc.actions.mentions import without_tags
from chat_svc.formatting.code_highlight import TOKEN_CLASSES, highlight_code
from chat_svc.web.message_text import linkify

LINK_ATTRIBUTES = {"rel": "nofollow noopener noreferrer", "target": "_blank"}
_LINK_DEPTH = "link_depth"  # the render env's count of open links: no link inside a link


def _text(
    renderer: RendererHTML, tokens: Sequence[Token], idx: int, _options: OptionsDict, env: EnvType
) -> str:
    content = tokens[idx].content
    if env.get(_LINK_DEPTH):
        return escapeHtml(content)
    # linkify's pattern needs "://": without it, linkify is escape (and a regex scan slower).
    return str(linkify(content)) if "://" in content else str(escape(content))


def _link_open(
    renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    env[_LINK_DEPTH] = env.get(_LINK_DEPTH, 0) + 1
    for name, value in LINK_ATTRIBUTES.items():  # as linkify writes them
        tokens[idx].attrSet(name, value)
    return renderer.renderToken(tokens, idx, options, env)


def _link_close(
    renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    env[_LINK_DEPTH] = env.get(_LINK_DEPTH, 0) - 1
    return renderer.renderToken(tokens, idx, options, env)


def _parser() -> MarkdownIt:
    parser = MarkdownIt(
        "commonmark",
        # html off: raw HTML is text. breaks: a newline is a line break.
        {"html": False, "breaks": True, "highlight": highlight_code},
    )
    parser.enable("strikethrough").disable("image")
    parser.add_render_rule("text", _text)
    parser.add_render_rule("link_open", _link_open)
    parser.add_render_rule("link_close", _link_close)
    return parser


MARKDOWN = _parser()

_SANITISER = nh3.Cleaner(
    tags={
        *("p", "br", "strong", "em", "del", "s", "code", "pre", "span", "blockquote"),
        *("ul", "ol", "li", "a", "hr", "h1", "h2", "h3", "h4", "h5", "h6"),
    },
    attributes={"a": {"href"}, "ol": {"start"}, "code": {"class"}},
    # Links open in a new tab with no referrer, and nothing else: only these values pass.
    tag_attribute_values={"a": {name: {value} for name, value in LINK_ATTRIBUTES.items()}},
    # Pygments' token classes and markdown-it's "language-…" (nh3 cannot match a prefix,
    # so code keeps any class: it styles nothing but code).
    allowed_classes={"span": set(TOKEN_CLASSES)},
    url_schemes={"http", "https", "mailto"},
    link_rel=None,
    strip_comments=True,
)

_ONE_PARAGRAPH = ("paragraph_open", "inline", "paragraph_close")

# What can make a line more than its text: inline syntax, entities and line breaks anywhere
# (markdown-it's inline rules start only at these), and block syntax at the line's start.
_INLINE_SYNTAX = frozenset("\\`*_~[]<&\n\r\t\0")
_BLOCK_STARTS = frozenset("-+*#>=`~_<0123456789")
_TRAILING_BLANKS = " \t\r\n"  # what the parser drops after a paragraph's last line


def render_markdown(body: str) -> str:
    """``body`` as sanitised HTML (block content: for a <div>, not inside a <p>)."""
    text = body.rstrip(_TRAILING_BLANKS)
    if _is_plain_line(text):
        # The parser would give one paragraph of one text token: the same HTML, sooner.
        return _SANITISER.clean(str(linkify(text)))
    return _parsed_html(body)


def _is_plain_line(text: str) -> bool:
    return (
        text != ""
        and text == text.strip()
        and text[0] not in _BLOCK_STARTS
        and _INLINE_SYNTAX.isdisjoint(text)
    )


def _parsed_html(body: str) -> str:
    tokens = MARKDOWN.parse(body, {})
    env: dict[str, Any] = {}
    if tuple(token.type for token in tokens) == _ONE_PARAGRAPH:
        html = MARKDOWN.renderer.render(tokens[1:2], MARKDOWN.options, env)
    else:
        html = MARKDOWN.renderer.render(tokens, MARKDOWN.options, env)
    return _SANITISER.clean(html.rstrip("\n"))


def prose_of(body: str) -> str:
    """``body``'s words outside code, one line per line of text: what mentions are looked
    for in (a name inside code is not a mention)."""
    lines: list[str] = []
    for token in MARKDOWN.parse(body, {}):
        if token.type != "inline" or not token.children:
            continue
        line: list[str] = []
        for child in token.children:
            if child.type == "text":
                line.append(child.content)
            elif child.type in ("softbreak", "hardbreak"):
                line.append("\n")
            elif child.type == "code_inline":
                line.append(" ")  # a code span still ends the word before it
        lines.append("".join(line))
    return "\n".join(lines)


def message_html(body: str, mentions: Sequence[str]) -> str:
    """What a message stores as ``body_html``: its Markdown rendered with the account tags of
    the people it mentions left out ("@Ann Lee~3f2a" reads "@Ann Lee", actions/mentions.py)."""
    return render_markdown(without_tags(body, mentions))
