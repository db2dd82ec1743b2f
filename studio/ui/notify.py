"""Telling the user how an action turned out, in the window it was taken in.

Widgets deep inside the workspace (a preview, a pane) have no status bar of their own: the
message goes to the status bar of the nearest main window around them.
"""

from __future__ import annotations

from PySide6.QtWidgets import QMainWindow, QWidget

SHORT_MS = 5000
LONG_MS = 12000  # failures: long enough to read the next step


def tell(widget: QWidget, message: str, *, failed: bool = False) -> bool:
    """Show `message` in the status bar of the main window that holds `widget`; False when
    there is none (a widget of its own)."""
    current: QWidget | None = widget
    while current is not None:
        if isinstance(current, QMainWindow):
            current.statusBar().showMessage(message, LONG_MS if failed else SHORT_MS)
            return True
        current = current.parentWidget()
    return False
