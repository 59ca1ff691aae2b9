"""A person's own account details that chat's profile page changes (internal API only)."""
