"""The library side panel: search box, collections tree (or search results) and history."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QUndoStack
from PySide6.QtWidgets import (
    QLineEdit,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from studio.store import SearchHit, Store
from studio.ui.library.bars import NoteBar
from studio.ui.library.collections_pane import CollectionsPane
from studio.ui.library.compare_dialog import CompareRunsDialog, open_compare
from studio.ui.library.history_pane import HistoryPane
from studio.ui.library.search_results import SearchResults


class LibraryPanel(QWidget):
    """Everything kept in the store, for a left-hand dock.

    Signals: `promptChosen(Prompt)` to load a prompt into the editor; `runChosen(run_id)` to
    reopen a run; `turnChosen(run_id, turn_id)` to reopen it on the branch of that prompt
    (a search hit in a sent prompt or an answer); `rerunRequested(run_id, model-set name or
    None for the same models)`; `compareRequested(old_run_id, new_run_id)`, older run first;
    `reportRequested(run_id)` to export a run as a report; `batchRequested(title, collection
    id or None, prompt ids)` to run a collection or some prompts as a batch.
    """

    promptChosen = Signal(object)
    runChosen = Signal(int)
    turnChosen = Signal(int, int)
    rerunRequested = Signal(int, object)
    compareRequested = Signal(int, int)
    reportRequested = Signal(int)
    batchRequested = Signal(str, object, list)

    def __init__(self, store: Store, parent: QWidget | None = None, *,
                 undo_stack: QUndoStack | None = None) -> None:
        """`undo_stack`: the window's undo history, which then also holds the deletions
        made here (and the window's Edit menu undoes them); by default the panel keeps its
        own, undone with Ctrl+Z while it has the focus."""
        super().__init__(parent)
        self.store = store
        self.setAccessibleName("Library")
        self.setObjectName("LibraryPanel")

        self.search_box = QLineEdit(self)
        self.search_box.setPlaceholderText("Search everything (Ctrl+F)")
        self.search_box.setToolTip("Search the library's prompts, the prompts sent in runs and "
                                   "the answers, as you type")
        self.search_box.setAccessibleName("Search prompts and answers")
        self.search_box.setClearButtonEnabled(True)
        self.search_box.installEventFilter(self)

        self.collections = CollectionsPane(store, self, undo_stack=undo_stack)
        self.results = SearchResults(store, self)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.collections)
        self.stack.addWidget(self.results)
        self.history = HistoryPane(store, self, collections=self.collections.model.collections())
        self.notes = NoteBar(self)

        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.setObjectName("LibrarySplitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.stack)
        self.splitter.addWidget(self.history)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addWidget(self.search_box)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.notes)

        self.search_box.textChanged.connect(self._query_changed)
        self.search_box.returnPressed.connect(self._search_entered)
        self.results.hitActivated.connect(self._hit_activated)
        self.collections.promptChosen.connect(self.promptChosen)
        self.collections.batchRequested.connect(self.batchRequested)
        self.collections.model.collectionsChanged.connect(self._collections_changed)
        self.history.runChosen.connect(self.runChosen)
        self.history.rerunRequested.connect(self.rerunRequested)
        self.history.compareRequested.connect(self.compareRequested)
        self.history.reportRequested.connect(self.reportRequested)
        for source in (self.collections, self.results, self.history):
            source.errorOccurred.connect(self.notes.error)
        self.collections.message.connect(self.notes.note)

    # ----- the main window's surface ----------------------------------------------------
    @property
    def undo_stack(self) -> QUndoStack:
        """The undo history the tree's deletions go to."""
        return self.collections.undo_stack

    def refresh(self) -> None:
        """Read everything again (after changes made elsewhere, e.g. by the CLI)."""
        self.collections.reload()
        self.history.reload()
        if self.search_box.text().strip():
            self.results.run_now()

    def set_names_hidden(self, hidden: bool) -> None:
        """While answers are judged blind, the history and search name no models."""
        self.history.set_names_hidden(hidden)
        self.results.set_names_hidden(hidden)

    def run_saved(self, run_id: int) -> None:
        """A run was saved or changed (a new turn, a rating): the history list shows it."""
        self.history.run_saved(run_id)

    def select_run(self, run_id: int) -> bool:
        """Show and select a run in the history (filters are cleared if they hide it)."""
        return self.history.select_run(run_id)

    def select_prompt(self, prompt_id: int) -> bool:
        if self.search_box.text():
            self.search_box.clear()
        return self.collections.select_prompt(prompt_id)

    def compare_runs(self, old_run_id: int, new_run_id: int) -> CompareRunsDialog | None:
        """Open the side-by-side dialog (non-blocking); ratings made there update the list."""
        dialog = open_compare(self.store, old_run_id, new_run_id, self)
        if dialog is not None:
            dialog.rated.connect(self.run_saved)
        return dialog

    # ----- search -----------------------------------------------------------------------
    def _query_changed(self, text: str) -> None:
        searching = bool(text.strip())
        self.stack.setCurrentWidget(self.results if searching else self.collections)
        self.results.set_query(text)

    def _search_entered(self) -> None:
        if self.results.pending:
            self.results.run_now()
        self.results.activate_current()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.search_box and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() == Qt.Key.Key_Down and self.stack.currentWidget() is self.results:
                if self.results.pending:
                    self.results.run_now()
                self.results.setFocus()
                return True
            if event.key() == Qt.Key.Key_Escape and self.search_box.text():
                self.search_box.clear()
                return True
        return super().eventFilter(watched, event)

    def _hit_activated(self, hit: SearchHit) -> None:
        if hit.kind in ("turn", "response") and hit.run_id is not None:
            if hit.turn_id is not None:
                self.turnChosen.emit(int(hit.run_id), int(hit.turn_id))
            else:
                self.runChosen.emit(int(hit.run_id))
            self.history.select_run(int(hit.run_id))
        elif hit.prompt_id is not None:
            if self.select_prompt(int(hit.prompt_id)):
                self.collections.view.setFocus()
            else:
                self.notes.error("That prompt is no longer in the library.")

    def _collections_changed(self) -> None:
        self.history.set_collections(self.collections.model.collections())
