"""Reactions (issue 34): one emoji per click on a message, toggled atomically in Redis and
written to the store, live and exact on resume, at most once per message per 500 ms."""
