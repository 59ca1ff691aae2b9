"""Telling every background worker of an app to stop at once, when it stops serving.

Quart runs ``after_serving`` hooks one after another, and each feature's hook stops its own
workers and awaits them. A durable consumer ends only when its current fetch expires (up
to a second: cancelling a pull could strand messages until their ack wait), so stopping
them hook by hook added those seconds up: 4 s for every chat app that stopped. Signalled
here first, they all wind down together, and each hook's await then finds its worker
(nearly) done."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from quart import Quart

_KEY = "stop_signals"


def stop_with_the_app(app: Quart, stop: Callable[[], object]) -> None:
    """Call ``stop`` (idempotent, returns at once) as soon as ``app`` stops serving, before
    any ``after_serving`` hook runs. Call it from a ``before_serving`` hook."""
    signals: list[Callable[[], object]] = app.extensions.setdefault(_KEY, [])
    signals.append(stop)
    hook = app.extensions.setdefault(f"{_KEY}_hook", _signaller(app))
    if hook not in app.after_serving_funcs:
        app.after_serving_funcs.insert(0, hook)


def _signaller(app: Quart) -> Callable[[], Awaitable[None]]:
    async def signal_all() -> None:
        for stop in app.extensions.pop(_KEY, []):
            stop()

    return signal_all
