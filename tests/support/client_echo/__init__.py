"""A tiny ASGI app started the way the dev stack starts a service (``<module>.asgi:app``)."""
