from datetime import date

from chat_svc.search.query_syntax import MAX_QUERY_CHARS, parse_query


def test_words_phrases_filters_and_the_prefix_being_typed() -> None:
    query = parse_query('launch "at ten" in:#plans from:"Ann Lee" after:2026-12-01 has:link roc')
    assert query.words == ["launch"] and query.phrases == ["at ten"] and query.prefix == "roc"
    assert query.rooms == ["plans"] and query.authors == ["Ann Lee"]
    assert query.after == date(2026, 12, 1) and query.has_link and not query.problems


def test_a_space_after_the_last_word_ends_the_prefix() -> None:
    assert parse_query("rocket ").words == ["rocket"] and parse_query("rocket ").prefix is None


def test_odd_input_is_text_or_a_note_never_an_error() -> None:
    assert parse_query("").is_empty
    assert parse_query('say "hi').words == ["say"] and parse_query('say "hi').prefix == '"hi'
    assert parse_query("before:soon").problems and parse_query("is:nothing").problems
    assert parse_query("body:foo AND (bar").words == ["body:foo", "AND"]
    long = parse_query("x" * 10_000)
    assert long.prefix == "x" * MAX_QUERY_CHARS and long.problems
