"""The application icon, from the PNG sizes rendered for the desktop.

`packaging/render_icons.py` draws them from `icons/app.svg` (a test checks they match). Qt
reads a file only when that size is drawn, so setting the icon at start-up costs next to
nothing, where rendering the SVG would load QtSvg before the first window.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize
from PySide6.QtGui import QIcon, QPixmap

from studio import APP_ID
from studio.core.resources import resource

SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def app_icon() -> QIcon:
    icon = QIcon()
    for size in SIZES:
        node = resource("icons", "hicolor", f"{size}x{size}", "apps", f"{APP_ID}.png")
        if isinstance(node, Path):
            icon.addFile(str(node), QSize(size, size))
        else:  # inside an archive: no file for Qt to read later
            pixmap = QPixmap()
            pixmap.loadFromData(node.read_bytes())
            icon.addPixmap(pixmap)
    return icon
