"""A lexer sped up by one_pass_lexing gives Pygments' own tokens, token for token, for
common languages on code of several languages (so rules fail, fall back and pop states)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pygments.lexers import get_lexer_by_name

from chat_svc.formatting import one_pass_lexing
from chat_svc.formatting.one_pass_lexing import speed_up

_SOURCES = Path(one_pass_lexing.__file__).read_text()[:1500] + (  # noqa: S608 (not a query)
    'const a = {b: [1, 2.5, "s"]}; // c\nfunction g() { return `t${a}`; }\n'
    'SELECT id, name FROM users WHERE id = 1; -- c\n<div class="x">&amp;</div>\n'
    '$ ls -la | grep "x" && echo $HOME <<EOF\nheredoc\nEOF\n'
    '--- a\n+++ b\n@@ -1 +1 @@\n-old\n+new\n\tfn main() { println!("{}", r#"raw"#); }\n'
)
_LANGUAGES = (
    *("python", "python2", "pycon", "js", "ts", "jsx", "bash", "console", "powershell"),
    *("json", "yaml", "toml", "ini", "sql", "postgresql", "go", "rust", "java", "kotlin"),
    *("c", "cpp", "csharp", "swift", "html", "xml", "css", "scss", "diff", "dockerfile"),
    *("ruby", "php", "perl", "lua", "haskell", "elixir", "erlang", "scala", "r", "make"),
)


@pytest.mark.parametrize("language", _LANGUAGES)
def test_a_sped_up_lexer_gives_pygments_tokens(language: str) -> None:
    options = {"stripnl": False, "ensurenl": False}
    pygments_tokens = list(get_lexer_by_name(language, **options).get_tokens(_SOURCES))
    lexer = speed_up(get_lexer_by_name(language, **options))
    assert list(lexer.get_tokens(_SOURCES)) == pygments_tokens


def test_the_python_lexer_is_sped_up() -> None:
    lexer = speed_up(get_lexer_by_name("python"))
    list(lexer.get_tokens("def f(x):\n    return f'{x!r}'\n"))
    matchers = vars(lexer)["get_tokens_unprocessed"].args[1]  # the lexer's joined states
    assert matchers["root"] is not None  # joined, with its "(?i)" string prefixes scoped


def test_lexers_with_rules_of_their_own_each_keep_theirs() -> None:
    # C#'s rules depend on the instance's unicodelevel: ASCII-only names, or any letter.
    source = "var émile = 1;\n"
    for level in ("none", "full", "none"):
        expected = list(get_lexer_by_name("csharp", unicodelevel=level).get_tokens(source))
        lexer = speed_up(get_lexer_by_name("csharp", unicodelevel=level))
        assert list(lexer.get_tokens(source)) == expected, level
