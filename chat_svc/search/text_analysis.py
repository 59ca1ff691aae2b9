"""How text becomes index terms, shared by the indexer and the query (one definition, so the
two always agree).

Words are Unicode word characters; each CJK character is a token of its own (a word of
several is then found as a phrase of its characters: what Lucene's standard analyzer does
for CJK, no dictionary needed). Terms are lower-cased and accent-folded (é = e, ß = ss).
``STEMMED`` adds English stemming for the body; ``FOLDED`` keeps whole words for the
prefix of the word being typed ("meeti" must still reach "meeting", stemmed to "meet").
"""

from __future__ import annotations

import unicodedata

import tantivy

CJK = r"\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}"
WORD_PATTERN = rf"[{CJK}]|[\w&&[^{CJK}]]+"
# Longer tokens are dropped (base64 blobs, long hashes): they bloat the term dictionary.
LONGEST_TERM = 40

STEMMED = "chat_stemmed"
FOLDED = "chat_folded"


def _analyzer(stem: bool) -> tantivy.TextAnalyzer:
    builder = (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.regex(WORD_PATTERN))
        .filter(tantivy.Filter.remove_long(LONGEST_TERM))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
    )
    if stem:
        builder = builder.filter(tantivy.Filter.stemmer("english"))
    return builder.build()


ANALYZERS: dict[str, tantivy.TextAnalyzer] = {STEMMED: _analyzer(True), FOLDED: _analyzer(False)}


def terms(text: str, analyzer: str) -> list[str]:
    return list(ANALYZERS[analyzer].analyze(text))


def fold(text: str) -> str:
    """Lower case without accents, for highlighting in Python what the index matched."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
