"""What keeps a request from another site or a crafted link from doing harm: the security
headers, the Origin check on every state-changing request, safe return paths and
``__Host-`` cookie names."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from urllib.parse import unquote, urlsplit

from quart import (
    Quart,
    Response,
    request,
)
from quart.typing import ResponseReturnValue

from service_kit.serving.error_pages import render_error
from service_kit.serving.web import is_htmx

log = logging.getLogger(__name__)


NEXT_PATH_MAX_LENGTH = 512
# Printable ASCII only: a browser strips TAB/CR/LF from a URL before parsing it (so
# "/\t/evil.example" means "//evil.example"), and a look-alike such as U+FF0F is no slash
# to us but may become one on the way. Our own paths never need anything else.
_PRINTABLE_ASCII = frozenset(chr(code) for code in range(0x21, 0x7F))


def safe_next_path(candidate: str | None, default: str = "/") -> str:
    """Only a path on this site: exactly one leading ``/``, no scheme, no host.

    Refused (the default is returned): any control, space or non-ASCII character, a
    backslash anywhere in the path, and ``//`` or ``/\\`` at its start, also when
    percent-encoded.
    """
    if not candidate or len(candidate) > NEXT_PATH_MAX_LENGTH:
        return default
    if not _PRINTABLE_ASCII.issuperset(candidate) or not candidate.startswith("/"):
        return default
    path = unquote(candidate.split("?", 1)[0].split("#", 1)[0])
    if (
        path.startswith("//")
        or "\\" in path
        or not _PRINTABLE_ASCII.issuperset(path)
        or urlsplit(candidate).netloc
    ):
        return default
    return candidate


def content_security_policy(form_action_origins: Iterable[str] = ()) -> str:
    form_action = " ".join(["'self'", *form_action_origins])
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            f"form-action {form_action}",
            "frame-ancestors 'none'",
        ]
    )


# Browser features no page of ours uses: a script injected despite the CSP gets none of them.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer", "autoplay", "camera", "display-capture", "geolocation", "gyroscope",
        "magnetometer", "microphone", "midi", "payment", "publickey-credentials-get",
        "screen-wake-lock", "serial", "usb", "xr-spatial-tracking",
    )
)  # fmt: skip
# Two years, the preload list's minimum; sent only in production (always behind HTTPS).
HSTS = "max-age=63072000; includeSubDomains"


def host_cookie_name(name: str, *, secure: bool) -> str:
    """``__Host-name`` for a Secure cookie: browsers then refuse it unless it is Secure,
    host-only and ``Path=/``, so a sibling subdomain or plain-HTTP page cannot plant it."""
    return f"__Host-{name}" if secure else name


def install_security_headers(
    app: Quart, form_action_origins: Iterable[str] = (), *, hsts: bool = False
) -> None:
    policy = content_security_policy(form_action_origins)

    @app.after_request
    async def _headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if hsts:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        immutable = "immutable" in response.headers.get("Cache-Control", "")
        if request.endpoint != "static" and not immutable:
            # Pages and fragments are per person (and carry CSRF tokens): no cache keeps them,
            # so the back button after sign-out on a shared computer shows nothing. A response
            # under a URL that never changes its content (an avatar's) keeps its own header.
            response.headers["Cache-Control"] = "no-store"
        if is_htmx():
            response.vary.add("HX-Request")
        return response


UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FOREIGN_POST = "This form was sent from another site, so it was not accepted. Go back and retry."


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of an absolute http(s) URL, lower-cased; None otherwise."""
    parts = urlsplit(url.strip())
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def origin_named(origin: str, referer: str) -> str | None:
    """The site a browser's ``Origin`` header names, else the origin of its ``Referer``;
    None when it names neither. ``Origin: null`` names no site: Chromium sends it for forms
    on pages with ``Referrer-Policy: no-referrer`` (our token pages)."""
    origin = origin.strip()
    if origin and origin != "null":
        return origin_of(origin) or "unreadable"
    referer = referer.strip()
    return (origin_of(referer) or "unreadable") if referer else None


def foreign_origin(origin: str, referer: str, allowed: frozenset[str]) -> bool:
    """The headers name a site other than ``allowed`` (the origin check's refusal; a request
    naming no site is left to the CSRF token)."""
    named = origin_named(origin, referer)
    return named is not None and named not in allowed


def install_origin_check(
    app: Quart, public_urls: Iterable[str], exempt_endpoints: Iterable[str] = ()
) -> frozenset[str]:
    """Refuse a state-changing request whose ``Origin`` (or ``Referer``) names another
    site, with a 403 page, before any view runs (ASVS 3.5.x, defence beside CSRF tokens).

    Requests that name no site (server-to-server calls, ``Origin: null``, privacy tools
    that strip Referer) are left to the CSRF token, which every form carries anyway.
    ``exempt_endpoints`` are views meant to be posted to from elsewhere (a one-click
    unsubscribe link posted by a mail client); each says why. Returns the origins allowed,
    for a route answered before Quart that applies the same rule (``foreign_origin``).
    """
    allowed = frozenset(filter(None, (origin_of(url) for url in public_urls)))
    exempt = frozenset(exempt_endpoints)

    @app.before_request
    async def _same_origin_posts_only() -> ResponseReturnValue | None:
        if request.method not in UNSAFE_METHODS or request.endpoint in exempt:
            return None
        origin, referer = request.headers.get("Origin", ""), request.headers.get("Referer", "")
        if not foreign_origin(origin, referer, allowed):
            return None
        named = origin_named(origin, referer)
        log.warning("refused a cross-site %s to %s from %s", request.method, request.path, named)
        return await render_error(403, FOREIGN_POST)

    return allowed
