"""Formatted message text (issue 34): Markdown rendered once, when a message is posted or
edited, sanitised, with highlighted code; stored next to the source the person wrote."""
