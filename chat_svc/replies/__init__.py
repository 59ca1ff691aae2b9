"""Replies (issue 34): a message that quotes another of its room, the count on the
original, the view of an original with its replies, and the no-JavaScript reply page."""
