"""Search on the stage: both chat replicas answer from the one index the writer keeps
(issue 32: several replicas see the same results)."""

from __future__ import annotations

import asyncio

import pytest

from devstack.topology import Topology
from tests.integration.stage.test_scale_out import chat_user, unique
from tests.support.http_accounts import HttpAccounts, chat_client

pytestmark = pytest.mark.slow  # a whole topology per module: `./run test-slow`


async def _results(client_url: str, token: str, word: str) -> str:
    async with chat_client(client_url, token) as client:
        page = await client.get("/search", params={"q": word})
        assert page.status_code == 200, page.text
        return page.text


@pytest.mark.timeout(90)
async def test_a_message_posted_on_one_replica_is_found_once_on_both(
    stage: Topology, accounts: HttpAccounts
) -> None:
    first, second = stage.chat_urls
    word = unique("zq").replace("-", "")  # one word nobody else wrote
    async with chat_user(accounts, "Seeker", first) as seeker:
        await seeker.post(f"the {word} plan is ready")
        found: dict[str, str] = {}
        async with asyncio.timeout(30):  # the index lags the post by well under a second
            for url in (first, second):
                # The box repeats the query: the result's highlight is what counts.
                while f"<mark>{word}</mark>" not in (
                    text := await _results(url, seeker.session_token, word)
                ):
                    await asyncio.sleep(0.2)
                found[url] = text
    for text in found.values():
        assert "1 message found" in text, text[-2000:]
        assert text.count(f"<mark>{word}</mark>") == 1, text[-2000:]
