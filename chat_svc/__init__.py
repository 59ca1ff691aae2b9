"""chat_svc: the live chat page, messages in the store, latest in Redis, SSE fan-out."""
