"""Posts acknowledged by the log (issue 28, ``CHAT_POSTS_ACKNOWLEDGED_BY=log``): a post is
acknowledged once JetStream stored its ``MessagePosted``; the durable ``chat_svc_history``
writes messages, edits and deletions to the database behind it, idempotently and in order,
so a database outage no longer stops posting (docs/deploy.md, "Posts acknowledged by the
log")."""
