"""The prompt's attachments: a row of chips (thumbnail or file type, name, size), each
removable and openable, an "Attach files…" button, and what paste and drop bring.

Files are checked as they are attached (a broken image, an unknown binary or a file over
the limit is refused here, with a message naming it), so what the tray holds can be sent.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import PurePath

from PySide6.QtCore import QEvent, QMimeData, QObject, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QToolButton,
    QWidget,
)

from studio.core.attachments import Attachment, AttachmentError, human_size, load_attachment
from studio.ui.attachments.mime import attachments_from_mime, offers_files
from studio.ui.attachments.viewer import AttachmentViewer, pixmap_of
from studio.ui.style import colors, icon, set_text_color

THUMB_HEIGHT = 36


class AttachmentChip(QFrame):
    """One file: its thumbnail (or type), name and size; click to open, × to remove."""

    openRequested = Signal(object)  # the chip
    removeRequested = Signal(object)

    def __init__(self, attachment: Attachment, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.attachment = attachment
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName(f"Attached {attachment.name}")
        row = QHBoxLayout(self)
        row.setContentsMargins(4, 2, 2, 2)
        row.setSpacing(4)
        self.thumb = QLabel()
        if attachment.is_image:
            pixmap = pixmap_of(attachment)
            self.thumb.setPixmap(pixmap.scaledToHeight(
                min(THUMB_HEIGHT, max(pixmap.height(), 1)),
                Qt.TransformationMode.SmoothTransformation))
        else:
            self.thumb.setText(PurePath(attachment.name).suffix.lstrip(".").upper() or "TXT")
            set_text_color(self.thumb, colors().muted)
        row.addWidget(self.thumb)
        self.open_button = QToolButton()
        self.open_button.setAutoRaise(True)
        self.open_button.setText(_elided(attachment.name))
        self.open_button.setToolTip(f"Open {attachment.name} ({attachment.media_type})")
        self.open_button.setAccessibleName(f"Open {attachment.name}")
        self.open_button.clicked.connect(lambda: self.openRequested.emit(self))
        row.addWidget(self.open_button)
        self.size_label = QLabel(human_size(attachment.size))
        set_text_color(self.size_label, colors().muted)
        row.addWidget(self.size_label)
        self.remove_button = QToolButton()
        self.remove_button.setAutoRaise(True)
        self.remove_button.setIcon(icon("close"))
        self.remove_button.setToolTip(f"Remove {attachment.name}")
        self.remove_button.setAccessibleName(f"Remove {attachment.name}")
        self.remove_button.clicked.connect(lambda: self.removeRequested.emit(self))
        row.addWidget(self.remove_button)


def _elided(name: str, limit: int = 28) -> str:
    return name if len(name) <= limit else name[: limit - 9] + "…" + name[-8:]


class AttachmentTray(QWidget):
    changed = Signal()  # a file was added or removed
    refused = Signal(str)  # a file could not be attached; the message names it

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Attachments")
        self._files: list[Attachment] = []
        self._viewers: set[AttachmentViewer] = set()
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(4)
        self.attach_button = QToolButton()
        self.attach_button.setIcon(icon("attach"))
        self.attach_button.setText("Attach")
        self.attach_button.setAutoRaise(True)
        self.attach_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.attach_button.setToolTip("Attach images (PNG, JPEG, WebP, GIF) or text files; "
                                      "you can also paste or drop them on the prompt")
        self.attach_button.setAccessibleName("Attach files")
        self.attach_button.clicked.connect(self.open_file_dialog)
        row.addWidget(self.attach_button)
        self._chips_widget = QWidget()
        self._chips = QHBoxLayout(self._chips_widget)
        self._chips.setContentsMargins(0, 0, 0, 0)
        self._chips.setSpacing(4)
        self._chips.addStretch(1)
        self.strip = QScrollArea()
        self.strip.setWidget(self._chips_widget)
        self.strip.setWidgetResizable(True)
        self.strip.setFrameShape(QFrame.Shape.NoFrame)
        self.strip.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.strip.setFixedHeight(THUMB_HEIGHT + 12)
        row.addWidget(self.strip, 1)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Attachment problem")
        set_text_color(self.message, colors().danger)
        row.addWidget(self.message, 1)
        self.dialog: QFileDialog | None = None
        self._refresh()

    # -- contents ------------------------------------------------------------------------

    def attachments(self) -> tuple[Attachment, ...]:
        return tuple(self._files)

    def chips(self) -> list[AttachmentChip]:
        items = (self._chips.itemAt(i) for i in range(self._chips.count()))
        found = (item.widget() for item in items if item is not None)
        return [w for w in found if isinstance(w, AttachmentChip)]

    def add(self, attachments: Iterable[Attachment]) -> int:
        """Add files (one already here under the same name is not added twice)."""
        added = 0
        for attachment in attachments:
            if any(a.sha256 == attachment.sha256 and a.name == attachment.name
                   for a in self._files):
                continue
            self._files.append(attachment)
            chip = AttachmentChip(attachment)
            chip.openRequested.connect(self._open_chip)
            chip.removeRequested.connect(self._remove_chip)
            self._chips.insertWidget(self._chips.count() - 1, chip)
            added += 1
        if added:
            self._refresh()
            self.changed.emit()
        return added

    def add_paths(self, paths: Iterable[str]) -> int:
        found, problems = [], []
        for path in paths:
            try:
                found.append(load_attachment(path))
            except AttachmentError as exc:
                problems.append(str(exc))
        return self._take(found, problems)

    def add_mime(self, mime: QMimeData) -> int:
        return self._take(*attachments_from_mime(mime))

    def _take(self, found: list[Attachment], problems: list[str]) -> int:
        added = self.add(found)
        self.message.setText("; ".join(problems))
        self._refresh()
        for problem in problems:
            self.refused.emit(problem)
        return added

    def remove(self, index: int) -> None:
        chip = self.chips()[index]
        self._remove_chip(chip)

    def clear(self) -> None:
        for chip in self.chips():
            chip.deleteLater()
            self._chips.removeWidget(chip)
        had = bool(self._files)
        self._files.clear()
        self.message.clear()
        self._refresh()
        if had:
            self.changed.emit()

    def set_attachments(self, attachments: Iterable[Attachment]) -> None:
        self.clear()
        self.add(attachments)

    def _remove_chip(self, chip: AttachmentChip) -> None:
        index = self.chips().index(chip)
        del self._files[index]
        self._chips.removeWidget(chip)
        chip.deleteLater()
        self._refresh()
        self.changed.emit()

    def _refresh(self) -> None:
        self.strip.setVisible(bool(self._files))
        self.message.setVisible(bool(self.message.text()))

    # -- opening -------------------------------------------------------------------------

    def _open_chip(self, chip: AttachmentChip) -> None:
        self.open_viewer(chip.attachment)

    def open_viewer(self, attachment: Attachment) -> AttachmentViewer:
        viewer = AttachmentViewer(attachment, self.window())
        self._viewers.add(viewer)
        viewer.finished.connect(lambda _r, v=viewer: self._viewers.discard(v))
        viewer.open()
        return viewer

    def open_file_dialog(self) -> QFileDialog:
        dialog = QFileDialog(self.window(), "Attach files")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
        dialog.setNameFilters(["Images and text (*.png *.jpg *.jpeg *.webp *.gif *.txt *.md "
                               "*.csv *.json *.html *.css *.js *.ts *.py *.xml *.yaml *.yml "
                               "*.svg *.toml *.sql)", "All files (*)"])
        dialog.filesSelected.connect(self.add_paths)
        self.dialog = dialog
        dialog.open()
        return dialog


class PasteDropCatcher(QObject):
    """Turns a paste or a drop of files or image data on the prompt editor into
    attachments; text pastes and drops go to the editor as before."""

    def __init__(self, tray: AttachmentTray, watched: Iterable[QObject]) -> None:
        super().__init__(tray)
        self._tray = tray
        for target in watched:
            target.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
            assert isinstance(event, QDragEnterEvent | QDropEvent)
            if offers_files(event.mimeData()):
                event.acceptProposedAction()
                return True
        elif kind == QEvent.Type.Drop:
            assert isinstance(event, QDropEvent)
            mime = event.mimeData()
            if offers_files(mime):
                self._tray.add_mime(mime)
                event.acceptProposedAction()
                return True
        elif kind in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride):
            assert isinstance(event, QKeyEvent)
            if event.matches(QKeySequence.StandardKey.Paste):
                mime = QGuiApplication.clipboard().mimeData()
                if offers_files(mime):
                    if kind == QEvent.Type.KeyPress:
                        assert mime is not None
                        self._tray.add_mime(mime)
                    event.accept()
                    return True
        return False
