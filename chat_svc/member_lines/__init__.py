"""Lines in a room's log for who came and went (issue 37, item 8): "Ada added Grace",
"Grace joined", "Bob left".

Kept out of the room's message sequence on purpose: a line is not a message, so it is never
unread, mentioned, searched, pushed, e-mailed, replied to or sent to bots, and none of those
paths had to learn to skip it. The price: a line is merged into the log by time when a page
is rendered (``line_records.py``, ``web/conversation.py``), and reaches open pages live over
core NATS (``line_delivery.py``) without the message ids' resume, so a stream that missed
one shows it on the next page load."""
