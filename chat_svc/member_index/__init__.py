"""Each room's member ids in Valkey (issue 28, follow-up): a replica's member list of a
room no longer scans every membership on the embedded database (member_sets.py)."""
