"""Pygments' RegexLexer, the same tokens in fewer regex calls.

A RegexLexer tries a state's rules one by one at each position, in Python: ~35 failed
``match`` calls per token of Python code, most of a message's render time
(docs/performance.md, "Formatted text"). Here each state's rules are one alternation
``(?:rule0)()|(?:rule1)()|…``: the regex engine tries them in the same order and keeps the
first that matches at the position, exactly as the loop does, and the empty group closing
the winner (``lastindex``) names it. A token takes the joined match's span (the same); a
rule with a callback matches alone once more, so the callback sees the groups it was
written for. Otherwise the loop below is RegexLexer's own.

A state whose rules cannot be joined (a backreference, whose group number would move;
inline flags other than i, m, s) keeps the rule-by-rule loop."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import Any

from pygments.lexer import Lexer, RegexLexer
from pygments.token import Error, Whitespace, _TokenType

Rule = tuple[Callable[[str, int], re.Match[str] | None], Any, Any]
# A state's joined rules and, by the index of each rule's closing empty group, the rule.
StateMatcher = tuple[Callable[[str, int], re.Match[str] | None], dict[int, Rule]]

_BACKREFERENCE = re.compile(r"\\[1-9]|\(\?P=|\\g<|\(\?\(")
# Leading inline flags that keep their meaning as a scoped group ("x" could comment out
# the closing parenthesis; "a", "L", "u" would clash with the lexer's own).
_INLINE_FLAGS = re.compile(r"\(\?([ims]+)\)")


def speed_up(lexer: Lexer) -> Lexer:
    """``lexer`` lexing in one regex call per token, if it is a plain RegexLexer (one
    that overrides the loop, such as an ExtendedRegexLexer, is left as it is)."""
    lexer_class = type(lexer)
    if (
        isinstance(lexer, RegexLexer)
        and lexer_class.get_tokens_unprocessed is RegexLexer.get_tokens_unprocessed
    ):
        # Joined per lexer, not per class: some lexers (C#) build their rules per instance,
        # from its options. An instance attribute: Lexer.get_tokens (newlines, tabs,
        # filters) calls it.
        vars(lexer)["get_tokens_unprocessed"] = partial(_tokens, lexer, {})
    return lexer


def _joined(rules: Sequence[Rule], flags: int) -> StateMatcher | None:
    """``rules`` as one alternation, compiled with the lexer's flags as each rule was."""
    pieces: list[str] = []
    by_marker: dict[int, Rule] = {}
    groups = 0
    for rule in rules:
        pattern: re.Pattern[str] = rule[0].__self__  # type: ignore[attr-defined]
        source = pattern.pattern
        if _BACKREFERENCE.search(source):
            return None
        # "(?i)…" is allowed only at a pattern's start: inside the alternation, "(?i:…)".
        inline = _INLINE_FLAGS.match(source)
        if inline:
            source = f"(?{inline[1]}:{source[inline.end() :]})"
        pieces.append(f"(?:{source})()")
        groups += pattern.groups + 1
        by_marker[groups] = rule
    try:
        return re.compile("|".join(pieces), flags).match, by_marker
    except re.error:  # flags the scoped form refuses, or a pattern we did not foresee
        return None


def _tokens(
    lexer: RegexLexer,
    matchers: dict[Any, StateMatcher | None],
    text: str,
    stack: Sequence[str] = ("root",),
) -> Iterator[tuple[int, Any, str]]:
    pos = 0
    # The rules by state, compiled by RegexLexerMeta when the class is first instantiated.
    tokendefs: dict[Any, Sequence[Rule]] = lexer._tokens  # type: ignore[attr-defined]
    statestack = list(stack)
    state = statestack[-1]
    while 1:
        if state not in matchers:
            matchers[state] = _joined(tokendefs[state], lexer.flags)
        matcher = matchers[state]
        m: re.Match[str] | None = None
        if matcher is not None:
            joined = matcher[0](text, pos)
            if joined is not None:
                rexmatch, action, new_state = matcher[1][joined.lastindex]  # type: ignore[index]
                # A token needs only the span; a callback reads the groups of its own rule.
                plain = action is None or type(action) is _TokenType
                m = joined if plain else rexmatch(text, pos)
        else:
            for rule in tokendefs[state]:
                m = rule[0](text, pos)
                if m:
                    _, action, new_state = rule
                    break
        if m:
            if action is not None:
                if type(action) is _TokenType:
                    yield pos, action, m.group()
                else:
                    yield from action(lexer, m)
            pos = m.end()
            if new_state is not None:
                # state transition
                if isinstance(new_state, tuple):
                    for new in new_state:
                        if new == "#pop":
                            if len(statestack) > 1:
                                statestack.pop()
                        elif new == "#push":
                            statestack.append(statestack[-1])
                        else:
                            statestack.append(new)
                elif isinstance(new_state, int):
                    # pop, but keep at least one state on the stack
                    if abs(new_state) >= len(statestack):
                        del statestack[1:]
                    else:
                        del statestack[new_state:]
                elif new_state == "#push":
                    statestack.append(statestack[-1])
                else:
                    raise AssertionError(f"wrong state def: {new_state!r}")
                state = statestack[-1]
        else:
            # No rule matched here.
            if pos >= len(text):
                break
            if text[pos] == "\n":
                # at EOL, reset state to "root"
                statestack = ["root"]
                state = "root"
                yield pos, Whitespace, "\n"
                pos += 1
                continue
            yield pos, Error, text[pos]
            pos += 1
