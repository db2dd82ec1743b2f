"""The model picker's list: providers as groups, their models as checkable rows, searchable."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem, QWidget

from studio.core.providers.base import ModelInfo

_REF_ROLE = Qt.ItemDataRole.UserRole
_SEARCH_ROLE = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True, slots=True)
class ModelRow:
    model_id: str
    info: ModelInfo | None = None
    origin: str = ""  # "preset", "added by id", or "" for a fetched model


def describe_age(seconds: float) -> str:
    if seconds < 90:
        return "just now"
    if seconds < 5400:
        return f"{round(seconds / 60)} min ago"
    if seconds < 2 * 86400:
        return f"{round(seconds / 3600)} h ago"
    return f"{round(seconds / 86400)} days ago"


def _context(info: ModelInfo | None) -> str:
    if info is None or info.context_window is None:
        return ""
    window = info.context_window
    return f"{window // 1000}k context" if window >= 1000 else f"{window} context"


class ModelTree(QTreeWidget):
    """`checkToggled(ref, checked)` fires only for a user's change, not for `set_checked`."""

    checkToggled = Signal(str, bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Available models")
        self.setColumnCount(2)
        self.setHeaderLabels(["Model", "Details"])
        self.setUniformRowHeights(True)
        self._providers: dict[str, QTreeWidgetItem] = {}
        self._labels: dict[str, str] = {}
        self._models: dict[str, QTreeWidgetItem] = {}
        self._tokens: list[str] = []
        self.itemChanged.connect(self._item_changed)

    # ----- content ------------------------------------------------------------------------
    def add_provider(self, name: str, label: str) -> None:
        item = QTreeWidgetItem([label, ""])
        item.setFlags(Qt.ItemFlag.ItemIsEnabled)
        font = item.font(0)
        font.setBold(True)
        item.setFont(0, font)
        self.addTopLevelItem(item)
        item.setExpanded(True)
        self._providers[name] = item
        self._labels[name] = label

    def set_models(self, provider: str, rows: Iterable[ModelRow], checked: set[str]) -> None:
        parent = self._providers[provider]
        self.blockSignals(True)
        try:
            for i in range(parent.childCount()):
                child = parent.child(i)
                if child is not None:
                    self._models.pop(str(child.data(0, _REF_ROLE)), None)
            parent.takeChildren()
            for row in rows:
                ref = f"{provider}:{row.model_id}"
                info = row.info
                label = info.display_name if info and info.display_name != row.model_id else None
                details = " · ".join(p for p in (label, _context(info), row.origin) if p)
                child = QTreeWidgetItem([row.model_id, details])
                child.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable
                               | Qt.ItemFlag.ItemIsSelectable)
                child.setData(0, _REF_ROLE, ref)
                child.setData(0, _SEARCH_ROLE,
                              f"{ref} {self._labels[provider]} {label or ''}".casefold())
                child.setCheckState(0, Qt.CheckState.Checked if ref in checked
                                    else Qt.CheckState.Unchecked)
                parent.addChild(child)
                self._models[ref] = child
        finally:
            self.blockSignals(False)
        self._filter_provider(parent)

    def set_note(self, provider: str, note: str, tooltip: str = "") -> None:
        item = self._providers[provider]
        item.setText(1, note)
        item.setToolTip(1, tooltip)

    def note(self, provider: str) -> str:
        return self._providers[provider].text(1)

    def set_checked(self, refs: set[str]) -> None:
        self.blockSignals(True)
        try:
            for ref, item in self._models.items():
                item.setCheckState(0, Qt.CheckState.Checked if ref in refs
                                   else Qt.CheckState.Unchecked)
        finally:
            self.blockSignals(False)

    def item_for(self, ref: str) -> QTreeWidgetItem | None:
        return self._models.get(ref)

    def __contains__(self, ref: object) -> bool:
        return ref in self._models

    def _item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        ref = item.data(0, _REF_ROLE)
        if column == 0 and ref is not None:
            self.checkToggled.emit(str(ref), item.checkState(0) == Qt.CheckState.Checked)

    # ----- search -------------------------------------------------------------------------
    def apply_filter(self, text: str) -> None:
        """Every whitespace-separated word must occur in "provider:model", the provider's
        label or the model's display name (case-insensitive)."""
        self._tokens = text.casefold().split()
        for parent in self._providers.values():
            self._filter_provider(parent)

    def _filter_provider(self, parent: QTreeWidgetItem) -> None:
        any_visible = False
        for i in range(parent.childCount()):
            child = parent.child(i)
            if child is None:
                continue
            haystack = str(child.data(0, _SEARCH_ROLE))
            visible = all(t in haystack for t in self._tokens)
            child.setHidden(not visible)
            any_visible = any_visible or visible
        # Providers stay listed while not searching, so "no key" shows for every one of them.
        parent.setHidden(bool(self._tokens) and not any_visible)

    def visible_refs(self) -> list[str]:
        """The refs a user can see right now, top to bottom."""
        visible: list[str] = []
        for parent in self._providers.values():
            if parent.isHidden():
                continue
            for i in range(parent.childCount()):
                child = parent.child(i)
                if child is not None and not child.isHidden():
                    visible.append(str(child.data(0, _REF_ROLE)))
        return visible
