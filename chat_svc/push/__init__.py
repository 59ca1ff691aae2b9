"""Notifications outside the open page: per-room levels, Web Push subscriptions and their
sender, the app manifest and service worker (issue 33)."""
