"""Outgoing webhooks: a bot with a webhook URL gets a signed POST when it is mentioned or
sent a direct message, and its answer is posted as the bot. Delivered by a JetStream
durable consumer, off the request path: a slow or failing endpoint never slows the chat."""
