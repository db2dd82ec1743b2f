"""Where the panes sit: columns, a grid or tabs; one pane focused; scrolling kept in step.

Panes are never recreated by a layout change: the same widgets move into a new container,
so streamed text, scroll positions and previews survive switching.
"""

from __future__ import annotations

import math
from enum import StrEnum

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QLabel,
    QScrollArea,
    QSplitter,
    QStackedLayout,
    QTabWidget,
    QWidget,
)

from studio.ui.workspace.identity import PLAIN, Identity
from studio.ui.workspace.pane import AnswerPane


class LayoutMode(StrEnum):
    COLUMNS = "columns"
    GRID = "grid"
    TABS = "tabs"


def grid_shape(count: int) -> tuple[int, int]:
    """(rows, columns) for `count` panes: as square as possible, wider than tall."""
    if count <= 0:
        return (0, 0)
    columns = math.ceil(math.sqrt(count))
    rows = math.ceil(count / columns)
    return rows, columns


def _scrolling(content: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
    area.setWidget(content)
    return area


class PaneArea(QWidget):
    currentChanged = Signal(int)
    layoutChanged = Signal()

    def __init__(self, parent: QWidget | None = None, *, identity: Identity = PLAIN) -> None:
        super().__init__(parent)
        self.setAccessibleName("Answers")
        # The order panes stand in, and their tabs' names (blind labels while judging blind).
        self.identity = identity
        self._built_order: list[int] = []
        identity.changed.connect(self._on_identity_changed)
        self._stack = QStackedLayout(self)
        self._parking = QWidget(self)  # holds panes that the current layout does not show
        self._parking.hide()
        self._panes: list[AnswerPane] = []
        self._mode = LayoutMode.COLUMNS
        self._focused: int | None = None
        self._current = 0
        self._sync = False
        self._syncing = False
        self._container: QWidget | None = None
        self._tabs: QTabWidget | None = None
        self._placeholder = QLabel("Choose models, write a prompt and press Ctrl+Enter.\n"
                                   "Each model's answer streams into its own pane here.")
        self._placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._placeholder.setEnabled(False)
        self._stack.addWidget(self._placeholder)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._on_focus_changed)

    # -- panes -------------------------------------------------------------------------

    def panes(self) -> list[AnswerPane]:
        return list(self._panes)

    def set_panes(self, panes: list[AnswerPane]) -> list[AnswerPane]:
        """Show `panes`; returns the previous ones (detached, for the caller to delete)."""
        old = self._panes
        if self._container is not None:
            # Hidden first: otherwise taking one pane out widens the ones still shown and
            # each re-lays out its whole document (about 200 ms for a 1 MB answer) only to
            # be taken out next. The new container is shown by _rebuild.
            self._container.hide()
        for pane in old:
            pane.setParent(None)
        self._panes = list(panes)
        self._focused = None
        self._current = 0
        for pane in self._panes:
            pane.view.verticalScrollBar().valueChanged.connect(
                lambda _v, p=pane: self._on_pane_scrolled(p))
        self._rebuild()
        return old

    def add_pane(self, pane: AnswerPane) -> None:
        """One more pane after the others (a model joining the thread on screen)."""
        if pane in self._panes:
            return
        self._panes.append(pane)
        pane.view.verticalScrollBar().valueChanged.connect(
            lambda _v, p=pane: self._on_pane_scrolled(p))
        self._focused = None
        self._rebuild()

    @property
    def mode(self) -> LayoutMode:
        return self._mode

    def set_mode(self, mode: LayoutMode) -> None:
        self._mode = LayoutMode(mode)
        self._focused = None
        self._rebuild()

    @property
    def focused(self) -> int | None:
        return self._focused

    def focus_pane(self, index: int | None) -> None:
        """Show one pane alone (None: back to the layout)."""
        if index is not None and not 0 <= index < len(self._panes):
            index = None
        self._focused = index
        if index is not None:
            self._current = index
        self._rebuild()
        if index is not None:
            self._panes[index].view.setFocus()

    def toggle_focus(self, index: int) -> None:
        self.focus_pane(None if self._focused == index else index)

    @property
    def current_index(self) -> int:
        return self._current

    def current_pane(self) -> AnswerPane | None:
        return self._panes[self._current] if self._panes else None

    def set_current(self, index: int) -> None:
        if not self._panes:
            return
        index %= len(self._panes)
        if self._focused is not None and self._focused != index:
            self._focused = index
            self._rebuild()
        if self._tabs is not None:
            self._tabs.setCurrentIndex(self._built_order.index(index))
        pane = self._panes[index]
        pane.view.setFocus()
        self._ensure_visible(pane)
        self._set_current(index)

    def next_pane(self, step: int = 1) -> None:
        """The next pane in the order they stand on screen."""
        if self._panes:
            shown = self.shown_order()
            at = shown.index(self._current) if self._current in shown else 0
            self.set_current(shown[(at + step) % len(shown)])

    def shown_order(self) -> list[int]:
        """The panes' indices in the order they stand (the identity's while blind)."""
        return self.identity.order(range(len(self._panes)))

    def shown_panes(self) -> list[AnswerPane]:
        return [self._panes[i] for i in self.shown_order()]

    def _on_identity_changed(self) -> None:
        if self._panes and self.shown_order() != self._built_order:
            self._rebuild()
        elif self._tabs is not None:
            for n, pane in enumerate(self.shown_panes()):
                name = self.identity.name(pane.index, pane.target)
                self._tabs.setTabText(n, name.short)
                self._tabs.setTabToolTip(n, name.title)

    # -- synchronized scrolling --------------------------------------------------------

    @property
    def sync_scroll(self) -> bool:
        return self._sync

    def set_sync_scroll(self, enabled: bool) -> None:
        self._sync = enabled

    def _on_pane_scrolled(self, source: AnswerPane) -> None:
        if not self._sync or self._syncing or source.view.auto_scrolling:
            return
        bar = source.view.verticalScrollBar()
        fraction = bar.value() / bar.maximum() if bar.maximum() > 0 else 0.0
        self._syncing = True
        try:
            for pane in self._panes:
                if pane is not source:
                    other = pane.view.verticalScrollBar()
                    other.setValue(round(fraction * other.maximum()))
        finally:
            self._syncing = False

    # -- containers --------------------------------------------------------------------

    def _rebuild(self) -> None:
        for pane in self._panes:
            # Out of the old container before it goes; a new pane (no parent yet) goes
            # straight into the new one, each reparenting restyles the pane's whole tree.
            if pane.parentWidget() is not None:
                pane.setParent(self._parking)
        old = self._container
        self._tabs = None
        self._built_order = self.shown_order()
        if not self._panes:
            self._container = None
            self._stack.setCurrentWidget(self._placeholder)
        else:
            if self._focused is not None:
                container: QWidget = self._panes[self._focused]
            elif self._mode is LayoutMode.TABS:
                container = self._build_tabs()
            elif self._mode is LayoutMode.GRID:
                container = _scrolling(self._build_grid())
            else:
                container = _scrolling(self._build_columns())
            self._container = container
            self._stack.addWidget(container)
            self._stack.setCurrentWidget(container)
            container.show()
        if old is not None and old is not self._container:
            self._stack.removeWidget(old)
            if old not in self._panes:
                old.deleteLater()
        self.layoutChanged.emit()

    def _build_columns(self) -> QWidget:
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        splitter.setHandleWidth(6)
        for pane in self.shown_panes():
            splitter.addWidget(pane)
            pane.show()
        splitter.setSizes([1] * len(self._panes))  # equal shares to start with
        return splitter

    def _build_grid(self) -> QWidget:
        rows, columns = grid_shape(len(self._panes))
        outer = QSplitter(Qt.Orientation.Vertical)
        outer.setChildrenCollapsible(False)
        shown = self.shown_panes()
        for r in range(rows):
            row = QSplitter(Qt.Orientation.Horizontal)
            row.setChildrenCollapsible(False)
            cells = shown[r * columns:(r + 1) * columns]
            for pane in cells:
                row.addWidget(pane)
                pane.show()
            row.setSizes([1] * len(cells))
            outer.addWidget(row)
        outer.setSizes([1] * rows)
        return outer

    def _build_tabs(self) -> QWidget:
        tabs = QTabWidget()
        tabs.setDocumentMode(True)
        tabs.setAccessibleName("Answer tabs")
        for pane in self.shown_panes():
            name = self.identity.name(pane.index, pane.target)
            tabs.addTab(pane, name.short)
            tabs.setTabToolTip(tabs.count() - 1, name.title)
        order = self._built_order
        tabs.setCurrentIndex(order.index(self._current) if self._current in order else 0)
        tabs.currentChanged.connect(lambda n: self._set_current(self._built_order[n])
                                    if 0 <= n < len(self._built_order) else None)
        self._tabs = tabs
        return tabs

    def _ensure_visible(self, pane: AnswerPane) -> None:
        container = self._container
        if isinstance(container, QScrollArea):
            container.ensureWidgetVisible(pane, 0, 0)

    def _set_current(self, index: int) -> None:
        if 0 <= index < len(self._panes) and index != self._current:
            self._current = index
            self.currentChanged.emit(index)

    def _on_focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        widget = new
        while widget is not None:
            if isinstance(widget, AnswerPane) and widget in self._panes:
                self._set_current(self._panes.index(widget))
                return
            widget = widget.parentWidget()
