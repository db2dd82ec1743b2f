"""Providers and keys settings, the first-start welcome screen, and their shared helpers."""
