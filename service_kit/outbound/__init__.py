"""Calls our servers make to addresses users give us (push endpoints, webhooks)."""
