"""A Quart app whose request path is one ordered list of ASGI layers.

A layer is a class in Starlette's middleware shape: ``Layer(app, **options)`` wraps the next
app and is called with ``(scope, receive, send)``. ``compose`` takes the list outermost
first; Quart's own ``asgi_app`` is always innermost. uvicorn, ``app.test_client()`` and
``app.test_app()`` all call ``Quart.__call__``, which calls ``asgi_app``, so every request
meets the same layers in the order the list reads.

Layers hand over the next app's coroutine instead of awaiting it where they pass a request
on (``__call__`` is a plain method), so a request that lasts hours (an event stream) holds
no frame of the layers it passed through.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable
from typing import Any, Protocol, cast

from quart import Quart

from service_kit.serving.raw_asgi import Receive, Scope, Send

ASGICall = Callable[[Scope, Receive, Send], Coroutine[Any, Any, None]]


class ASGILayer(Protocol):
    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Coroutine[Any, Any, None]: ...


# A layer class (or a ``functools.partial`` of one with its options): given the app it wraps.
Layer = Callable[[ASGICall], ASGILayer]


class LayeredQuart(Quart):
    """Quart whose ``asgi_app`` runs the composed layers (none until ``compose``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.layers: tuple[ASGILayer, ...] = ()
        # Quart's typed scope is a union of TypedDicts; the layers use plain ASGI mappings.
        self._stack: ASGICall = cast(ASGICall, super().asgi_app)

    def compose(self, layers: Iterable[Layer | None]) -> None:
        """Build the request path from ``layers``, outermost first; a ``None`` entry (a
        layer a setting turned off) is left out."""
        stack = cast(ASGICall, super().asgi_app)
        built: list[ASGILayer] = []
        for layer in reversed([layer for layer in layers if layer is not None]):
            wrapper = layer(stack)
            built.append(wrapper)
            # Its bound method, not the instance: calling an instance looks ``__call__`` up
            # on every request (about 100 ns a layer on CPython 3.11, measured).
            stack = wrapper.__call__
        self.layers = tuple(reversed(built))
        self._stack = stack

    def asgi_app(self, scope: Any, receive: Any, send: Any) -> Coroutine[Any, Any, None]:
        return self._stack(scope, receive, send)


class Mount:
    """Requests ``matches`` picks go to ``mounted``, an ASGI app of its own (Starlette's
    ``Mount``, chosen by a predicate instead of a path prefix); all else passes on."""

    def __init__(
        self, app: ASGICall, *, matches: Callable[[Scope], bool], mounted: ASGICall
    ) -> None:
        self.app = app
        self.matches = matches
        self.mounted = mounted

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Coroutine[Any, Any, None]:
        if self.matches(scope):
            return self.mounted(scope, receive, send)
        return self.app(scope, receive, send)
