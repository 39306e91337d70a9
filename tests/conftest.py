"""Shared fixtures. Builders for catalogue rows live in tests/factories.py."""
