"""The outbound address filter refuses what would reach inside the network (push, webhooks)."""

from __future__ import annotations

import pytest

from service_kit.outbound.public_targets import RefusedTargetError, TargetPolicy, check_public_url

PRODUCTION = TargetPolicy(allow_loopback=False)
DEV = TargetPolicy(allow_loopback=True)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/push",
        "https://127.0.0.1/push",
        "https://10.0.0.1/push",
        "https://192.168.1.20/push",
        "https://172.16.5.4/push",
        "https://100.64.0.1/push",
        "https://[::1]/push",
        "https://[::ffff:127.0.0.1]/push",
        "https://[fd00::1]/push",
        "https://[fe80::1]/push",
        "https://169.254.169.254/latest/meta-data",
        "https://0.0.0.0/push",
        "https://224.0.0.1/push",
        "https://localhost/push",  # a name judged by what it resolves to
        "ftp://example.com/push",
        "https://user:secret@8.8.8.8/push",
        "not a url",
        "https://[::1/push",
    ],
)
async def test_production_refuses_addresses_inside_the_network(url: str) -> None:
    with pytest.raises(RefusedTargetError):
        await check_public_url(url, PRODUCTION)


async def test_a_public_https_address_passes() -> None:
    assert await check_public_url("https://8.8.8.8/push", PRODUCTION) == "https://8.8.8.8/push"
    v6 = "https://[2606:4700:4700::1111]/push"
    assert await check_public_url(v6, PRODUCTION) == v6


async def test_plain_http_to_a_public_address_is_refused_even_in_dev() -> None:
    with pytest.raises(RefusedTargetError, match="https"):
        await check_public_url("http://8.8.8.8/push", DEV)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:9/push", "https://[::1]:9/push", "http://localhost:9/push"]
)
async def test_dev_may_allow_loopback_explicitly(url: str) -> None:
    assert await check_public_url(url, DEV) == url


@pytest.mark.parametrize(
    "url", ["https://10.0.0.1/push", "https://169.254.169.254/", "http://192.168.0.1/"]
)
async def test_allowing_loopback_still_refuses_private_and_link_local(url: str) -> None:
    with pytest.raises(RefusedTargetError):
        await check_public_url(url, DEV)
