"""Liveblog: the shared package behind every Liveblog Lambda function."""
