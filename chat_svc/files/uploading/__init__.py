"""Taking a message's files as the post arrives: the multipart reader, names, types, and
the streams into the object store."""
