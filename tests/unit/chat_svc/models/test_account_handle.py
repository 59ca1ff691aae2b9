"""The account tag beside a name (issue 37, item 25): it tells apart two people of one name
and never reads like a channel ("#2fc2")."""

from __future__ import annotations

import re

from chat_svc.models.messages import account_handle


def test_the_tag_is_a_short_code_not_a_channel_name() -> None:
    first, second = account_handle("account-1"), account_handle("account-2")
    assert re.fullmatch(r"[0-9a-f]{4}", first) and re.fullmatch(r"[0-9a-f]{4}", second)
    assert first != second and account_handle("account-1") == first
