"""Uploaded photos: checking what an upload really is and making the renditions readers download."""
