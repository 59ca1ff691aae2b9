"""Who is here, as the room header shows it: the first few faces, then "+N".

Every name stays in the list for screen readers and for hover (``title``); only the faces
past ``SHOWN_FACES`` give way to the count. The stream sends the same markup when the list
changes (live/presence.py), so the page and its updates cannot differ.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup

from chat_svc.models.messages import author_tag
from chat_svc.web.avatars import avatar

# (account id, display name), sorted by name: one entry per person, whatever their tabs.
Person = tuple[str, str]
SHOWN_FACES = 5


def by_name(people: dict[str, str]) -> list[Person]:
    return sorted(people.items(), key=lambda person: (person[1].casefold(), person[0]))


def with_viewer(people: Sequence[Person], user_id: str, name: str) -> list[Person]:
    """The viewer is here as soon as the page is served (their stream is not open yet, and
    without JavaScript it never opens)."""
    return by_name({**dict(people), user_id: name})


def here_html(people: Sequence[Person]) -> Markup:
    items = [
        Markup('<li title="{}">{}<bdi class="here-name">{}</bdi></li>').format(
            name,
            avatar(name, author_tag(user_id), "small", user_id) if shown < SHOWN_FACES else "",
            name,
        )
        for shown, (user_id, name) in enumerate(people)
    ]
    if len(people) > SHOWN_FACES:
        more = len(people) - SHOWN_FACES
        items.append(Markup('<li class="here-more" aria-hidden="true">+{}</li>').format(more))
    return Markup('<ul class="here-list">{}</ul>').format(Markup("").join(items))
