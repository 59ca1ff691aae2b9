"""Every worker hears "stop" before the first after_serving hook awaits any of them, so
their last fetches expire together rather than one after another."""

from __future__ import annotations

from quart import Quart

from service_kit.stopping import stop_with_the_app


async def test_every_stop_is_signalled_before_any_after_serving_hook_runs() -> None:
    app = Quart(__name__)
    events: list[str] = []

    @app.before_serving
    async def _start_workers() -> None:
        stop_with_the_app(app, lambda: events.append("first stopped"))
        stop_with_the_app(app, lambda: events.append("second stopped"))

    @app.after_serving
    async def _await_the_first() -> None:
        events.append("first awaited")

    @app.after_serving
    async def _await_the_second() -> None:
        events.append("second awaited")

    for _ in range(2):  # a restarted app signals once per run, never twice
        events.clear()
        async with app.test_app():
            pass
        assert events == ["first stopped", "second stopped", "first awaited", "second awaited"]
