"""Getting a preview out: PNG bytes, a saved .html file, a copy for the system browser."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QImage, QPixmap

_TEMP_DIR_NAME = "prompt-studio-previews"
# Copies opened in the system browser are kept for a day, then cleaned up on the next copy.
_TEMP_MAX_AGE_S = 24 * 3600


def png_bytes(picture: QImage | QPixmap) -> bytes:
    image = picture.toImage() if isinstance(picture, QPixmap) else picture
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    # The stubs say bytes, but PySide6 (6.11, 6.12) accepts only str for the format here.
    if not image.save(buffer, "PNG"):  # type: ignore[call-overload]
        raise OSError("could not encode the screenshot as PNG")
    buffer.close()
    return bytes(data.data())


def write_html(path: str | os.PathLike[str], document: bytes) -> Path:
    """Write the document exactly as the preview runs it."""
    target = Path(path)
    if target.suffix.lower() not in (".html", ".htm"):
        target = target.with_name(target.name + ".html")
    target.write_bytes(document)
    return target


def temporary_html(document: bytes, label: str = "preview") -> Path:
    """A private copy (mode 0600) for opening in the system browser."""
    folder = Path(tempfile.gettempdir()) / _TEMP_DIR_NAME
    folder.mkdir(mode=0o700, exist_ok=True)
    _remove_old(folder)
    stem = "".join(c if c.isalnum() or c in "-_" else "-" for c in label)[:40] or "preview"
    fd, name = tempfile.mkstemp(prefix=f"{stem}-", suffix=".html", dir=folder)
    with os.fdopen(fd, "wb") as handle:
        handle.write(document)
    return Path(name)


def _remove_old(folder: Path) -> None:
    cutoff = time.time() - _TEMP_MAX_AGE_S
    for item in folder.glob("*.html"):
        try:
            if item.stat().st_mtime < cutoff:
                item.unlink()
        except OSError:
            continue
