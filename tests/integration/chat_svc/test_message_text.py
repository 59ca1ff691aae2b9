"""Links and day separators on the real page (no JavaScript: days by UTC)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chat_svc.models.messages import ChatMessage
from tests.integration.chat_svc.conftest import AppFactory, message_ids_in
from tests.integration.chat_svc.fake_auth import FakeAuth


async def test_messages_of_different_utc_days_are_separated_and_links_work(
    make_chat_app: AppFactory, fake_auth: FakeAuth
) -> None:
    session = fake_auth.sign_in("Ada")
    # The messages are written straight into the store, past the Valkey history index.
    app = make_chat_app(history_index="database")
    now = datetime.now(UTC).replace(microsecond=0)
    moments = [now - timedelta(days=9), now - timedelta(days=1), now - timedelta(days=1), now]
    bodies = ["old news", "javascript:alert(1)", "see https://example.org/x.", "fresh"]
    async with app.test_app() as test_app:
        client = test_app.test_client()
        client.set_cookie("localhost", "chat_session", session.token)
        await client.get("/rooms/general")  # the room and its cache exist
        for number, (moment, body) in enumerate(zip(moments, bodies, strict=True), start=1):
            await ChatMessage(
                room="general",
                message_id=number,
                author_id="someone",
                author_name="Someone",
                body=body,
                posted_at=moment,
            ).insert()
        older = await client.get("/messages?before=4")
        older_html = await older.get_data(as_text=True)
    assert message_ids_in(older_html) == [1, 2, 3]
    separators = older_html.count('class="day-separator"')
    assert separators == 2  # nine days ago, yesterday (both yesterday's share one)
    assert '<span class="day-label">Yesterday</span>' in older_html
    old_day = moments[0].date()
    assert f'data-day="{old_day.isoformat()}"' in older_html
    assert old_day.strftime("%A") in older_html
    assert (
        '<a href="https://example.org/x" rel="nofollow noopener noreferrer" target="_blank">'
        in older_html
    )
    assert "javascript:alert(1)</div>" in older_html
    assert 'href="javascript' not in older_html
