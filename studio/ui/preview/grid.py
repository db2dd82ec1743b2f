"""PreviewGrid: every model's page side by side, same size, labelled by model."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from studio.ui.preview.outputs import UrlOpener
from studio.ui.preview.view import PreviewView


class _Cell(QWidget):
    def __init__(self, label: str, view: PreviewView, parent: QWidget) -> None:
        super().__init__(parent)
        self.title = QLabel(label, self)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setStyleSheet("font-weight: bold; padding: 2px 4px;")
        self.view = view
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(0)
        layout.addWidget(self.title)
        layout.addWidget(view, 1)


class PreviewGrid(QWidget):
    """A grid of PreviewViews keyed by model; cells share the space equally."""

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        network: bool | None = None,
        open_url: UrlOpener | None = None,
        columns: int | None = None,
    ) -> None:
        super().__init__(parent)
        self._network = network
        self._open_url = open_url
        self._columns = columns
        self._cells: dict[str, _Cell] = {}
        self._layout = QGridLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(4)

    def add_preview(self, key: str, label: str | None = None) -> PreviewView:
        """The preview for `key` (e.g. "openai:gpt-5"), created on first use."""
        cell = self._cells.get(key)
        if cell is not None:
            return cell.view
        text = label if label is not None else key
        view = PreviewView(label=text, network=self._network, open_url=self._open_url)
        cell = _Cell(text, view, self)
        self._cells[key] = cell
        self._relayout()
        return view

    def preview(self, key: str) -> PreviewView | None:
        cell = self._cells.get(key)
        return cell.view if cell is not None else None

    def keys(self) -> list[str]:
        return list(self._cells)

    def remove_preview(self, key: str) -> None:
        cell = self._cells.pop(key, None)
        if cell is None:
            return
        cell.view.dispose()
        self._layout.removeWidget(cell)
        cell.deleteLater()
        self._relayout()

    def clear(self) -> None:
        for key in list(self._cells):
            self.remove_preview(key)

    def set_document(self, key: str, html: str | None, *, final: bool = False) -> None:
        self.add_preview(key).set_document(html, final=final)

    def set_label(self, key: str, label: str) -> None:
        """Rename one cell (its title, and its preview's window title)."""
        cell = self._cells.get(key)
        if cell is not None and cell.title.text() != label:
            cell.title.setText(label)
            cell.view.set_label(label)

    def set_order(self, keys: list[str]) -> None:
        """Stand the cells in this order (keys not given keep their place after these)."""
        order = [k for k in keys if k in self._cells]
        order += [k for k in self._cells if k not in order]
        if order != list(self._cells):
            self._cells = {k: self._cells[k] for k in order}
            self._relayout()

    def set_network_all(self, enabled: bool) -> None:
        """Switch every preview, and the ones added later."""
        self._network = enabled
        for cell in self._cells.values():
            cell.view.set_network(enabled)

    def set_device_all(self, name: str) -> None:
        for cell in self._cells.values():
            cell.view.set_device(name)

    def _relayout(self) -> None:
        for cell in self._cells.values():
            self._layout.removeWidget(cell)
        count = len(self._cells)
        columns = self._columns or max(1, math.ceil(math.sqrt(count)))
        rows = max(1, math.ceil(count / columns))
        for index, cell in enumerate(self._cells.values()):
            self._layout.addWidget(cell, index // columns, index % columns)
            cell.show()
        for c in range(self._layout.columnCount()):
            self._layout.setColumnStretch(c, 1 if c < columns else 0)
        for r in range(self._layout.rowCount()):
            self._layout.setRowStretch(r, 1 if r < rows else 0)
