"""How batches plug into the main window: menu actions, the library's "Run as a batch…",
opening a cell in the workspace, the notice about interrupted batches, and shutting down.

`GridWiring` is made by the main window and owns everything of the batches; the batch
window, its controller and its threads are built only when first needed, so a session
that runs no batch pays nothing for them. Three signals go out for features that live
elsewhere — `judgeRowBlind(run_id, turn_id, [the row's cells' response ids])`,
`fixRequested([(run_id, turn_id, slot)])` and `exportRequested(batch_id)` — and their
actions appear in the batch window only while something is connected (the main window
connects the arena, the fix-it loop and reports).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, NamedTuple

from PySide6.QtCore import QMetaMethod, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QMenu, QWidget

from studio.ui.ahead_imports import AheadImporter

if TYPE_CHECKING:
    from studio.core.batch import Batch
    from studio.core.runner import ModelTarget
    from studio.ui.grid.controller import BatchController
    from studio.ui.grid.notice import InterruptedNotice
    from studio.ui.grid.settings import GridSettings
    from studio.ui.grid.start_dialog import StartBatchDialog
    from studio.ui.grid.window import BatchWindow
    from studio.ui.main_window import MainWindow

log = logging.getLogger(__name__)
NOTICE_DELAY_MS = 300  # after start-up's first paint: the notice is not urgent
# The batch window's modules are imported a module at a time from this long after
# start-up (see ahead_imports): else the first batch imports them all in the event that
# builds its window. Modules only: the window and its controller are built when needed.
AHEAD_DELAY_MS = 1000
AHEAD = ("studio.ui.grid.controller", "studio.ui.grid.window", "studio.ui.grid.planning",
         "studio.ui.grid.start_dialog", "studio.ui.grid.settings",
         "studio.ui.preview.view", "studio.ui.preview.grid")  # the last two used in functions


class Handlers(NamedTuple):
    """Which of the grid's requests someone takes."""

    judge: bool  # judging a row blind
    fix: bool  # showing models their pages
    export: bool  # a batch as a report


class GridWiring(QObject):
    judgeRowBlind = Signal(int, int, list)
    fixRequested = Signal(list)
    exportRequested = Signal(int)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self._settings: GridSettings | None = None
        self._controller: BatchController | None = None
        self._batch_window: BatchWindow | None = None
        self.dialog: StartBatchDialog | None = None
        self.notice: InterruptedNotice | None = None
        self.ahead: AheadImporter | None = None
        self.show_action = QAction("&Batches", window)
        self.show_action.setShortcut(QKeySequence("Ctrl+Shift+B"))
        self.show_action.setStatusTip("The batch window: prompts × models as a grid")
        self.show_action.triggered.connect(self.show_window)
        self.run_action = QAction("Run as a &batch…", window)
        self.run_action.setStatusTip("Run the collection or the prompts selected in the "
                                     "library against a model set")
        self.run_action.triggered.connect(self._run_library_selection)
        window.addAction(self.show_action)
        for name, action in (("viewMenu", self.show_action), ("runMenu", self.run_action)):
            menu = window.findChild(QMenu, name)
            if menu is not None:
                menu.addSeparator()
                menu.addAction(action)
        available = window.store is not None
        self.show_action.setEnabled(available)
        self.run_action.setEnabled(available)
        if available:
            QTimer.singleShot(NOTICE_DELAY_MS, self, self.check_interrupted)
            self.ahead = AheadImporter(AHEAD, "studio.", self)
            self.ahead.start(AHEAD_DELAY_MS)

    # -- what is built on demand ---------------------------------------------------------------

    @property
    def settings(self) -> GridSettings:
        if self._settings is None:
            from studio.ui.grid.settings import load_grid_settings

            self._settings = load_grid_settings(self.window.paths.settings_file)
        return self._settings

    @property
    def controller(self) -> BatchController | None:
        if self._controller is None and self.window.store is not None:
            from studio.ui.grid.controller import BatchController

            self._controller = BatchController(self.window.store, self.window.engine,
                                               self.window.registry, self)
            self._controller.message.connect(self._tell)
        return self._controller

    @property
    def batch_window(self) -> BatchWindow | None:
        controller = self.controller
        if self._batch_window is None and controller is not None:
            from studio.ui.grid.window import BatchWindow

            # A window of its own (no parent): it may sit beside or behind the workspace.
            win = BatchWindow(controller, self.settings, self.handlers)
            win.openCell.connect(self.open_cell)
            win.judgeRowBlind.connect(self.judgeRowBlind)
            win.fixRequested.connect(self.fixRequested)
            win.exportRequested.connect(self.exportRequested)
            self._batch_window = win
        return self._batch_window

    def handlers(self) -> Handlers:
        """Whether anyone handles each request (judging a row blind, showing models their
        pages, exporting a batch)."""
        return Handlers(*(self.isSignalConnected(QMetaMethod.fromSignal(signal)) for signal in
                          (self.judgeRowBlind, self.fixRequested, self.exportRequested)))

    def show_window(self) -> BatchWindow | None:
        win = self.batch_window
        if win is None:
            self._tell("Batches need the history, which could not be opened.", True)
            return None
        win.show()
        win.raise_()
        win.activateWindow()
        return win

    # -- starting ------------------------------------------------------------------------------

    def _run_library_selection(self) -> None:
        panel = self.window.library
        chosen = panel.collections.batch_selection() if panel is not None else None
        if chosen is None:
            self._tell("Select a collection, or some prompts, in the library first.", True)
            return
        self.start_from_library(*chosen)

    def start_from_library(self, title: str, collection_id: int | None,
                           prompt_ids: list[int]) -> StartBatchDialog | None:
        """Ask how to run the selection (models, limits, judge) with its estimate, then run."""
        store = self.window.store
        controller = self.controller
        if store is None or controller is None:
            self._tell("Batches need the history, which could not be opened.", True)
            return None
        if self.dialog is not None:
            self.dialog.raise_()
            return self.dialog
        from studio.ui.grid.planning import Selection
        from studio.ui.grid.start_dialog import StartBatchDialog

        sets = self.window.model_sets
        dialog = StartBatchDialog(
            store, Selection(title, collection_id, tuple(prompt_ids)),
            registry=self.window.registry, prices=self.window.engine.prices,
            resolve=controller.resolver(), current=self.window.model_bar.targets(),
            model_sets=sets.names(), model_set=sets.get, settings=self.settings,
            parent=self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog

        def finished(result: int) -> None:
            self.dialog = None
            self._save_settings()
            if result == QDialog.DialogCode.Accepted and dialog.planned is not None:
                self.start(dialog.planned, dialog.targets)

        dialog.finished.connect(finished)
        dialog.open()
        return dialog

    def start(self, planned: Batch, targets: list[ModelTarget]) -> bool:
        controller = self.controller
        if controller is None or not controller.start(planned, targets):
            return False
        self.show_window()
        return True

    # -- opening a cell ------------------------------------------------------------------------

    def open_cell(self, row: int, col: int, response_id: int = -1) -> bool:
        """The cell's comparison in the workspace (its row's run, its model's pane), showing
        the attempt whose answer is `response_id` (-1: the latest)."""
        controller = self.controller
        batch = controller.batch if controller is not None else None
        if batch is None or not (0 <= row < len(batch.rows)):
            return False
        batch_row = batch.rows[row]
        if batch_row.run_id is None:
            return False
        win = self.window
        comparison = win.reopen_run(int(batch_row.run_id), batch_row.turn_id)
        if comparison is None:
            return False
        if response_id >= 0 and batch_row.turn_id is not None:
            comparison.pick_attempts(int(batch_row.turn_id), [response_id])
        win.pane_area.set_current(col)
        win.show_workspace()
        cell = batch.cell(row, col)
        if not cell.state.finished:
            win.statusBar().showMessage(
                f"That cell is {cell.state.value}: its answer shows here once it is in.", 8000)
        self.raise_workspace()
        return True

    def front(self) -> QWidget:
        """The parent of a dialog the batch window asks for: that window while it is shown
        (the dialog opens where the user is), else the main window."""
        grid = self._batch_window
        return grid if grid is not None and grid.isVisible() else self.window

    def raise_workspace(self) -> None:
        """Bring the workspace forward when the batch window covers it (side by side, or on
        another screen, both stay as they are)."""
        top = self.window.window()
        grid = self._batch_window
        if grid is not None and grid.isVisible() \
                and not grid.frameGeometry().intersects(top.frameGeometry()):
            return
        top.raise_()
        top.activateWindow()

    # -- interrupted batches -------------------------------------------------------------------

    def check_interrupted(self) -> None:
        """Batches whose process ended (a crash, a kill, a quit mid-batch) are marked
        interrupted and offered for resume."""
        store = self.window.store
        if store is None:
            return
        from studio.core.batch import BatchState
        from studio.store import StoreError

        try:
            batches = store.batch_store()
            batches.mark_interrupted()
            found = [s for s in batches.summaries(limit=20)
                     if s.state is BatchState.INTERRUPTED]
        except StoreError as exc:
            log.warning("cannot look for interrupted batches: %s", exc)
            return
        if not found:
            return
        from studio.ui.grid.notice import InterruptedNotice

        notice = InterruptedNotice(found, self.window)
        notice.resumeRequested.connect(self.resume_batch)
        notice.showRequested.connect(self.open_batch)
        notice.destroyed.connect(self._notice_gone)
        self.notice = notice
        self.window.statusBar().addPermanentWidget(notice)

    def resume_batch(self, batch_id: int) -> bool:
        controller = self.controller
        if controller is None or not controller.resume_saved(batch_id):
            return False
        self._drop_notice(batch_id)
        self.show_window()
        return True

    def open_batch(self, batch_id: int) -> bool:
        controller = self.controller
        if controller is None or not controller.open(batch_id):
            return False
        self.show_window()
        return True

    def _drop_notice(self, batch_id: int) -> None:
        notice = self.notice
        if notice is not None and notice.forget(batch_id):
            self.notice = None

    def _notice_gone(self) -> None:
        self.notice = None

    # -- the rest ------------------------------------------------------------------------------

    def _tell(self, text: str, failed: bool = False) -> None:
        self.window.statusBar().showMessage(text, 12000 if failed else 6000)
        win = self._batch_window
        if win is not None and win.isVisible():
            win.say(text, failed)

    def _save_settings(self) -> None:
        if self._settings is None:
            return
        from studio.ui.grid.settings import save_grid_settings

        if self._batch_window is not None:
            self._batch_window.remember()
        save_grid_settings(self.window.paths.settings_file, self._settings)

    def close(self) -> None:
        """The main window closes: remember the batch window's place, close it."""
        self._save_settings()
        win = self._batch_window
        if win is not None:
            win.close()

    async def shutdown(self) -> None:
        """Stop a running batch (it is left interrupted) and end the batch threads."""
        controller, self._controller = self._controller, None
        if controller is not None:
            await controller.shutdown()
        win, self._batch_window = self._batch_window, None
        if win is not None:
            win.close()
            win.deleteLater()
