"""The batch window: the grid of one batch, its controls, and the selected row or column.

A window of its own, so a grid of dozens of prompts × eight models can take a whole
screen (a second monitor, say) while the workspace beside it shows the cell clicked last
with every feature it has. One batch is shown at a time; "Batches" lists the earlier ones.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QEvent, QPoint, Qt, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication
from PySide6.QtWidgets import QLabel, QMainWindow, QMenu, QSplitter, QStackedWidget, QWidget

from studio import APP_NAME
from studio.core.batch import Batch, CellState
from studio.store import StoreError
from studio.ui.grid.controller import BatchController
from studio.ui.grid.detail import SHEET_THUMB, DetailArea
from studio.ui.grid.faces import STATE_WORDS
from studio.ui.grid.model import GridModel
from studio.ui.grid.settings import GridSettings
from studio.ui.grid.thumbnails import Thumbnails
from studio.ui.grid.toolbar import BatchToolbar
from studio.ui.grid.view import GridView

if TYPE_CHECKING:
    from studio.ui.grid.wiring import Handlers

EMPTY = ("No batch yet.\n\nIn the library, right-click a collection (or select some prompts) "
         "and choose “Run as a batch…”: every prompt goes to every model of a model set, "
         "and the answers fill a grid here.")
Cells = list[tuple[int, int, int]]  # (run id, turn id, slot)


class BatchWindow(QMainWindow):
    """Signals: `openCell(row, col, response_id)` to show a cell's comparison in the
    workspace (the attempt whose answer is `response_id`, or the latest with -1);
    `judgeRowBlind(run_id, turn_id, response_ids)` (the row's cells' answers),
    `fixRequested(cells)` and `exportRequested(batch_id)`
    go out through the wiring, and their actions are shown only when `handlers()` says
    someone listens."""

    openCell = Signal(int, int, int)
    judgeRowBlind = Signal(int, int, list)
    fixRequested = Signal(list)
    exportRequested = Signal(int)

    def __init__(self, controller: BatchController, settings: GridSettings,
                 handlers: Callable[[], Handlers],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowFlag(Qt.WindowType.Window, True)
        self.setObjectName("batchWindow")
        self.setWindowTitle(f"Batches — {APP_NAME}")
        self.setAccessibleName("Batches")
        self.controller = controller
        self.settings = settings
        self._handlers = handlers
        self.model = GridModel(self)
        self.grid = GridView(self.model, controller.thumbnails, self)
        self.sheet_thumbnails = Thumbnails(controller.image_threads, controller.pictures,
                                           size=SHEET_THUMB, capacity=128, parent=self)
        self.detail = DetailArea(self.sheet_thumbnails, self)
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.grid)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.empty = QLabel(EMPTY, self)
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setEnabled(False)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.splitter)
        self.setCentralWidget(self.stack)
        self.toolbar = BatchToolbar(self)
        self.addToolBar(self.toolbar)
        self.resize(1500, 950)
        if settings.geometry:
            self.restoreGeometry(QByteArray.fromBase64(settings.geometry.encode()))
        if settings.splitter:
            self.splitter.restoreState(QByteArray.fromBase64(settings.splitter.encode()))
        else:
            self.splitter.setSizes([600, 350])

        c = controller
        c.shown.connect(self._shown)
        c.cellsChanged.connect(self._cells_changed)
        c.stateChanged.connect(self._update_controls)
        c.message.connect(self.say)
        c.thumbnails.ready.connect(self.model.picture_ready)
        t = self.toolbar
        t.pause.triggered.connect(c.pause)
        t.resume.triggered.connect(c.resume)
        t.cancel.triggered.connect(c.cancel)
        t.rerun_failed.triggered.connect(c.rerun_failed)
        t.fix_failed.triggered.connect(self._fix_failed)
        t.export.triggered.connect(self._export)
        t.limitsChanged.connect(lambda n, per: c.set_limits(n, per or None))
        t.batches_menu.aboutToShow.connect(self._fill_batches_menu)
        self.grid.cellClicked.connect(lambda r, col: self.openCell.emit(r, col, -1))
        self.grid.rowSelected.connect(self.select_row)
        self.grid.columnSelected.connect(self.select_column)
        self.grid.menuRequested.connect(self._menu)
        self.detail.openRequested.connect(lambda r, col: self.openCell.emit(r, col, -1))
        self._update_controls()

    # -- the batch on screen -------------------------------------------------------------------

    @property
    def batch(self) -> Batch | None:
        return self.controller.batch

    def _shown(self, batch: Batch) -> None:
        self.model.set_batch(batch, self.controller.targets)
        self.sheet_thumbnails.clear()
        self.detail.show_hint()
        self.stack.setCurrentWidget(self.splitter)
        self.setWindowTitle(f"Batch “{batch.title or batch.id}” — {APP_NAME}")
        self.toolbar.set_limits(batch.concurrency, batch.per_provider)
        self._update_controls()

    def _cells_changed(self, cells: list[tuple[int, int]], states: bool) -> None:
        self.model.cells_changed(cells, states)
        self.detail.cells_changed(cells)
        if states:
            self._update_controls()

    def _update_controls(self) -> None:
        c = self.controller
        batch = c.batch
        running = c.running
        paused = running and c.runner is not None and c.runner.limiter.paused
        t = self.toolbar
        t.pause.setEnabled(running and not paused)
        t.resume.setEnabled(c.can_resume())
        t.cancel.setEnabled(running)
        failed = batch is not None and any(x.state is CellState.FAILED for x in batch.cells)
        t.rerun_failed.setEnabled(failed and not c.busy)
        handlers = self._handlers()
        t.fix_failed.setVisible(handlers.fix)
        t.fix_failed.setEnabled(handlers.fix and bool(self._failed_checks()))
        t.export.setVisible(handlers.export)
        t.export.setEnabled(handlers.export and batch is not None and batch.id is not None)
        state = batch.state if batch is not None else None
        if paused and state is not None:
            from studio.core.batch import BatchState

            state = BatchState.PAUSED
        t.show_progress(c.progress(), state, running, c.slowed_down())

    def say(self, text: str, failed: bool = False) -> None:
        self.statusBar().showMessage(text, 12000 if failed else 6000)

    # -- selection -----------------------------------------------------------------------------

    def select_row(self, row: int) -> None:
        batch = self.batch
        if batch is not None and 0 <= row < len(batch.rows):
            self.grid.table.selectRow(row)
            self.detail.show_row(batch, row, self.controller.targets)

    def select_column(self, col: int) -> None:
        batch = self.batch
        if batch is not None and 0 <= col < len(batch.columns):
            self.grid.table.selectColumn(col)
            self.detail.show_column(batch, col)

    # -- menus ---------------------------------------------------------------------------------

    def _menu(self, row: int, col: int, where: QPoint) -> None:
        batch = self.batch
        if batch is None:
            return
        menu = QMenu(self)
        menu.setObjectName("batchCellMenu")
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        judge, fix, _export = self._handlers()
        if row >= 0 and col >= 0:
            self._cell_menu(menu, batch, row, col, fix)
        elif row >= 0:
            batch_row = batch.rows[row]
            menu.addAction("Show the pages side by side", lambda: self.select_row(row))
            menu.addAction("Open in the workspace", lambda: self.openCell.emit(row, 0, -1))
            if judge and batch_row.run_id is not None and batch_row.turn_id is not None:
                answers = [c.response_id for c in batch.row_cells(row)
                           if c.response_id is not None]
                menu.addAction("Judge this row blind…", lambda: self.judgeRowBlind.emit(
                    batch_row.run_id, batch_row.turn_id, answers))
            if fix:
                cells = self._cells_of([(row, c) for c in range(len(batch.columns))])
                action = menu.addAction("Show the models their pages…",
                                        lambda: self.fixRequested.emit(cells))
                action.setEnabled(bool(cells))
        elif col >= 0:
            menu.addAction("Show this model across all prompts", lambda: self.select_column(col))
        else:
            menu.deleteLater()
            return
        menu.popup(where)

    def _cell_menu(self, menu: QMenu, batch: Batch, row: int, col: int, fix: bool) -> None:
        cell = batch.cell(row, col)
        c = self.controller
        menu.addAction("Open in the workspace", lambda: self.openCell.emit(row, col, -1))
        rerun = menu.addAction("Re-run this cell (a new attempt; earlier ones are kept)",
                               lambda: c.rerun_cell(row, col))
        rerun.setEnabled(not cell.state.active and not c.busy)
        earlier = menu.addMenu("Attempts")
        earlier.setObjectName("batchAttemptsMenu")
        self._fill_attempts(earlier, batch, row, col)
        if fix:
            cells = self._cells_of([(row, col)])
            action = menu.addAction("Show the model its page…",
                                    lambda: self.fixRequested.emit(cells))
            action.setEnabled(bool(cells))
        menu.addSeparator()
        menu.addAction("Show this prompt's pages side by side", lambda: self.select_row(row))
        menu.addAction("Show this model across all prompts", lambda: self.select_column(col))
        copy = menu.addAction("Copy the answer", lambda: QGuiApplication.clipboard().setText(
            cell.text))
        copy.setEnabled(bool(cell.text))

    def _fill_attempts(self, menu: QMenu, batch: Batch, row: int, col: int) -> None:
        if batch.id is None:
            menu.setEnabled(False)
            return
        try:
            attempts = self.controller.store.batch_store().attempts(batch.id, row, col)
        except StoreError as exc:
            menu.addAction(f"Cannot read the attempts: {exc}").setEnabled(False)
            return
        for attempt in attempts:
            when = (datetime.datetime.fromtimestamp(attempt.finished_at).strftime("%H:%M:%S")
                    if attempt.finished_at else "")
            passed = sum(1 for r in attempt.checks if r.passed is True)
            judged = sum(1 for r in attempt.checks if r.passed is not None)
            text = f"Attempt {attempt.attempt + 1} · {attempt.state.value}"
            if judged:
                text += f" · checks {passed}/{judged}"
            if when:
                text += f" · {when}"
            response = attempt.response_id
            action = menu.addAction(text, self._opener(row, col, response or -1))
            action.setEnabled(response is not None)
        menu.setEnabled(bool(attempts))

    def _opener(self, row: int, col: int, response_id: int) -> Callable[[], None]:
        return lambda: self.openCell.emit(row, col, response_id)

    def _batch_opener(self, batch_id: int) -> Callable[[], object]:
        return lambda: self.controller.open(batch_id)

    def _fill_batches_menu(self) -> None:
        menu = self.toolbar.batches_menu
        menu.clear()
        try:
            found = self.controller.store.batch_store().summaries(limit=40)
        except StoreError as exc:
            menu.addAction(f"Cannot read the batches: {exc}").setEnabled(False)
            return
        if not found:
            menu.addAction("No batches yet").setEnabled(False)
        current = self.batch.id if self.batch is not None else None
        for s in found:
            finished = s.counts[CellState.DONE] + s.counts[CellState.FAILED]
            total = sum(s.counts.values())
            when = datetime.datetime.fromtimestamp(s.created_at).strftime("%Y-%m-%d %H:%M")
            text = (f"{s.title or 'Batch'} · {s.rows} × {s.columns} · {finished}/{total} "
                    f"· {STATE_WORDS[s.state]} · {when}")
            action = menu.addAction(text, self._batch_opener(s.id))
            action.setCheckable(True)
            action.setChecked(s.id == current)

    # -- checks to fix -------------------------------------------------------------------------

    def _failed_checks(self) -> list[tuple[int, int]]:
        batch = self.batch
        if batch is None:
            return []
        return [(c.row, c.col) for c in batch.cells if any(r.passed is False for r in c.checks)]

    def failed_check_cells(self) -> Cells:
        """The cells that failed a check and have a page to show their model."""
        return self._cells_of(self._failed_checks())

    def _fix_failed(self) -> None:
        cells = self.failed_check_cells()
        if cells:
            self.fixRequested.emit(cells)
        else:
            self.say("None of the answers that failed a check has a page to show.", True)

    def _export(self) -> None:
        batch = self.batch
        if batch is not None and batch.id is not None:
            self.exportRequested.emit(batch.id)

    def _cells_of(self, where: list[tuple[int, int]]) -> Cells:
        """The finished cells among `where` whose answer has a page, as (run, turn, slot)."""
        batch = self.batch
        if batch is None:
            return []
        found = []
        for row, col in where:
            batch_row = batch.rows[row]
            cell = batch.cell(row, col)
            if batch_row.run_id is not None and batch_row.turn_id is not None \
                    and cell.state.finished and cell.result is not None and cell.result.html:
                found.append((int(batch_row.run_id), int(batch_row.turn_id), col))
        return found

    # -- window --------------------------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.ActivationChange and self.isActiveWindow():
            self.controller.refresh_ratings()
            self._update_controls()

    def remember(self) -> None:
        self.settings.geometry = bytes(self.saveGeometry().toBase64().data()).decode()
        self.settings.splitter = bytes(self.splitter.saveState().toBase64().data()).decode()

    def closeEvent(self, event: QCloseEvent) -> None:
        # Closing the window hides it; the batch goes on (View ▸ Batches shows it again).
        self.remember()
        self.detail.show_hint()  # the row's previews go, with their renderers
        super().closeEvent(event)
