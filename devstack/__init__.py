"""Development tooling: start real servers (NATS, Valkey, mail catcher) and our services.

Used by ``./run dev`` and by the test fixtures, so both run the very same commands.
"""
