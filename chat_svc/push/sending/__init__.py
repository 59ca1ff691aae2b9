"""Web Push: sending."""
