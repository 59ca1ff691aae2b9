from chat_svc.search.query_syntax import parse_query
from chat_svc.search.snippets import highlighted


def test_matches_are_marked_and_typed_markup_stays_text() -> None:
    html = highlighted("<b>Meetings</b> at the Café", parse_query("meeting cafe "))
    assert html == "&lt;b&gt;<mark>Meetings</mark>&lt;/b&gt; at the <mark>Café</mark>"


def test_cjk_characters_and_a_long_body_show_the_window_around_the_first_match() -> None:
    assert highlighted("明日東京で", parse_query("東京 ")).count("<mark>") == 2
    body = "word " * 100 + "needle " + "word " * 100
    snippet = highlighted(body, parse_query("needle "))
    assert snippet.startswith("…") and snippet.endswith("…") and "<mark>needle</mark>" in snippet
