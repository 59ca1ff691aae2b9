"""Administrators rename, archive, restore and delete rooms (issue 35)."""
