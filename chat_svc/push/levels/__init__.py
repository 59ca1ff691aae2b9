"""Web Push: levels."""
