"""Results folders: atomic writes, the manifest, file contracts."""
