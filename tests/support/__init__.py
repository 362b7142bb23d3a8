"""Typed helpers shared by tests and benchmarks (fixtures stay in conftest.py)."""
