"""Files and images in messages (issue 31): uploads, metadata, thumbnails, private downloads.

``installation.install_files`` is the one call the app makes; everything else stays here.
"""
