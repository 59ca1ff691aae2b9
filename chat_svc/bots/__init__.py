"""Bot accounts, made by administrators: a member like a person (a ``ChatUser`` with role
"bot", id ``bot-…``), with an API key and an incoming webhook per room. Bots have no auth_svc
account, so they cannot sign in to the pages."""
