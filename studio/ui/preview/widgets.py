"""Small widgets of the preview pane: the console panel and the status banner."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QFont, QFontDatabase, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.ui.preview.console import ERROR, WARNING, ConsoleLog

_COLOURS = {ERROR: "#d33", WARNING: "#b80"}
_KIND_TAGS = {"dialog": "dialog", "sandbox": "sandbox"}


class ConsolePanel(QWidget):
    """Shows a ConsoleLog, appending only what is new (never re-rendering the whole log)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._log: ConsoleLog | None = None
        self._shown_seq = 0
        self._text = QPlainTextEdit(self)
        self._text.setReadOnly(True)
        self._text.setUndoRedoEnabled(False)
        self._text.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setStyleHint(QFont.StyleHint.Monospace)
        self._text.setFont(font)
        self._summary = QLabel(self)
        clear = QPushButton("Clear", self)
        clear.clicked.connect(self.clear)
        head = QHBoxLayout()
        head.setContentsMargins(4, 2, 4, 2)
        head.addWidget(self._summary, 1)
        head.addWidget(clear)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(head)
        layout.addWidget(self._text, 1)

    def set_log(self, log: ConsoleLog | None) -> None:
        self._log = log
        self._text.clear()
        self._shown_seq = 0
        if log is not None:
            self._text.setMaximumBlockCount(log.capacity)
        self.refresh()

    def refresh(self) -> None:
        log = self._log
        if log is None:
            self._summary.setText("No page")
            return
        new = log.since(self._shown_seq)
        if new and new[0].seq > self._shown_seq + 1 and self._shown_seq:
            self._text.appendPlainText(f"… {new[0].seq - self._shown_seq - 1} messages not shown")
        if log.total == 0 and self._shown_seq and not new:
            # The log was cleared for a new document.
            self._text.clear()
        for entry in new:
            tag = _KIND_TAGS.get(entry.kind, "")
            prefix = f"[{tag}] " if tag else ""
            line = f" <span style='color:#888'>line {entry.line}</span>" if entry.line else ""
            colour = _COLOURS.get(entry.level)
            body = html.escape(prefix + entry.message)
            if colour:
                body = f"<span style='color:{colour}'>{body}</span>"
            self._text.appendHtml(f"{body}{line}")
        if new:
            self._shown_seq = new[-1].seq
        dropped = f", {log.dropped} dropped" if log.dropped else ""
        self._summary.setText(f"{log.total} messages, {log.error_count} errors{dropped}")

    def clear(self) -> None:
        if self._log is not None:
            self._shown_seq = self._log.last_seq
        self._text.clear()

    def text(self) -> str:
        return self._text.toPlainText()


class StatusBanner(QFrame):
    """Says what went wrong with the page (crashed, not responding) and offers a reload."""

    reloadRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("previewStatusBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("#previewStatusBanner { background: #fff3cd; color: #5c4400; }")
        self._label = QLabel(self)
        self._label.setWordWrap(True)
        button = QPushButton("Reload", self)
        button.clicked.connect(self.reloadRequested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self._label, 1)
        layout.addWidget(button)
        self.hide()

    def show_message(self, text: str) -> None:
        self._label.setText(text)
        self.show()

    def message(self) -> str:
        return "" if self.isHidden() else self._label.text()


class AwayNotice(QWidget):
    """Stands in the pane while the preview is shown in its own window."""

    bringBack = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        label = QLabel("This preview is shown in its own window.", self)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        back = QPushButton("Bring it back", self)
        back.clicked.connect(self.bringBack)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(label)
        layout.addWidget(back, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)


class PreviewWindow(QWidget):
    """The pop-out window: Esc leaves full screen (or closes the window when it is not full
    screen), Ctrl+W closes it, F11 toggles full screen; closing brings the preview back."""

    closed = Signal()

    def __init__(self, title: str, owner: QWidget) -> None:
        # Owned by the pane (so it goes when the pane goes) but a window of its own.
        super().__init__(owner, Qt.WindowType.Window)
        self.setWindowTitle(title)
        self.body_layout = QVBoxLayout(self)
        self.body_layout.setContentsMargins(0, 0, 0, 0)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self._escape)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Close), self, self.close)
        QShortcut(QKeySequence(Qt.Key.Key_F11), self, self._toggle_full_screen)

    def _escape(self) -> None:
        if self.isFullScreen():
            self.showNormal()
        else:
            self.close()

    def _toggle_full_screen(self) -> None:
        if self.isFullScreen():
            self.showNormal()
        else:
            self.showFullScreen()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.closed.emit()
        super().closeEvent(event)
