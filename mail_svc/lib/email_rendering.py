"""Renders an e-mail's HTML and plain-text parts from Jinja2 templates.

Each e-mail type has ``<name>.html`` and ``<name>.txt`` extending the shared ``layout.html``
and ``layout.txt``. ``StrictUndefined`` turns a missing value into an error instead of a
blank, so a placeholder can never reach a recipient unrendered.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from css_inline import CSSInliner
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

EMAIL_TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "email"


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    html: str
    text: str


class EmailRenderer:
    def __init__(self, templates: Path = EMAIL_TEMPLATES) -> None:
        self._env = Environment(
            loader=FileSystemLoader(str(templates)),
            # Escape the HTML part only: the text part must show "&" as "&".
            autoescape=select_autoescape(enabled_extensions=("html",), default=False),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        # Never fetch stylesheets over the network while rendering a message.
        self._inliner = CSSInliner(load_remote_stylesheets=False)

    def render(self, template: str, subject: str, context: Mapping[str, object]) -> RenderedEmail:
        values = {**context, "subject": subject}
        html = self._env.get_template(f"{template}.html").render(values)
        text = self._env.get_template(f"{template}.txt").render(values)
        return RenderedEmail(subject=subject, html=self._inliner.inline(html), text=text)
