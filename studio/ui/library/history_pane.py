"""The history list with its filters (model, date, rating, collection) and run actions."""

from __future__ import annotations

import time
from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio.store import (
    Collection,
    CollectionId,
    HistoryFilter,
    RunId,
    RunSummary,
    Store,
    StoreError,
)
from studio.ui.library.formatting import local_midnight, stars
from studio.ui.library.history_model import HistoryModel, models_seen, run_title
from studio.ui.style import icon

DAY = 86400.0
DATE_RANGES: tuple[tuple[str, float | None], ...] = (
    ("Any time", None), ("Today", 0.0), ("Last 7 days", 7 * DAY), ("Last 30 days", 30 * DAY))


class HistoryPane(QWidget):
    """Saved runs, newest first. Signals mirror LibraryPanel's: runChosen(run_id),
    rerunRequested(run_id, model-set name or None), compareRequested(old_id, new_id),
    reportRequested(run_id)."""

    runChosen = Signal(int)
    rerunRequested = Signal(int, object)
    compareRequested = Signal(int, int)
    reportRequested = Signal(int)
    errorOccurred = Signal(str)

    def __init__(self, store: Store, parent: QWidget | None = None, *,
                 collections: Sequence[Collection] | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._compare_from: RunSummary | None = None
        self._hidden_models: list[str] | None = None  # the filter's models, while hidden
        self.model = HistoryModel(store, self)
        self.model.errorOccurred.connect(self.errorOccurred)

        self.model_filter = QComboBox(self)
        self.model_filter.setAccessibleName("Filter history by model")
        self.date_filter = QComboBox(self)
        self.date_filter.setAccessibleName("Filter history by date")
        for label, span in DATE_RANGES:
            self.date_filter.addItem(label, span)
        self.rating_filter = QComboBox(self)
        self.rating_filter.setAccessibleName("Filter history by rating")
        self.rating_filter.addItem("Any rating", None)
        for value in range(1, 6):
            self.rating_filter.addItem(f"{stars(value)} or better" if value < 5
                                       else stars(value), value)
        self.collection_filter = QComboBox(self)
        self.collection_filter.setAccessibleName("Filter history by collection")
        self.set_models(models_seen(store))
        self.set_collections(store.collections() if collections is None else collections)
        for combo in (self.model_filter, self.date_filter, self.rating_filter,
                      self.collection_filter):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(8)
            combo.currentIndexChanged.connect(self.apply_filters)

        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setAccessibleName("Run history")
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setTabKeyNavigation(False)  # Tab leaves the list; arrows walk the runs
        self.view.setShowGrid(False)
        self.view.setWordWrap(False)
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.view.horizontalHeader()
        header.setAccessibleName("History columns")
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setHighlightSections(False)
        header.setMinimumSectionSize(24)
        # Sized from the font rather than the rows, so paging in more rows costs nothing.
        metrics = self.view.fontMetrics()
        pad = 16
        for column, sample in ((0, "00 May 00:00"), (2, "claude-opus-4"), (3, "Turns"),
                               (4, "Best")):
            header.resizeSection(column, metrics.horizontalAdvance(sample) + pad)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.view.activated.connect(self._activated)
        self.view.clicked.connect(self._picked)
        self.view.selectionModel().selectionChanged.connect(self._update_actions)

        self._make_actions()
        self.pick_bar = QFrame(self)
        self.pick_bar.setFrameShape(QFrame.Shape.StyledPanel)
        self.pick_label = QLabel(self.pick_bar)
        self.pick_label.setWordWrap(True)
        cancel = QPushButton("Cancel", self.pick_bar)
        cancel.setAccessibleName("Cancel choosing a run to compare with")
        cancel.clicked.connect(self.cancel_compare)
        pick_layout = QHBoxLayout(self.pick_bar)
        pick_layout.setContentsMargins(6, 2, 2, 2)
        pick_layout.addWidget(self.pick_label, 1)
        pick_layout.addWidget(cancel)
        self.pick_bar.hide()

        filters = QGridLayout()
        filters.setContentsMargins(0, 0, 0, 0)
        filters.addWidget(self.model_filter, 0, 0)
        filters.addWidget(self.date_filter, 0, 1)
        filters.addWidget(self.rating_filter, 1, 0)
        filters.addWidget(self.collection_filter, 1, 1)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        for action in (self.open_action, self.rerun_action, self.compare_action,
                       self.delete_action):
            button = QToolButton(self)
            button.setDefaultAction(action)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
            if action is self.rerun_action:
                button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
            buttons.addWidget(button)
        buttons.addStretch(1)
        title = QLabel("History", self)
        title.setBuddy(self.view)
        header_row = QHBoxLayout()
        header_row.addWidget(title)
        header_row.addStretch(1)
        header_row.addLayout(buttons)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(header_row)
        layout.addLayout(filters)
        layout.addWidget(self.pick_bar)
        layout.addWidget(self.view, 1)
        self._update_actions()

    # ----- actions ----------------------------------------------------------------------
    def _make_actions(self) -> None:
        self.open_action = QAction(icon("preview"), "Open", self)
        self.open_action.setToolTip("Open the run in the workspace")
        self.open_action.triggered.connect(self.open_selected)
        self.rerun_menu = QMenu("Re-run", self)
        self.rerun_menu.aboutToShow.connect(self._fill_rerun_menu)
        self.rerun_action = QAction(icon("retry"), "Re-run with the same models", self)
        self.rerun_action.triggered.connect(lambda: self.rerun_selected(None))
        self.rerun_action.setMenu(self.rerun_menu)
        self.compare_action = QAction(icon("diff"), "Compare with…", self)
        self.compare_action.setToolTip("Compare this run with another one")
        self.compare_action.triggered.connect(self.compare_selected)
        self.report_action = QAction("Export report…", self)
        self.report_action.setToolTip("Save the run as an HTML report, Markdown or a PNG sheet")
        self.report_action.triggered.connect(self.report_selected)
        self.delete_action = QAction(icon("close"), "Delete run…", self)
        self.delete_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        self.delete_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.delete_action.triggered.connect(self.delete_selected)
        self.view.addAction(self.delete_action)

    def _fill_rerun_menu(self) -> None:
        self.rerun_menu.clear()
        same = self.rerun_menu.addAction("With the same models")
        same.triggered.connect(lambda: self.rerun_selected(None))
        try:
            sets = self._store.model_sets()
        except StoreError:
            sets = []
        if sets:
            self.rerun_menu.addSection("With a model set")
        for model_set in sets:
            action = self.rerun_menu.addAction(model_set.name)
            action.triggered.connect(lambda _=False, n=model_set.name: self.rerun_selected(n))

    def _update_actions(self) -> None:
        has = bool(self.selected_runs())
        for action in (self.open_action, self.rerun_action, self.compare_action,
                       self.report_action, self.delete_action):
            action.setEnabled(has)

    def selected_runs(self) -> list[RunSummary]:
        rows = sorted({i.row() for i in self.view.selectionModel().selectedRows()})
        if not rows and self.view.currentIndex().isValid():
            rows = [self.view.currentIndex().row()]
        return [self.model.summary(r) for r in rows if r < self.model.rowCount()]

    def open_selected(self) -> None:
        runs = self.selected_runs()
        if runs:
            self.runChosen.emit(int(runs[0].id))

    def rerun_selected(self, model_set: str | None) -> None:
        runs = self.selected_runs()
        if runs:
            self.rerunRequested.emit(int(runs[0].id), model_set)

    def report_selected(self) -> None:
        runs = self.selected_runs()
        if runs:
            self.reportRequested.emit(int(runs[0].id))

    def compare_selected(self) -> None:
        """Two runs selected: compare them; one: the next run picked is compared with it."""
        runs = self.selected_runs()
        if len(runs) >= 2:
            self._emit_compare(runs[0], runs[1])
        elif runs:
            self._compare_from = runs[0]
            self.pick_label.setText(f"Click the run to compare with “{run_title(runs[0])}”.")
            self.pick_bar.show()

    def cancel_compare(self) -> None:
        self._compare_from = None
        self.pick_bar.hide()

    @property
    def picking(self) -> bool:
        return self._compare_from is not None

    def _emit_compare(self, a: RunSummary, b: RunSummary) -> None:
        old, new = sorted((a, b), key=lambda s: (s.created_at, s.id))
        self.cancel_compare()
        self.compareRequested.emit(int(old.id), int(new.id))

    def _picked(self, index: QModelIndex) -> bool:
        """While choosing the other run of a comparison, a click or Enter picks it."""
        if self._compare_from is None or not index.isValid():
            return False
        chosen = self.model.summary(index.row())
        if chosen.id != self._compare_from.id:
            self._emit_compare(self._compare_from, chosen)
        return True

    def _activated(self, index: QModelIndex) -> None:
        if not self._picked(index) and index.isValid():
            self.runChosen.emit(int(self.model.summary(index.row()).id))

    def delete_selected(self) -> QMessageBox | None:
        runs = self.selected_runs()
        if not runs:
            return None
        what = (f"the run “{run_title(runs[0])}”" if len(runs) == 1
                else f"{len(runs)} runs")
        box = QMessageBox(QMessageBox.Icon.Question, "Delete run",
                          f"Delete {what} with all its answers and pages?",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                          self)
        box.setInformativeText("This cannot be undone.")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        ids = [r.id for r in runs]
        box.finished.connect(lambda result: self._delete_confirmed(ids, result))
        box.open()
        return box

    def _delete_confirmed(self, ids: Sequence[RunId], result: int) -> None:
        if result != QMessageBox.StandardButton.Yes.value:
            return
        for run_id in ids:
            try:
                self._store.delete_run(run_id)
            except StoreError as exc:
                self.errorOccurred.emit(str(exc))
                break
            self.model.remove_run(run_id)
        self._update_actions()

    def _context_menu(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos)
        if not index.isValid():
            return
        if not self.view.selectionModel().isRowSelected(index.row(), QModelIndex()):
            self.view.selectRow(index.row())
        menu = QMenu(self)
        menu.addAction(self.open_action)
        same = menu.addAction("Re-run with the same models")
        same.triggered.connect(lambda: self.rerun_selected(None))
        other = menu.addMenu("Re-run with a model set")
        try:
            sets = self._store.model_sets()
        except StoreError:
            sets = []
        for model_set in sets:
            action = other.addAction(model_set.name)
            action.triggered.connect(lambda _=False, n=model_set.name: self.rerun_selected(n))
        other.setEnabled(bool(sets))
        menu.addAction(self.compare_action)
        menu.addAction(self.report_action)
        menu.addSeparator()
        menu.addAction(self.delete_action)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(self.view.viewport().mapToGlobal(pos))

    # ----- filters ----------------------------------------------------------------------
    def set_names_hidden(self, hidden: bool) -> None:
        """While answers are judged blind: no model names in the list, and no model filter
        (its list names them)."""
        self.model.set_names_hidden(hidden)
        if hidden and self._hidden_models is None:
            self.model_filter.setCurrentIndex(0)
            self._hidden_models = self._known_models()
            self.set_models([])
        elif not hidden and self._hidden_models is not None:
            models, self._hidden_models = self._hidden_models, None
            self.set_models(models)
        self.model_filter.setEnabled(not hidden)

    def _known_models(self) -> list[str]:
        if self._hidden_models is not None:
            return list(self._hidden_models)
        return [str(self.model_filter.itemData(i)) for i in range(1, self.model_filter.count())]

    def set_models(self, models: Sequence[str]) -> None:
        current = self.model_filter.currentData()
        self.model_filter.blockSignals(True)
        self.model_filter.clear()
        self.model_filter.addItem("All models", None)
        for model in models:
            self.model_filter.addItem(model, model)
        found = self.model_filter.findData(current) if current is not None else 0
        self.model_filter.setCurrentIndex(max(found, 0))
        self.model_filter.blockSignals(False)

    def add_models(self, models: Sequence[str]) -> None:
        known = set(self._known_models())
        if any(m not in known for m in models):
            merged = sorted({*known, *models})
            if self._hidden_models is not None:
                self._hidden_models = merged  # shown again once names are
            else:
                self.set_models(merged)

    def set_collections(self, collections: Sequence[Collection]) -> None:
        current = self.collection_filter.currentData()
        depth: dict[CollectionId, int] = {}
        self.collection_filter.blockSignals(True)
        self.collection_filter.clear()
        self.collection_filter.addItem("All collections", None)
        for collection in collections:  # parents come first
            level = depth[collection.parent_id] + 1 if collection.parent_id in depth else 0
            depth[collection.id] = level
            self.collection_filter.addItem("   " * level + collection.name, int(collection.id))
        found = self.collection_filter.findData(current) if current is not None else 0
        self.collection_filter.setCurrentIndex(max(found, 0))
        self.collection_filter.blockSignals(False)
        if current is not None and found < 0:
            self.apply_filters()  # the filtered collection is gone

    def current_filter(self, now: float | None = None) -> HistoryFilter:
        span = self.date_filter.currentData()
        since: float | None = None
        if span is not None:
            moment = time.time() if now is None else now
            since = local_midnight(moment) if span == 0 else moment - float(span)
        collection = self.collection_filter.currentData()
        return HistoryFilter(
            model=self.model_filter.currentData(),
            collection_id=CollectionId(collection) if collection is not None else None,
            since=since,
            min_rating=self.rating_filter.currentData())

    def apply_filters(self) -> None:
        self.cancel_compare()
        self.model.set_filter(self.current_filter())
        self._update_actions()

    def clear_filters(self) -> None:
        for combo in (self.model_filter, self.date_filter, self.rating_filter,
                      self.collection_filter):
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
        self.apply_filters()

    @property
    def filtered(self) -> bool:
        return self.model.filter != HistoryFilter()

    # ----- updates from outside -----------------------------------------------------------
    def run_saved(self, run_id: int) -> None:
        self.model.refresh_run(RunId(run_id))
        row = self.model.row_of(run_id)
        if row is not None:
            models = list(self.model.summary(row).models)
        else:  # filtered out of the list: read its models from the run itself
            try:
                models = [str(e.ref) for e in self._store.run(RunId(run_id)).models]
            except StoreError:
                models = []
        self.add_models(models)
        self._update_actions()

    def select_run(self, run_id: int) -> bool:
        row = self.model.find(run_id)
        if row is None and self.filtered:
            self.clear_filters()
            row = self.model.find(run_id)
        if row is None:
            return False
        self.view.selectRow(row)
        self.view.scrollTo(self.model.index(row, 0))
        return True

    def reload(self) -> None:
        self.set_models(models_seen(self._store))
        self.model.reload()
        self._update_actions()
