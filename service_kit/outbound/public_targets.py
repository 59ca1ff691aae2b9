"""Refuse user-given URLs that would make our servers call inside the network.

A stored push endpoint or webhook URL is a request our server makes on a stranger's behalf. In
production only ``https`` URLs whose host resolves to public addresses are allowed: no loopback,
private, link-local (cloud metadata at 169.254.169.254), shared, multicast or reserved ranges, and
a name is judged by every address it resolves to. Dev and tests may allow loopback explicitly to
talk to local peers. Check again right before each call: a name can change what it resolves to.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class RefusedTargetError(ValueError):
    """The URL is not one our servers may call; the message says why, for the person."""


@dataclass(frozen=True, slots=True)
class TargetPolicy:
    """``allow_loopback``: dev and tests only (``http`` allowed too, to loopback only)."""

    allow_loopback: bool = False


def _host_and_port(url: str) -> tuple[str, str, int]:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise RefusedTargetError("That is not a valid URL.") from error
    if parts.scheme not in {"https", "http"} or not parts.hostname:
        raise RefusedTargetError("Only https URLs can be used.")
    if parts.username or parts.password:
        raise RefusedTargetError("URLs with a user name or password are not accepted.")
    default_port = 443 if parts.scheme == "https" else 80
    return parts.scheme, parts.hostname, port or default_port


def _unwrapped(address: IpAddress) -> IpAddress:
    # ::ffff:127.0.0.1 and 64:ff9b::/96-style wrappers must be judged as the IPv4 inside.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def address_problem(address: IpAddress, policy: TargetPolicy) -> str | None:
    """Why this one address may not be called, or None when it may."""
    plain = _unwrapped(address)
    if plain.is_loopback:
        return None if policy.allow_loopback else "it points at this server itself"
    if plain.is_link_local:
        return "it points at a link-local address"
    if not plain.is_global or plain.is_multicast:
        return "it points inside a private network"
    return None


async def _resolved(host: str, port: int) -> list[IpAddress]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as error:
        raise RefusedTargetError(f"The host {host!r} could not be found.") from error
    # sockaddr[0] is the address text for both families (IPv6 may carry a %scope suffix).
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


async def check_public_url(url: str, policy: TargetPolicy) -> str:
    """The URL back when our servers may call it; RefusedTargetError otherwise."""
    scheme, host, port = _host_and_port(url)
    addresses = await _resolved(host, port)
    if not addresses:
        raise RefusedTargetError(f"The host {host!r} could not be found.")
    for address in addresses:
        problem = address_problem(address, policy)
        if problem:
            raise RefusedTargetError(f"That URL cannot be used: {problem}.")
    if scheme != "https" and not (
        policy.allow_loopback and all(_unwrapped(a).is_loopback for a in addresses)
    ):
        raise RefusedTargetError("Only https URLs can be used.")
    return url
