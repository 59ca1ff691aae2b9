"""Search (issue 32): a tantivy index of every message, fed by a durable JetStream consumer,
asked by ``GET /search`` with the viewer's rooms checked at query time."""
