"""Work after the post: thumbnails and served images (the ``chat_svc_files`` durable), and
the sweeper for uploads that never became a message."""
