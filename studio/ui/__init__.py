"""PySide6 widgets: thin adapters over core objects and store queries."""
