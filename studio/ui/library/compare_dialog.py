"""Two saved runs side by side: per model, the old answer and the new one with their metrics.

Models are matched by "provider:model" (the second pane with the same model matches the
second one, and so on); a model in only one run gets an empty cell that says so. For threads,
a turn chooser walks the turns of each run's current branch.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from studio.store import Response, Run, RunId, Store, StoreError, Turn
from studio.ui.library.formatting import first_line, full_time, metrics
from studio.ui.library.rating import RatingWidget


@dataclass(frozen=True, slots=True)
class ComparedModel:
    model: str
    old: Response | None
    new: Response | None


def _occurrences(run: Run) -> list[tuple[str, int, int]]:
    """(model, n-th time this model appears, slot) for each pane of the run."""
    seen: dict[str, int] = {}
    keyed = []
    for slot, entry in enumerate(run.models):
        model = str(entry.ref)
        keyed.append((model, seen.get(model, 0), slot))
        seen[model] = seen.get(model, 0) + 1
    return keyed


def pair_answers(old: Run, new: Run, turn: int) -> list[ComparedModel]:
    """The two runs' answers to their `turn`-th prompt (0-based, along the current branch)."""
    old_branch = old.branch()
    new_branch = new.branch()
    old_turn: Turn | None = old_branch[turn] if turn < len(old_branch) else None
    new_turn: Turn | None = new_branch[turn] if turn < len(new_branch) else None
    old_keys = _occurrences(old)
    new_keys = _occurrences(new)
    new_slots = {(m, n): slot for m, n, slot in new_keys}
    pairs: list[ComparedModel] = []
    matched: set[tuple[str, int]] = set()
    for model, n, slot in old_keys:
        other = new_slots.get((model, n))
        pairs.append(ComparedModel(
            model,
            old_turn.current(slot) if old_turn is not None else None,
            new_turn.current(other) if new_turn is not None and other is not None else None))
        matched.add((model, n))
    for model, n, slot in new_keys:
        if (model, n) not in matched:
            pairs.append(ComparedModel(
                model, None, new_turn.current(slot) if new_turn is not None else None))
    return pairs


class CompareRunsDialog(QDialog):
    """`rated(run_id)` after an answer's rating changed here (the history list updates)."""

    rated = Signal(int)

    def __init__(self, store: Store, old_run_id: RunId, new_run_id: RunId,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Compare runs")
        self.setAccessibleName("Compare runs")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(1100, 760)
        self._store = store
        self.old_run: Run = store.run(old_run_id)
        self.new_run: Run = store.run(new_run_id)
        self._cells: QWidget | None = None

        layout = QVBoxLayout(self)
        heads = QHBoxLayout()
        heads.addWidget(self._run_label("Old", self.old_run), 1)
        heads.addWidget(self._run_label("New", self.new_run), 1)
        layout.addLayout(heads)

        turns = max(len(self.old_run.branch()), len(self.new_run.branch()), 1)
        self.turn_combo = QComboBox(self)
        self.turn_combo.setAccessibleName("Turn to compare")
        for turn in range(turns):
            self.turn_combo.addItem(f"Turn {turn + 1}: {self._turn_prompt(turn)}")
        self.turn_combo.setVisible(turns > 1)
        self.turn_combo.currentIndexChanged.connect(self.show_turn)
        layout.addWidget(self.turn_combo)

        self.prompt_label = QLabel(self)
        self.prompt_label.setWordWrap(True)
        self.prompt_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.prompt_label)

        self.answers_area = QScrollArea(self)
        self.answers_area.setWidgetResizable(True)
        self.answers_area.setAccessibleName("Answers")
        layout.addWidget(self.answers_area, 1)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.pairs: list[ComparedModel] = []
        self.show_turn(0)

    @staticmethod
    def _run_label(which: str, run: Run) -> QLabel:
        title = run.title or first_line(run.body) or f"Run {run.id}"
        label = QLabel(f"<b>{which}:</b> {html.escape(title)} — {full_time(run.created_at)}")
        label.setWordWrap(True)
        label.setAccessibleName(f"{which} run")
        return label

    def _turn_prompt(self, turn: int) -> str:
        for run in (self.new_run, self.old_run):
            branch = run.branch()
            if turn < len(branch):
                return first_line(branch[turn].prompt, 60)
        return ""

    def show_turn(self, turn: int) -> None:
        self.pairs = pair_answers(self.old_run, self.new_run, turn)
        old_prompt = self._prompt_of(self.old_run, turn)
        new_prompt = self._prompt_of(self.new_run, turn)
        if old_prompt == new_prompt:
            self.prompt_label.setText(f"Prompt: {first_line(new_prompt or '', 300)}")
        else:
            self.prompt_label.setText(f"Old prompt: {first_line(old_prompt or '—', 200)}\n"
                                      f"New prompt: {first_line(new_prompt or '—', 200)}")
        cells = QWidget()
        grid = QGridLayout(cells)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        row = 0
        for pair in self.pairs:
            header = QLabel(pair.model, cells)
            font = QFont(header.font())
            font.setBold(True)
            header.setFont(font)
            grid.addWidget(header, row, 0, 1, 2)
            grid.addWidget(self._cell(cells, "old", pair.model, pair.old), row + 1, 0)
            grid.addWidget(self._cell(cells, "new", pair.model, pair.new), row + 1, 1)
            row += 2
        grid.setRowStretch(row, 1)
        self.answers_area.setWidget(cells)  # the previous turn's widgets are deleted with it
        self._cells = cells

    @staticmethod
    def _prompt_of(run: Run, turn: int) -> str | None:
        branch = run.branch()
        return branch[turn].prompt if turn < len(branch) else None

    def _cell(self, parent: QWidget, which: str, model: str,
              response: Response | None) -> QWidget:
        if response is None:
            run = self.old_run if which == "old" else self.new_run
            asked = any(str(e.ref) == model for e in run.models)
            missing = QLabel(f"Not asked in this turn of the {which} run" if asked
                             else f"Not in the {which} run", parent)
            missing.setEnabled(False)  # drawn in the palette's disabled text colour
            missing.setAlignment(Qt.AlignmentFlag.AlignCenter)
            missing.setAccessibleName(f"{which.capitalize()} answer from {model}: missing")
            return missing
        cell = QWidget(parent)
        box = QVBoxLayout(cell)
        box.setContentsMargins(0, 0, 0, 6)
        text = QPlainTextEdit(cell)
        text.setReadOnly(True)
        text.setPlainText(response.text)
        text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        text.setMinimumHeight(180)
        text.setAccessibleName(f"{which.capitalize()} answer from {model}")
        box.addWidget(text, 1)
        figures = QLabel(metrics(response), cell)
        figures.setWordWrap(True)
        figures.setAccessibleName(f"{which.capitalize()} metrics for {model}")
        box.addWidget(figures)
        rating = RatingWidget.for_response(self._store, response, cell)
        run_id = response.run_id
        rating.rated.connect(lambda *_: self.rated.emit(int(run_id)))
        box.addWidget(rating)
        return cell

    def answer_texts(self) -> dict[str, tuple[str | None, str | None]]:
        """model → (old answer, new answer) for the turn shown; None where it is missing."""
        return {p.model: (p.old.text if p.old else None, p.new.text if p.new else None)
                for p in self.pairs}


def open_compare(store: Store, old_run_id: int, new_run_id: int,
                 parent: QWidget | None = None) -> CompareRunsDialog | None:
    """Open the dialog (non-blocking); None if a run is gone."""
    try:
        dialog = CompareRunsDialog(store, RunId(old_run_id), RunId(new_run_id), parent)
    except StoreError:
        return None
    dialog.open()
    return dialog
