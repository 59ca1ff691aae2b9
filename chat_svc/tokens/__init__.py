"""Personal API tokens: created on /settings/tokens, shown once, stored hashed, checked on
every /api/ request (chat_svc/api/) and revoked with the person."""
