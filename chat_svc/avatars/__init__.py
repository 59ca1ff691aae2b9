"""Profile pictures: an uploaded image made into square WebP avatars (``avatar_images``),
kept in the files feature's object store (``avatar_storage``), served to signed-in people
under a URL that changes with the picture (``avatar_downloads``), and known to every
replica by version (``avatar_versions``) so shared message markup can show them."""
