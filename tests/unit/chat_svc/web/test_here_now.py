"""Who is here in the header: five faces, then "+N"; every name for screen readers."""

from __future__ import annotations

import re

from chat_svc.web.here_now import SHOWN_FACES, by_name, here_html, with_viewer


def test_past_five_people_the_rest_is_a_count_and_every_name_stays() -> None:
    people = by_name({f"id{n}": f"Person {n}" for n in range(SHOWN_FACES + 3)})
    html = str(here_html(people))
    assert html.count('class="avatar ') == SHOWN_FACES
    assert re.search(r'<li class="here-more" aria-hidden="true">\+3</li>', html)
    for _, name in people:
        assert f'<bdi class="here-name">{name}</bdi>' in html


def test_five_people_need_no_count_and_names_are_escaped() -> None:
    html = str(here_html(by_name({"a": "<b>Ada</b>", "b": "Bob"})))
    assert "here-more" not in html and "<b>" not in html and "&lt;b&gt;Ada" in html


def test_the_viewer_is_added_once_in_name_order() -> None:
    here = by_name({"b": "Bob", "c": "carla"})
    assert with_viewer(here, "a", "Ada") == [("a", "Ada"), ("b", "Bob"), ("c", "carla")]
    assert with_viewer(here, "b", "Bob") == here
