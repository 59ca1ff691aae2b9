"""What may be a reaction: one emoji, pasted or by its short name (``:tada:``), as the kept
``emoji`` package knows them (Unicode's list with GitHub/Slack aliases). Anything else is
refused with a message the person can act on."""

from __future__ import annotations

import emoji

# The longest emoji (a family with skin tones and joiners) is 10 code points; a short name
# a few dozen characters. More than this is never one emoji.
MAX_INPUT_CHARS = 64
# What the picker offers before the person has a history of their own.
DEFAULT_CHOICES = ("👍", "❤️", "😂", "🎉", "👀", "🙏", "✅", "😮")
REFUSAL = "A reaction is one emoji: pick one, paste one or type a short name like :tada:."


class NotAnEmojiError(ValueError):
    def __init__(self) -> None:
        super().__init__(REFUSAL)


def emoji_of(text: str) -> str:
    """The emoji ``text`` names or is, or ``NotAnEmojiError``."""
    text = text.strip()
    if not text or len(text) > MAX_INPUT_CHARS:
        raise NotAnEmojiError
    if len(text) > 2 and text.startswith(":") and text.endswith(":"):
        text = emoji.emojize(text, language="alias")
    if not emoji.is_emoji(text):
        raise NotAnEmojiError
    return text
