"""One attached file, opened in the studio: an image at its size, a text file as text."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from studio.core.attachments import Attachment, human_size
from studio.ui.workspace.prompt_editor import editor_font


def pixmap_of(attachment: Attachment) -> QPixmap:
    pixmap = QPixmap()
    pixmap.loadFromData(attachment.data)
    return pixmap


class AttachmentViewer(QDialog):
    def __init__(self, attachment: Attachment, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.attachment = attachment
        self.setWindowTitle(attachment.name)
        self.setAccessibleName(f"Attached file {attachment.name}")
        layout = QVBoxLayout(self)
        facts = QLabel(f"{attachment.name} · {attachment.media_type} · "
                       f"{human_size(attachment.size)}")
        facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(facts)
        if attachment.is_image:
            picture = QLabel()
            pixmap = pixmap_of(attachment)
            picture.setPixmap(pixmap)
            facts.setText(f"{facts.text()} · {pixmap.width()}×{pixmap.height()}")
            scroll = QScrollArea()
            scroll.setWidget(picture)
            scroll.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(scroll, 1)
            self.content: QWidget = picture
        else:
            text = QPlainTextEdit(attachment.text())
            text.setReadOnly(True)
            text.setFont(editor_font())
            layout.addWidget(text, 1)
            self.content = text
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(720, 560)
