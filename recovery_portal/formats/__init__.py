"""Locale format overrides (FORMAT_MODULE_PATH). Only what differs from Django's own locale files is here."""
