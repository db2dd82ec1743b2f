"""Thin bars under the tree: "Deleted … Undo", and short notes about what just happened."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QWidget,
)

from studio.store import Store, StoreError, TrashId
from studio.ui.style import icon

NOTE_MS = 8000


class DeleteCommand(QUndoCommand):
    """A deletion that already happened (its TrashId is known); undo restores it from the
    trash and redo deletes it again."""

    def __init__(self, store: Store, text: str, token: TrashId,
                 delete_again: Callable[[], TrashId], restored: Callable[[], None],
                 failed: Callable[[str], None]) -> None:
        super().__init__(text)
        self._store = store
        self._token = token
        self._delete_again = delete_again
        self._restored = restored
        self._failed = failed
        self._done = True

    def undo(self) -> None:
        try:
            self._store.restore(self._token)
        except StoreError as exc:
            self._failed(str(exc))
            return
        self._done = False
        self._restored()

    def redo(self) -> None:
        if self._done:
            return  # the first redo is the deletion itself, made before the push
        try:
            self._token = self._delete_again()
        except StoreError as exc:
            self._failed(str(exc))
            return
        self._done = True


class UndoBar(QFrame):
    """Says what was deleted, with an Undo button; hidden by undo or its close button."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.undo_button = QPushButton("Undo", self)
        self.undo_button.setAccessibleName("Undo the deletion")
        close = QToolButton(self)
        close.setIcon(icon("close"))
        close.setAutoRaise(True)
        close.setAccessibleName("Hide")
        close.setToolTip("Hide")
        close.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 2, 2)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.undo_button)
        layout.addWidget(close)
        self.hide()

    def show_deleted(self, what: str) -> None:
        self.label.setText(f"Deleted {what}.")
        self.show()


NOTE_LINES = 2


class NoteBar(QLabel):
    """A line of text that fades away after a while; errors stay until the next note.

    Its room is kept while it is hidden and it never grows: a note that came and went must
    not move the panel above it (a click meant for the undo bar would land on the History
    toolbar). A note longer than NOTE_LINES lines is cut, and shown whole as a tooltip."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setAccessibleName("Library messages")
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setContentsMargins(4, 2, 4, 2)
        self.setFixedHeight(self.fontMetrics().lineSpacing() * NOTE_LINES + 4)
        policy = self.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.setSizePolicy(policy)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(NOTE_MS)
        self._timer.timeout.connect(self.hide)
        self.hide()

    def _say(self, text: str) -> None:
        self.setText(text)
        self.setToolTip(text)
        self.show()

    def note(self, text: str) -> None:
        self._say(text)
        self._timer.start()

    def error(self, text: str) -> None:
        self._timer.stop()
        self._say(text)
