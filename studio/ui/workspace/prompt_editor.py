"""The prompt editor: Markdown-aware highlighting, Ctrl+Enter to send, Up/Down for history."""

from __future__ import annotations

import re

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import (
    QFont,
    QFontDatabase,
    QKeyEvent,
    QKeySequence,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
)
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from studio.core.variables import VARIABLE_RE
from studio.ui.style import colors
from studio.ui.workspace.history import PromptHistory

_HEADING_RE = re.compile(r"^#{1,6}\s.*$")
_FENCE_RE = re.compile(r"^\s*(```|~~~)")
_INLINE_CODE_RE = re.compile(r"`[^`\n]+`")
_EMPHASIS_RE = re.compile(r"(\*\*[^*\n]+\*\*|__[^_\n]+__)")
_LIST_RE = re.compile(r"^\s*([-*+]|\d+[.)])\s")

_IN_FENCE = 1


class MarkdownHighlighter(QSyntaxHighlighter):
    """Just enough Markdown to read a prompt's structure: headings, fences, code, variables."""

    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        c = colors()
        self._heading = QTextCharFormat()
        self._heading.setFontWeight(QFont.Weight.Bold)
        self._heading.setForeground(c.accent)
        self._code = QTextCharFormat()
        self._code.setForeground(c.success)
        self._strong = QTextCharFormat()
        self._strong.setFontWeight(QFont.Weight.Bold)
        self._marker = QTextCharFormat()
        self._marker.setForeground(c.muted)
        self._variable = QTextCharFormat()
        self._variable.setForeground(c.warning)
        self._variable.setFontWeight(QFont.Weight.Bold)

    def highlightBlock(self, text: str) -> None:
        in_fence = self.previousBlockState() == _IN_FENCE
        if _FENCE_RE.match(text):
            self.setFormat(0, len(text), self._code)
            self.setCurrentBlockState(0 if in_fence else _IN_FENCE)
            return
        self.setCurrentBlockState(_IN_FENCE if in_fence else 0)
        if in_fence:
            self.setFormat(0, len(text), self._code)
        else:
            if _HEADING_RE.match(text):
                self.setFormat(0, len(text), self._heading)
            list_marker = _LIST_RE.match(text)
            if list_marker:
                self.setFormat(list_marker.start(1), len(list_marker.group(1)), self._marker)
            for m in _EMPHASIS_RE.finditer(text):
                self.setFormat(m.start(), m.end() - m.start(), self._strong)
            for m in _INLINE_CODE_RE.finditer(text):
                self.setFormat(m.start(), m.end() - m.start(), self._code)
        # Variables stand out even inside code: they are replaced before sending.
        for m in VARIABLE_RE.finditer(text):
            self.setFormat(m.start(), m.end() - m.start(), self._variable)


def editor_font() -> QFont:
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    font.setStyleHint(QFont.StyleHint.Monospace)
    return font


class PromptEditor(QPlainTextEdit):
    """Emits `submitted` on Ctrl+Enter and `followUpSubmitted` on Ctrl+Shift+Enter; Up on
    the first line / Down on the last walk history."""

    submitted = Signal()
    followUpSubmitted = Signal()

    def __init__(self, history: PromptHistory, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._history = history
        self.setFont(editor_font())
        self.setTabChangesFocus(True)
        self.setPlaceholderText("Write a prompt. Ctrl+Enter sends it to every selected model. "
                                "{{name}} placeholders are asked for before sending.")
        self.setAccessibleName("Prompt")
        self.setAccessibleDescription("Ctrl+Enter sends; Up and Down walk earlier prompts")
        self._highlighter = MarkdownHighlighter(self.document())
        self.textChanged.connect(self._on_edited)
        self._replacing = False

    @property
    def history(self) -> PromptHistory:
        return self._history

    def _on_edited(self) -> None:
        if not self._replacing and self._history.navigating:
            # Editing a recalled prompt makes it the new draft.
            self._history.reset_navigation()

    def _show(self, text: str) -> None:
        self._replacing = True
        try:
            self.setPlainText(text)
            self.moveCursor(QTextCursor.MoveOperation.End)
        finally:
            self._replacing = False

    def event(self, event: QEvent) -> bool:
        # Ctrl+Z undoes typing here; with nothing left to undo in the text, the key goes on
        # to the window's Undo (which brings back what a reopened run replaced), and the same
        # for Redo.
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            document = self.document()
            if (event.matches(QKeySequence.StandardKey.Undo)
                    and not document.isUndoAvailable()) or (
                    event.matches(QKeySequence.StandardKey.Redo)
                    and not document.isRedoAvailable()):
                event.ignore()
                return False
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        mods = event.modifiers()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and (
                mods & Qt.KeyboardModifier.ControlModifier):
            event.accept()
            if mods & Qt.KeyboardModifier.ShiftModifier:
                self.followUpSubmitted.emit()
            else:
                self.submitted.emit()
            return
        plain = not (mods & ~Qt.KeyboardModifier.KeypadModifier)
        cursor = self.textCursor()
        if plain and key == Qt.Key.Key_Up and not cursor.hasSelection() \
                and cursor.blockNumber() == 0:
            previous = self._history.older(self.toPlainText())
            if previous is not None:
                self._show(previous)
                event.accept()
                return
        if plain and key == Qt.Key.Key_Down and not cursor.hasSelection() \
                and cursor.blockNumber() == self.document().blockCount() - 1 \
                and self._history.navigating:
            following = self._history.newer()
            if following is not None:
                self._show(following)
                event.accept()
                return
        super().keyPressEvent(event)

    def remember(self, prompt: str) -> None:
        self._history.add(prompt)
