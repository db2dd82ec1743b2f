"""The leaderboard of your votes (or a judge model's, or both): ratings with 95 % intervals
on one axis, rank ranges, counts, the pairwise win rates, position bias, style control, and
how often the judge agreed with you, for the votes the filters choose.

The votes are read on the event loop's thread (SQLite connections stay on theirs) and the
fit runs on a worker thread; a newer request makes an older fit's result be ignored.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace

from PySide6.QtCore import QDate, QMetaMethod, Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from studio.core.arena import Vote
from studio.core.arena_agreement import Agreement, judge_agreement
from studio.core.arena_board import BoardOptions, Leaderboard, leaderboard
from studio.core.arena_fit import SCALE
from studio.store import CollectionId, Store, StoreError, VoteFilter
from studio.ui.arena.board_widgets import INTERVAL_COLUMN, BoardModel, HeatMap, IntervalDelegate

REFRESH_MS = 150  # votes landing in a row are fitted once
VOTERS = (("Your votes", "user"), ("The judge model's votes", "judge"),
          ("Both", None))


@dataclass(frozen=True, slots=True)
class BoardChoice:
    """What the view shows: which votes (`filters`) and how they are fitted (`options`) —
    what "Export report…" hands on."""

    filters: VoteFilter
    options: BoardOptions


@dataclass(frozen=True, slots=True)
class Fitted:
    board: Leaderboard
    agreement: tuple[Agreement, ...]
    chosen: int  # votes on the board
    seen: int  # votes matching the filters whoever cast them


def fit(votes: Sequence[Vote], filters: VoteFilter, options: BoardOptions) -> Fitted:
    """The board of the votes the filters choose, and each judge's agreement with you on
    the same filters (it needs both voters' votes). Pure: runs on a worker thread."""
    chosen = [v for v in votes if filters.voter_kind in (None, v.voter_kind)]
    return Fitted(leaderboard(chosen, options), tuple(judge_agreement(votes)), len(chosen),
                  len(votes))


def agreement_text(agreement: Sequence[Agreement]) -> str:
    lines = []
    for a in agreement:
        rate = f"{(a.rate or 0) * 100:.0f} %"
        decisive = (f"; {a.decisive_agreed} of {a.decisive} where you both named a winner"
                    if a.decisive else "")
        kappa = f", Cohen's κ {a.kappa:.2f}" if a.kappa is not None else ""
        lines.append(f"The judge {a.judge} agreed with you on {a.agreed} of {a.pairs} pairs "
                     f"({rate}{decisive}){kappa}.")
    return "\n".join(lines)


def details_text(board: Leaderboard) -> str:
    lines = []
    bias = board.position_bias
    if bias.rate is not None and bias.ci_low is not None and bias.ci_high is not None:
        lines.append(f"Position bias: the answer shown first (A) won {bias.rate * 100:.0f} % "
                     f"of {bias.decisive} decisive battles (95 % CI {bias.ci_low * 100:.0f}–"
                     f"{bias.ci_high * 100:.0f} %).")
    for effect in board.style:
        what = "answer length" if effect.feature == "answer_length" else "page code length"
        lines.append(f"Style control: {what} {effect.points:+.0f} points per typical "
                     f"difference (95 % CI {SCALE * effect.ci_low:+.0f} to "
                     f"{SCALE * effect.ci_high:+.0f}).")
    if len(board.groups) > 1:
        lines.append(f"{len(board.groups)} groups of models never met each other; ratings "
                     "compare only inside a group.")
    lines.extend(n[0].upper() + n[1:] + "." for n in board.notes if "groups" not in n)
    return "\n".join(lines)


class LeaderboardView(QWidget):
    exportRequested = Signal(object)  # BoardChoice
    refreshed = Signal()  # a new board is shown

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Leaderboard")
        self._store = store
        self.fitted: Fitted | None = None
        self._generation = 0
        self._task: asyncio.Task[None] | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self._start_fit)

        self.collection = self._combo("Collection")
        self.tag = self._combo("Tag")
        self.since_box = QCheckBox("From")
        self.since = QDateEdit(QDate.currentDate().addMonths(-1))
        self.until_box = QCheckBox("to")
        self.until = QDateEdit(QDate.currentDate())
        for edit, name in ((self.since, "First day"), (self.until, "Last day")):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setAccessibleName(name)
            edit.dateChanged.connect(self.refresh)
        for box in (self.since_box, self.until_box):
            box.toggled.connect(self.refresh)
        self.judged = self._combo("Judged on")
        for text, value in (("Answers and pages", None), ("Answers", "answers"),
                            ("Pages", "pages")):
            self.judged.addItem(text, value)
        self.voter = self._combo("Voter")
        for text, value in VOTERS:
            self.voter.addItem(text, value)
        self.style_control = QCheckBox("Style control")
        self.style_control.setToolTip("Answer length (and for pages, code length) as "
                                      "covariates: the ratings without \"longer looked "
                                      "better\"")
        self.style_control.toggled.connect(self.refresh)
        self.export_button = QPushButton("Export report…")
        self.export_button.setToolTip("Save this leaderboard as a report to share")
        self.export_button.clicked.connect(self.request_export)
        self.export_button.hide()
        filters = QHBoxLayout()
        for widget in (QLabel("Collection:"), self.collection, QLabel("Tag:"), self.tag,
                       self.since_box, self.since, self.until_box, self.until, self.judged,
                       self.voter, self.style_control):
            filters.addWidget(widget)
        filters.addStretch(1)
        filters.addWidget(self.export_button)

        self.summary = QLabel()
        self.summary.setAccessibleName("Leaderboard summary")
        self.model = BoardModel(self)
        self.table = QTableView()
        self.table.setAccessibleName("Ratings")
        self.table.setModel(self.model)
        self.table.setItemDelegateForColumn(INTERVAL_COLUMN, IntervalDelegate(self.model, self))
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(INTERVAL_COLUMN, QHeaderView.ResizeMode.Stretch)
        self.heat_map = HeatMap()
        heat = QScrollArea()
        heat.setWidget(self.heat_map)
        heat.setWidgetResizable(False)
        heat.setAccessibleName("Win rates")
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setAccessibleName("Position bias, style and notes")
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.agreement = QLabel()
        self.agreement.setWordWrap(True)
        self.agreement.setAccessibleName("Judge agreement")
        self.agreement.setAlignment(Qt.AlignmentFlag.AlignTop)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(QLabel("Win rates: how often the row model beat the column "
                                     "model in their decisive battles"))
        left_layout.addWidget(heat, 1)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.details)
        right_layout.addWidget(self.agreement)
        right_layout.addStretch(1)
        right.setMinimumWidth(320)
        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(left)
        lower.addWidget(right)
        lower.setStretchFactor(0, 1)
        lower.setStretchFactor(1, 1)
        self._lower = lower
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.summary)
        layout.addWidget(self.table)
        layout.addWidget(lower, 1)
        self.reload_choices()

    def _combo(self, name: str) -> QComboBox:
        combo = QComboBox()
        combo.setAccessibleName(name)
        combo.currentIndexChanged.connect(self.refresh)
        return combo

    # -- filters -------------------------------------------------------------------------

    def reload_choices(self) -> None:
        """The collections and tags to filter by, read again."""
        for combo, first in ((self.collection, "All"), (self.tag, "Any")):
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(first, None)
            try:
                if combo is self.collection:
                    for c in self._store.collections():
                        combo.addItem(self._store.collection_path(c.id), int(c.id))
                else:
                    for tag, _count in self._store.tags():
                        combo.addItem(tag, tag)
            except StoreError:
                pass
            combo.setCurrentIndex(max(0, combo.findData(current)) if current is not None else 0)
            combo.blockSignals(False)

    def choice(self) -> BoardChoice:
        def day(edit: QDateEdit, offset: int) -> float:
            d = edit.date().addDays(offset)
            return dt.datetime(d.year(), d.month(), d.day()).timestamp()

        collection = self.collection.currentData()
        filters = VoteFilter(
            collection_id=CollectionId(collection) if collection is not None else None,
            tag=self.tag.currentData(), voter_kind=self.voter.currentData(),
            judged=self.judged.currentData(),
            since=day(self.since, 0) if self.since_box.isChecked() else None,
            until=day(self.until, 1) if self.until_box.isChecked() else None)
        return BoardChoice(filters, BoardOptions(style_control=self.style_control.isChecked()))

    def set_voter(self, voter: str | None) -> None:
        self.voter.setCurrentIndex(max(0, self.voter.findData(voter)))

    # -- the board -----------------------------------------------------------------------

    def refresh(self, *_args: object) -> None:
        """Fit again (soon: several changes in a row make one fit)."""
        self._timer.start()

    def _start_fit(self) -> None:
        self._generation += 1
        generation = self._generation
        choice = self.choice()
        try:
            votes = self._store.votes(replace(choice.filters, voter_kind=None))
        except StoreError as exc:
            self.summary.setText(f"Cannot read the votes: {exc}")
            return
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._task = asyncio.ensure_future(self._fit(generation, votes, choice))

    async def _fit(self, generation: int, votes: list[Vote], choice: BoardChoice) -> None:
        fitted = await asyncio.to_thread(fit, votes, choice.filters, choice.options)
        if generation == self._generation:
            self.show_fitted(fitted)

    def show_fitted(self, fitted: Fitted) -> None:
        self.fitted = fitted
        board = fitted.board
        self.model.set_board(board)
        self._fit_table()
        self.heat_map.set_board(board)
        # The heat map gets the room it draws in; the notes beside it the rest.
        room = self.heat_map.sizeHint().width() + 24
        total = sum(self._lower.sizes())
        if total > room + 320:
            self._lower.setSizes([room, total - room])
        if board.models:
            self.summary.setText(f"{board.battles} battles from {fitted.chosen} votes; ratings "
                                 "average 1000 in each group, 95 % intervals (robust).")
        elif fitted.seen:
            self.summary.setText(f"None of the {fitted.seen} matching votes is by this voter.")
        else:
            self.summary.setText("No votes here yet: judge answers blind (View ▸ Blind mode, "
                                 "or the battle queue) and the leaderboard fills in.")
        self.details.setText(details_text(board))
        self.agreement.setText(agreement_text(fitted.agreement))
        self.agreement.setVisible(bool(fitted.agreement))
        self.refreshed.emit()

    def _fit_table(self) -> None:
        """The table as tall as its rows (up to half the view; it scrolls beyond)."""
        table = self.table
        rows = max(1, self.model.rowCount())
        height = (table.horizontalHeader().height() + rows * table.verticalHeader()
                  .defaultSectionSize() + 2 * table.frameWidth() + 2)
        table.setFixedHeight(min(height, max(160, self.height() // 2)))

    @property
    def busy(self) -> bool:
        return self._timer.isActive() or (self._task is not None and not self._task.done())

    async def shutdown(self) -> None:
        self._timer.stop()
        task = self._task
        if task is not None and not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    # -- export --------------------------------------------------------------------------

    def export_available(self) -> bool:
        """Whether something takes `exportRequested` (the report exporter, once wired)."""
        return self.isSignalConnected(QMetaMethod.fromSignal(self.exportRequested))

    def request_export(self) -> None:
        if self.export_available():
            self.exportRequested.emit(self.choice())

    def connectNotify(self, signal: QMetaMethod) -> None:
        super().connectNotify(signal)
        if signal == QMetaMethod.fromSignal(self.exportRequested):
            # (Asking Qt whether the signal is connected here would wait on the lock that the
            # connection being made holds.)
            self.export_button.show()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.export_button.setVisible(self.export_available())
        self.refresh()

