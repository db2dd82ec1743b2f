"""Attachments from the clipboard or a drop: local files by URL, or image data."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QMimeData
from PySide6.QtGui import QImage

from studio.core.attachments import (
    Attachment,
    AttachmentError,
    attachment_from_bytes,
    load_attachment,
)
from studio.ui.preview.export import png_bytes

# Encoded image formats a clipboard may offer as they are: taken byte for byte.
_RAW_IMAGE_FORMATS = ("image/png", "image/jpeg", "image/webp", "image/gif")


def offers_files(mime: QMimeData | None) -> bool:
    """Whether pasting or dropping `mime` means attaching (local files or an image) rather
    than inserting text."""
    if mime is None:
        return False
    if mime.hasUrls() and any(url.isLocalFile() for url in mime.urls()):
        return True
    return mime.hasImage() or any(mime.hasFormat(f) for f in _RAW_IMAGE_FORMATS)


def _pasted_name(extension: str) -> str:
    return f"pasted {datetime.now().strftime('%Y-%m-%d %H.%M.%S')}.{extension}"


def attachments_from_mime(mime: QMimeData) -> tuple[list[Attachment], list[str]]:
    """The files `mime` carries, and a message for each one that cannot be attached."""
    found: list[Attachment] = []
    problems: list[str] = []
    local = [url for url in mime.urls() if url.isLocalFile()] if mime.hasUrls() else []
    for url in local:
        try:
            found.append(load_attachment(url.toLocalFile()))
        except AttachmentError as exc:
            problems.append(str(exc))
    if local:
        return found, problems
    try:
        for media_type in _RAW_IMAGE_FORMATS:
            if mime.hasFormat(media_type):
                data = bytes(mime.data(media_type).data())
                found.append(attachment_from_bytes(_pasted_name(media_type.split("/")[1]),
                                                   data))
                return found, problems
        if mime.hasImage():
            image = mime.imageData()
            if isinstance(image, QImage) and not image.isNull():
                found.append(attachment_from_bytes(_pasted_name("png"), png_bytes(image)))
    except AttachmentError as exc:
        problems.append(str(exc))
    return found, problems
