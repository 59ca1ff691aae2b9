"""Web Push: app_shell."""
