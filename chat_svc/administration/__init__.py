"""Administrators' pages: people (roles, deactivation), the join link, the audit log."""
