"""What chat's administrators change on accounts: role, deactivation (internal API only)."""
