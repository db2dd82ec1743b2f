"""The main window's library: the docked panel, its undo/redo, and ratings in the panes.

The dock exists from the start (so the saved window state can place or hide it), but the
panel inside is built only after the dock has first been painted: the window appears
without waiting for the history, and a library hidden last time costs nothing until it
is shown. Whatever reaches for `library` earlier builds it there and then.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QDockWidget, QFileDialog, QMainWindow, QWidget

from studio.store import ResponseId, RunId, StoreError
from studio.ui.placeholder import Placeholder

if TYPE_CHECKING:
    from PySide6.QtWidgets import QStatusBar

    from studio.core.thread import Answer
    from studio.store import Prompt, Store
    from studio.ui.grid.wiring import GridWiring
    from studio.ui.library.compare_dialog import CompareRunsDialog
    from studio.ui.library.panel import LibraryPanel
    from studio.ui.library.rating import RatingWidget
    from studio.ui.report import ReportExports
    from studio.ui.workspace.actions import WindowActions
    from studio.ui.workspace.comparison import Comparison
    from studio.ui.workspace.identity import Identity

LIBRARY_DOCK = "libraryDock"  # object name: the key of the dock in the saved window state


class WindowLibrary:
    """Mixed into MainWindow (listed before QMainWindow)."""

    if TYPE_CHECKING:
        store: Store | None
        comparison: Comparison | None
        actions_: WindowActions
        reports: ReportExports
        grid: GridWiring
        identity: Identity

        def statusBar(self) -> QStatusBar: ...
        def load_prompt(self, prompt: Prompt) -> None: ...
        def reopen_run(self, run_id: int, turn: int | None = None) -> Comparison | None: ...
        def rerun_with_model_set(self, run_id: int, model_set: str | None
                                 ) -> Comparison | None: ...

    library_dock: QDockWidget | None
    undo_stack: QUndoStack
    _library: LibraryPanel | None
    _ratings: dict[ResponseId, tuple[int | None, str]]
    _ratings_run: RunId | None

    def _as_main_window(self) -> QMainWindow:
        assert isinstance(self, QMainWindow)
        return self

    def _init_library(self) -> None:
        self.library_dock = None
        self._library = None
        self._ratings = {}
        self._ratings_run = None
        self.undo_stack = self.actions_.undo_stack
        self.identity.changed.connect(self._hide_library_names)
        a = self.actions_
        a.import_.triggered.connect(self.import_collections)
        a.export.triggered.connect(lambda: self.export_collection(with_runs=False))
        a.export_runs.triggered.connect(lambda: self.export_collection(with_runs=True))
        if self.store is None:
            for action in (a.library, a.import_, a.export, a.export_runs):
                action.setEnabled(False)
            return
        window = self._as_main_window()
        dock = QDockWidget("Library", window)
        dock.setObjectName(LIBRARY_DOCK)
        placeholder = Placeholder("Loading the library…")
        # Queued: the panel is built once the window's first paint is complete (and not at
        # all if the dock is gone by then).
        placeholder.painted.connect(lambda: QTimer.singleShot(0, dock, self._ensure_library))
        dock.setWidget(placeholder)
        window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
        dock.toggleViewAction().toggled.connect(a.library.setChecked)
        a.library.setChecked(True)
        a.library.triggered.connect(lambda checked: dock.setVisible(bool(checked)))
        self.library_dock = dock

    def _library_restored(self) -> None:
        """After the saved window state was applied: a dock hidden before the window is
        first shown sends no hide event, so the View menu is told here."""
        dock = self.library_dock
        if dock is not None:
            self.actions_.library.setChecked(not dock.isHidden())

    @property
    def library(self) -> LibraryPanel | None:
        """The library panel (built now if it was not yet); None without a store."""
        return self._ensure_library()

    def _ensure_library(self) -> LibraryPanel | None:
        if self._library is None and self.store is not None and self.library_dock is not None:
            from studio.ui.library.panel import LibraryPanel

            self.attach_library(LibraryPanel(self.store, undo_stack=self.undo_stack))
        return self._library

    def attach_library(self, panel: LibraryPanel) -> QDockWidget:
        """Put `panel` in the library dock and let it drive the workspace: a chosen prompt
        goes to the editor, a chosen run is reopened, "re-run" re-runs it, two runs are
        compared side by side. Its deletions are undone from the window's undo history when
        the panel was made with the window's `undo_stack`."""
        window = self._as_main_window()
        dock = self.library_dock
        if dock is None:
            dock = QDockWidget("Library", window)
            dock.setObjectName(LIBRARY_DOCK)
            window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
            self.library_dock = dock
        old = dock.widget()
        dock.setWidget(panel)
        if old is not None:
            old.deleteLater()
        panel.promptChosen.connect(self.load_prompt)
        panel.runChosen.connect(self.reopen_run)
        panel.turnChosen.connect(self.reopen_run)
        panel.rerunRequested.connect(self.rerun_with_model_set)
        panel.compareRequested.connect(self.compare_runs)
        panel.reportRequested.connect(self.reports.export_run)
        panel.batchRequested.connect(self.grid.start_from_library)
        self._library = panel
        panel.set_names_hidden(self.identity.hiding)
        return dock

    def _hide_library_names(self) -> None:
        """The history and search name no models while answers are judged blind."""
        if self._library is not None:
            self._library.set_names_hidden(self.identity.hiding)

    def import_collections(self) -> QFileDialog | None:
        """File ▸ Import: the library's import (its results show in the library)."""
        panel = self._shown_library()
        return panel.collections.transfer.choose_import() if panel is not None else None

    def export_collection(self, *, with_runs: bool) -> None:
        """File ▸ Export: the collection chosen in the library, or all of them."""
        panel = self._shown_library()
        if panel is not None:
            panel.collections.export_selected(with_runs)

    def _shown_library(self) -> LibraryPanel | None:
        dock = self.library_dock
        panel = self.library
        if dock is not None and dock.isHidden():
            dock.show()
        return panel

    def focus_library(self, part: str) -> QWidget | None:
        """Put the keyboard focus on the library's "search" field, its "collections" or its
        "history" (showing the library first if it was hidden); returns the widget."""
        dock = self.library_dock
        panel = self.library
        if dock is None or panel is None:
            self.statusBar().showMessage("The library is not available in this session: its "
                                         "database could not be opened.", 8000)
            return None
        if dock.isHidden():
            dock.show()
        dock.raise_()
        target: QWidget = {"search": panel.search_box, "collections": panel.collections.view,
                           "history": panel.history.view}[part]
        if part == "search":
            panel.search_box.selectAll()
        target.setFocus(Qt.FocusReason.ShortcutFocusReason)
        return target

    def compare_runs(self, old_run_id: int, new_run_id: int) -> CompareRunsDialog | None:
        panel = self.library
        if panel is None:
            return None
        dialog = panel.compare_runs(old_run_id, new_run_id)
        if dialog is None:
            self.statusBar().showMessage("One of those runs is no longer in the history.",
                                         5000)
            return None
        dialog.rated.connect(self._on_rated_elsewhere)
        return dialog

    # -- keeping the history list and the panes' ratings current ---------------------------

    def _run_saved(self, run_id: int) -> None:
        """A run changed in the store: its row in the history list follows (a library not
        built yet reads it when it is)."""
        if self._library is not None:
            self._library.run_saved(run_id)

    def _on_comparison_saved(self, comparison: Comparison, answer: Answer | None) -> None:
        run_id = comparison.run_id
        if run_id is None:
            return
        self._run_saved(int(run_id))
        if answer is not None and comparison is self.comparison:
            self._refresh_ratings()

    def _on_rated_elsewhere(self, run_id: int) -> None:
        comparison = self.comparison
        if comparison is not None and comparison.run_id == run_id:
            self._ratings_run = None  # read again: the panes' stars may be out of date
            self._refresh_ratings(rebuild=True)

    def _refresh_ratings(self, *, rebuild: bool = False) -> None:
        """Stars and a note in every pane whose answer is finished and saved."""
        comparison = self.comparison
        store = self.store
        if comparison is None:
            return
        if not rebuild and comparison.history_busy:
            return  # reading the stars would wait for the writer: done on historyIdle
        for pane in comparison.panes:
            answer = pane.answer
            response_id = None
            if store is not None and answer is not None and answer.finished:
                response_id = comparison.response_id(answer)
            current = pane.rating_widget
            if response_id is None:
                pane.set_rating_widget(None)
                continue
            if not rebuild and current is not None \
                    and getattr(current, "response_id", None) == response_id:
                continue
            assert store is not None
            pane.set_rating_widget(self._rating_widget(store, comparison, response_id))

    def _rating_widget(self, store: Store, comparison: Comparison,
                       response_id: ResponseId) -> RatingWidget:
        from studio.ui.library.rating import RatingWidget

        rating, note = self._stored_rating(store, comparison, response_id)
        widget = RatingWidget(store, response_id, rating=rating, note=note)
        widget.setAccessibleName("Rating of this answer")
        widget.setToolTip("Rate this answer (1–5 stars) and add a note; kept in the history")
        widget.rated.connect(self._on_pane_rated)
        widget.errorOccurred.connect(
            lambda message: self.statusBar().showMessage(f"Rating not saved: {message}", 8000))
        return widget

    def _stored_rating(self, store: Store, comparison: Comparison,
                       response_id: ResponseId) -> tuple[int | None, str]:
        run_id = comparison.run_id
        if run_id is None:
            return None, ""
        if self._ratings_run != run_id or response_id not in self._ratings:
            # One read of the run per comparison (and per answer saved since), not per pane.
            self._ratings_run = run_id
            try:
                self._ratings = store.ratings(run_id)
            except StoreError:
                self._ratings = {}
        return self._ratings.get(response_id, (None, ""))

    def _on_pane_rated(self, response_id: int, rating: object, note: str) -> None:
        self._ratings[ResponseId(response_id)] = (rating if isinstance(rating, int) else None,
                                                  note)
        comparison = self.comparison
        if comparison is not None and comparison.run_id is not None:
            self._run_saved(int(comparison.run_id))
