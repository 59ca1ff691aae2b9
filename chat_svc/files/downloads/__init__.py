"""Serving files and thumbnails to members of the room only."""
