"""PySide6 widgets: thin adapters over the engine in `studio.core` and the store."""
