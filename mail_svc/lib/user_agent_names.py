"""Names a browser and its system from a User-Agent header: "Chrome on Linux".

A sign-in notice needs only the family names a person recognises, not versions or
devices, so a short ordered table does; a full parser (ua-parser and its regex database)
would be a dependency to keep current for detail nobody reads. Order matters: many
browsers claim to be others ("Chrome/... Safari/..."), so the more specific tokens come
first. Anything unrecognised is said to be unknown rather than guessed.
"""

from __future__ import annotations

BROWSERS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("Edg/", "EdgA/", "EdgiOS/", "Edge/"), "Edge"),
    (("OPR/", "Opera"), "Opera"),
    (("SamsungBrowser/",), "Samsung Internet"),
    (("Vivaldi/",), "Vivaldi"),
    (("YaBrowser/",), "Yandex Browser"),
    (("Firefox/", "FxiOS/"), "Firefox"),
    (("CriOS/",), "Chrome"),
    (("Chromium/",), "Chromium"),
    (("Chrome/",), "Chrome"),
    (("Version/",), "Safari"),  # only Safari sends Version/ with Safari/ (others matched)
)
SYSTEMS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("Windows",), "Windows"),
    (("iPhone", "iPad", "iPod"), "iOS"),
    (("Android",), "Android"),
    (("CrOS",), "ChromeOS"),
    (("Macintosh", "Mac OS X"), "macOS"),
    (("Linux", "X11"), "Linux"),
)
UNKNOWN = "an unknown browser"


def _first_match(user_agent: str, table: tuple[tuple[tuple[str, ...], str], ...]) -> str | None:
    for tokens, name in table:
        if any(token in user_agent for token in tokens):
            return name
    return None


def browser_and_system(user_agent: str) -> str:
    """ "Chrome on Linux", "Firefox", "an unknown browser on Windows", "an unknown browser"."""
    browser = _first_match(user_agent, BROWSERS)
    if browser == "Safari" and "Safari/" not in user_agent:
        browser = None
    system = _first_match(user_agent, SYSTEMS)
    if system is None:
        return browser or UNKNOWN
    return f"{browser or UNKNOWN} on {system}"
