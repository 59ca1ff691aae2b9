"""The people list at any size (issue 28): a page of everyone who can chat, by name, from
an index in Valkey over chat's copy of the people (directory_index.py)."""
