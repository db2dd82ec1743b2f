"""Pick two answers and read their differences side by side (read-only, non-modal): two
panes' answers, or two attempts of one model's answer."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from studio.core.thread import Answer
from studio.ui.style import colors, css
from studio.ui.workspace.diff import DiffColors, DiffRow, render_html, side_by_side, stats


class DiffDialog(QDialog):
    """`answers` are (label, text) pairs, one per pane; `left`/`right` preselect two."""

    def __init__(self, answers: list[tuple[str, str]], left: int, right: int,
                 parent: QWidget | None = None, *, title: str = "Compare two answers") -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.resize(1100, 700)
        self._answers = answers
        self.rows: list[DiffRow] = []
        layout = QVBoxLayout(self)
        pick = QHBoxLayout()
        self.left_combo = self._combo("Left answer")
        self.right_combo = self._combo("Right answer")
        pick.addWidget(QLabel("Left:"))
        pick.addWidget(self.left_combo, 1)
        pick.addWidget(QLabel("Right:"))
        pick.addWidget(self.right_combo, 1)
        layout.addLayout(pick)
        self.summary = QLabel()
        self.summary.setAccessibleName("Summary of differences")
        layout.addWidget(self.summary)
        self.view = QTextBrowser()
        self.view.setAccessibleName("Differences")
        self.view.setOpenLinks(False)
        layout.addWidget(self.view, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.left_combo.setCurrentIndex(left)
        self.right_combo.setCurrentIndex(right)
        self.left_combo.currentIndexChanged.connect(self.refresh)
        self.right_combo.currentIndexChanged.connect(self.refresh)
        self.refresh()

    def _combo(self, name: str) -> QComboBox:
        combo = QComboBox()
        combo.setAccessibleName(name)
        for label, _text in self._answers:
            combo.addItem(label)
        return combo

    def set_pair(self, left: int, right: int) -> None:
        self.left_combo.setCurrentIndex(left)
        self.right_combo.setCurrentIndex(right)
        self.refresh()

    def refresh(self) -> None:
        a = self._answers[self.left_combo.currentIndex()][1]
        b = self._answers[self.right_combo.currentIndex()][1]
        self.rows = side_by_side(a, b)
        s = stats(self.rows)
        self.summary.setText(f"{s.changed} changed, {s.removed} only left, {s.added} only "
                             f"right, {s.equal} identical lines")
        c = colors(self.palette())
        self.view.setHtml(render_html(self.rows, DiffColors(
            removed_line=css(c.removed_bg), added_line=css(c.added_bg),
            removed_word=css(c.removed_word_bg), added_word=css(c.added_word_bg),
            number=css(c.muted)), digit_px=self.view.fontMetrics().horizontalAdvance("0")))


def attempts_dialog(attempts: list[Answer], shown: int, title: str,
                    parent: QWidget | None = None) -> DiffDialog | None:
    """The attempts of one model's answer side by side: the one shown on the right, the one
    before it on the left (None when there is only one attempt)."""
    if len(attempts) < 2:
        return None
    right = shown if shown > 0 else 1
    answers = [(f"attempt {a.attempt + 1}", a.text) for a in attempts]
    return DiffDialog(answers, right - 1, right, parent, title=f"Compare attempts of {title}")
