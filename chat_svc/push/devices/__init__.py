"""Web Push: devices."""
