"""Benchmarks: speed, capacity and cost of the chat stack (``just bench``; see README.md)."""
