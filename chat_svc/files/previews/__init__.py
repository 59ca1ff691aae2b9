"""Previews of files that are not images: a PDF's first page as a thumbnail (made by the
worker in a child process), and MP4/WebM played by the browser itself (no server decoding)."""
