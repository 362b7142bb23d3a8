"""Snapshots for readers: the published documents and the renderer that writes them."""
