"""The model picker's right-hand side: the chosen slots, one per pane, in order.

A slot is a model and its settings. The same model may fill two slots (compared with itself
under other settings), so slots are kept as a list and never merged by model.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListWidget, QPushButton, QVBoxLayout, QWidget

from studio.core.catalog import ProviderConfig
from studio.core.model_sets import ModelSetEntry
from studio.core.request import GenerationSettings
from studio.ui.workspace.model_settings import ModelSettingsPopover


def slot_text(entry: ModelSetEntry) -> str:
    settings = entry.settings
    return str(entry.ref) + (f"  ({settings.summary()})" if settings.to_dict() else "")


class SlotList(QWidget):
    """`changed` after every edit of the slots (not after `set_slots`); `noted(text)` when
    an edit deserves a word to the user."""

    changed = Signal()
    noted = Signal(str)

    def __init__(self, providers: Mapping[str, ProviderConfig],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._providers = providers
        self._slots: list[ModelSetEntry] = []
        self.label = QLabel()
        self.list = QListWidget()
        self.list.setAccessibleName("Selected models")
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Remove the chosen slot")
        self.again_button = QPushButton("Add again")
        self.again_button.setToolTip("Add another slot of the chosen model, to compare it "
                                     "with itself under other settings")
        self.settings_button = QPushButton("Settings…")
        self.settings_button.setToolTip("Temperature, max tokens, reasoning and system "
                                        "prompt of the chosen slot")
        self.clear_button = QPushButton("Clear")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.list, 1)
        row = QHBoxLayout()
        for button in (self.remove_button, self.again_button, self.settings_button,
                       self.clear_button):
            row.addWidget(button)
        layout.addLayout(row)
        self.remove_button.clicked.connect(lambda: self.remove(self.list.currentRow()))
        self.again_button.clicked.connect(lambda: self.add_again(self.list.currentRow()))
        self.settings_button.clicked.connect(lambda: self.open_settings(self.list.currentRow()))
        self.clear_button.clicked.connect(self._clear)
        self.list.currentRowChanged.connect(self._update_buttons)
        self.list.itemDoubleClicked.connect(lambda _i: self.open_settings(self.list.currentRow()))
        self._show()

    # ----- reading ------------------------------------------------------------------------
    def slots(self) -> list[ModelSetEntry]:
        return list(self._slots)

    def refs(self) -> set[str]:
        return {str(entry.ref) for entry in self._slots}

    def __len__(self) -> int:
        return len(self._slots)

    # ----- editing ------------------------------------------------------------------------
    def set_slots(self, entries: list[ModelSetEntry]) -> None:
        self._slots = list(entries)
        self._show(current=0)

    def append(self, entry: ModelSetEntry) -> None:
        self._slots.append(entry)
        self._edited(len(self._slots) - 1)

    def remove_model(self, ref: str) -> None:
        """Every slot of `ref` goes (its tick in the list of models was cleared)."""
        self._slots = [e for e in self._slots if str(e.ref) != ref]
        self._edited(self.list.currentRow())

    def remove(self, row: int) -> None:
        if 0 <= row < len(self._slots):
            del self._slots[row]
            self._edited(row)

    def add_again(self, row: int) -> int | None:
        """Another slot of the model in slot `row`, with its settings, right after it;
        returns the new slot's row."""
        if not 0 <= row < len(self._slots):
            return None
        self._slots.insert(row + 1, self._slots[row])
        self._edited(row + 1)
        self.noted.emit(f"{self._slots[row].ref} is in the list twice now: give one of them "
                        "other settings (Settings…) to compare them.")
        return row + 1

    def set_settings(self, row: int, settings: GenerationSettings) -> None:
        if 0 <= row < len(self._slots) and self._slots[row].settings != settings:
            self._slots[row] = ModelSetEntry(self._slots[row].ref, settings)
            self._edited(row)

    def open_settings(self, row: int) -> ModelSettingsPopover | None:
        """The settings popover of slot `row`, under its line."""
        if not 0 <= row < len(self._slots):
            return None
        entry = self._slots[row]
        config = self._providers.get(entry.ref.provider)
        if config is None:
            return None
        popover = ModelSettingsPopover(str(entry.ref), config, entry.settings, self)
        popover.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        popover.changed.connect(lambda settings, r=row: self.set_settings(r, settings))
        item = self.list.item(row)
        anchor = self.list.visualItemRect(item).bottomLeft() if item is not None else QPoint()
        popover.adjustSize()
        popover.move(self.list.viewport().mapToGlobal(anchor))
        popover.show()
        return popover

    def _clear(self) -> None:
        self._slots = []
        self._edited(0)

    # ----- showing ------------------------------------------------------------------------
    def _edited(self, current: int) -> None:
        self._show(current)
        self.changed.emit()

    def _show(self, current: int = 0) -> None:
        self.list.clear()
        for entry in self._slots:
            self.list.addItem(slot_text(entry))
        if self._slots:
            self.list.setCurrentRow(min(max(current, 0), len(self._slots) - 1))
        count = len(self._slots)
        self.label.setText(f"{count} selected" if count else "Nothing selected yet")
        self._update_buttons()

    def _update_buttons(self) -> None:
        chosen = 0 <= self.list.currentRow() < len(self._slots)
        for button in (self.remove_button, self.again_button, self.settings_button):
            button.setEnabled(chosen)
