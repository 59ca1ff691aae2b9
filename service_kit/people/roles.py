"""Account roles, shared by auth_svc (the account) and chat_svc (its copy of the person)."""

from __future__ import annotations

ADMIN = "admin"
MEMBER = "member"
ROLES = (ADMIN, MEMBER)
