"""The engine: pure Python, no Qt below this package (a test enforces it)."""
