"""The object store files live in: one small async interface, two real backends."""
