"""Pick any number of models across every configured provider; save and reuse named sets.

Models come from each provider's curated presets plus its /models listing (cached on disk,
fetched in the background). Open the dialog with `open()`; the choice arrives through
`accepted_targets(list[ModelTarget])`: one target per slot (`SlotList`), so a model picked
twice, to compare it under two settings, stays twice.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import httpx
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.core.catalog import CatalogError, ModelRef, ProviderConfig, ProviderRegistry
from studio.core.catalog import parse_model_ref as _parse_ref
from studio.core.model_sets import ModelSetEntry, ModelSetError, ModelSetStore
from studio.core.redact import redact
from studio.core.runner import ModelTarget
from studio.core.secrets import KeyStore
from studio.ui.settings.model_lists import (
    LOCAL_EXTRA_HINT,
    ModelListCache,
    describe_failure,
    fetch_models,
    local_models_available,
)
from studio.ui.settings.model_tree import ModelRow, ModelTree, describe_age
from studio.ui.settings.slot_list import SlotList
from studio.ui.settings.status_label import StatusLabel
from studio.ui.settings.tasks import TaskSet

_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def _parse(text: str) -> ModelRef | None:
    try:
        return _parse_ref(text)
    except CatalogError:
        return None


def _is_loopback(config: ProviderConfig) -> bool:
    return config.local or urlsplit(config.base_url).hostname in _LOOPBACK_HOSTS


class ModelPicker(QDialog):
    accepted_targets = Signal(list)  # list[ModelTarget], in the order they were picked

    def __init__(self, registry: ProviderRegistry, keys: KeyStore, model_cache: ModelListCache,
                 sets: ModelSetStore, *, client: httpx.AsyncClient | None = None,
                 initial: list[ModelTarget] | None = None, auto_fetch: bool = True,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Choose models")
        self.setObjectName("modelPicker")
        self._registry = registry
        self._keys = keys
        self._cache = model_cache
        self._sets = sets
        self._client = client
        self._auto_fetch = auto_fetch
        self._tasks = TaskSet()
        self._providers: dict[str, ProviderConfig] = registry.all()
        self._notes: dict[str, str] = {}       # provider → "fetching…", "offline", …
        self._extra: dict[str, list[str]] = {}  # provider → ids added by hand or from a set
        self._fetched_once = False
        self.message = StatusLabel("Model picker message")
        self._local_available: bool | None = None  # probed once, only if a local provider exists

        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText("Search models, e.g. “qwen max” or “openai:gpt”")
        self.search_edit.setAccessibleName("Search models")
        self.search_edit.setClearButtonEnabled(True)
        self.add_custom_button = QPushButton("Add by id")
        self.add_custom_button.setToolTip("Type PROVIDER:MODEL to add a model that is not listed")
        self.add_custom_button.setEnabled(False)
        self.refresh_button = QPushButton("Refresh lists")
        self.refresh_button.setToolTip("Fetch the model lists from every provider again")
        search_row = QHBoxLayout()
        search_row.addWidget(self.search_edit, 1)
        search_row.addWidget(self.add_custom_button)
        search_row.addWidget(self.refresh_button)

        self.tree = ModelTree()

        self.slots = SlotList(self._providers)
        self.slots.changed.connect(self._slots_changed)
        self.slots.noted.connect(lambda text: self.message.show_message(text, "ok"))
        self.selected_list = self.slots.list
        self.selected_label = self.slots.label
        self.remove_button = self.slots.remove_button
        self.clear_button = self.slots.clear_button

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.tree)
        splitter.addWidget(self.slots)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)

        self.sets_combo = QComboBox()
        self.sets_combo.setAccessibleName("Saved model sets")
        self.sets_combo.setMinimumContentsLength(16)
        self.load_set_button = QPushButton("Load")
        self.delete_set_button = QPushButton("Delete")
        self.set_name_edit = QLineEdit()
        self.set_name_edit.setPlaceholderText("name for this set")
        self.set_name_edit.setAccessibleName("Model set name")
        self.save_set_button = QPushButton("Save set")
        sets_row = QHBoxLayout()
        sets_row.addWidget(QLabel("Sets:"))
        sets_row.addWidget(self.sets_combo)
        sets_row.addWidget(self.load_set_button)
        sets_row.addWidget(self.delete_set_button)
        sets_row.addSpacing(16)
        sets_row.addWidget(self.set_name_edit, 1)
        sets_row.addWidget(self.save_set_button)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Use these models")

        layout = QVBoxLayout(self)
        layout.addLayout(search_row)
        layout.addWidget(splitter, 1)
        layout.addLayout(sets_row)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.resize(900, 600)

        self.search_edit.textChanged.connect(self.apply_filter)
        self.add_custom_button.clicked.connect(self.add_custom)
        self.refresh_button.clicked.connect(lambda: self.refresh(force=True))
        self.tree.checkToggled.connect(self._check_toggled)
        self.load_set_button.clicked.connect(
            lambda: self.load_set(self.sets_combo.currentText()))
        self.delete_set_button.clicked.connect(
            lambda: self.delete_set(self.sets_combo.currentText()))
        self.save_set_button.clicked.connect(lambda: self.save_set(self.set_name_edit.text()))
        # Only "Use these models" answers Enter; a focused button would otherwise steal it.
        for button in self.findChildren(QPushButton):
            button.setAutoDefault(False)
        ok.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        self._build_tree()
        self._reload_set_names()
        if initial is not None:
            self.set_selection([ModelSetEntry(t.ref, t.settings) for t in initial])
        else:
            self.set_selection(list(sets.last()))

    # ----- tree ---------------------------------------------------------------------------
    def _has_key(self, config: ProviderConfig) -> bool:
        return not config.needs_key or self._keys.source(config) is not None

    def _build_tree(self) -> None:
        for config in self._providers.values():
            self.tree.add_provider(config.name, config.display_name)
            self._refill(config.name)
        self.tree.resizeColumnToContents(0)

    def _models_of(self, config: ProviderConfig) -> list[ModelRow]:
        """Presets first, then fetched models, then ids added by hand."""
        seen: set[str] = set()
        rows: list[ModelRow] = []
        cached = self._cache.get(config)
        infos = {m.id: m for m in cached.models} if cached else {}
        for model in config.models:
            if model not in seen:
                seen.add(model)
                rows.append(ModelRow(model, infos.get(model), "preset"))
        for model_id in sorted(infos, key=str.casefold):
            if model_id not in seen:
                seen.add(model_id)
                rows.append(ModelRow(model_id, infos[model_id]))
        for model in self._extra.get(config.name, []):
            if model not in seen:
                seen.add(model)
                rows.append(ModelRow(model, None, "added by id"))
        return rows

    def _provider_note(self, config: ProviderConfig) -> str:
        notes: list[str] = []
        if config.kind == "local" and not self._local_ready():
            notes.append(f"needs {LOCAL_EXTRA_HINT}")
        if not self._has_key(config):
            notes.append("no key")
        note = self._notes.get(config.name)
        if note:
            notes.append(note)
        else:
            cached = self._cache.get(config)
            if cached is not None:
                notes.append(f"list fetched {describe_age(time.time() - cached.fetched_at)}")
        return " · ".join(notes)

    def _local_ready(self) -> bool:
        if self._local_available is None:
            self._local_available = local_models_available()[0]
        return self._local_available

    def _refill(self, name: str, tooltip: str = "") -> None:
        config = self._providers[name]
        self.tree.set_models(name, self._models_of(config), self.slots.refs())
        self.tree.set_note(name, self._provider_note(config), tooltip)

    # ----- search -------------------------------------------------------------------------
    def apply_filter(self) -> None:
        self.tree.apply_filter(self.search_edit.text())
        ref = _parse(self.search_edit.text())
        self.add_custom_button.setEnabled(
            ref is not None and ref.provider in self._providers and str(ref) not in self.tree)

    def visible_refs(self) -> list[str]:
        return self.tree.visible_refs()

    def pick_first_match(self) -> str | None:
        """Enter in the search box: add the first visible model not picked yet."""
        if self.add_custom_button.isEnabled():
            self.add_custom()
            refs = self.selected_refs()
            return refs[-1] if refs else None
        picked = self.slots.refs()
        for ref in self.visible_refs():
            if ref not in picked:
                self._select(ref)
                self.search_edit.selectAll()  # typing the next search replaces this one
                return ref
        return None

    def add_custom(self) -> bool:
        ref = _parse(self.search_edit.text())
        if ref is None or ref.provider not in self._providers:
            self.message.show_message("Type PROVIDER:MODEL with a configured provider.", "error")
            return False
        self._ensure_listed(ref)
        self._select(str(ref))
        self.search_edit.clear()
        return True

    def _ensure_listed(self, ref: ModelRef) -> None:
        if str(ref) in self.tree:
            return
        self._extra.setdefault(ref.provider, []).append(ref.model)
        self._refill(ref.provider)

    # ----- selection ---------------------------------------------------------------------
    def selected_refs(self) -> list[str]:
        """The model of each slot, in order (a model picked twice is there twice)."""
        return [str(entry.ref) for entry in self.slots.slots()]

    def item_for(self, ref: str) -> QTreeWidgetItem | None:
        return self.tree.item_for(ref)

    def set_selection(self, entries: list[ModelSetEntry]) -> list[str]:
        """Select exactly these slots; returns the ones skipped (unknown provider)."""
        skipped = [str(e.ref) for e in entries if e.ref.provider not in self._providers]
        kept = [e for e in entries if e.ref.provider in self._providers]
        for entry in kept:
            self._ensure_listed(entry.ref)
        self.slots.set_slots(kept)
        self._slots_changed()
        if skipped:
            self.message.show_message(
                "Skipped models of providers that are not configured: " + ", ".join(skipped),
                "warning")
        return skipped

    def _select(self, ref: str) -> None:
        if ref not in self.slots.refs():
            self.slots.append(ModelSetEntry(_parse_ref(ref)))

    def _check_toggled(self, ref: str, checked: bool) -> None:
        # A tick adds the model once; clearing it removes every slot of that model.
        if checked:
            self._select(ref)
        else:
            self.slots.remove_model(ref)

    def add_again(self, row: int | None = None) -> int | None:
        """Another slot of the model in slot `row` (default: the chosen one)."""
        return self.slots.add_again(self.selected_list.currentRow() if row is None else row)

    def _slots_changed(self) -> None:
        self.tree.set_checked(self.slots.refs())
        count = len(self.slots)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(count > 0)
        self.save_set_button.setEnabled(count > 0)

    def entries(self) -> tuple[ModelSetEntry, ...]:
        return tuple(self.slots.slots())

    def targets(self) -> list[ModelTarget]:
        return [ModelTarget(e.ref, self._providers[e.ref.provider], e.settings)
                for e in self.entries() if e.ref.provider in self._providers]

    # ----- named sets ---------------------------------------------------------------------
    def _reload_set_names(self, current: str | None = None) -> None:
        self.sets_combo.clear()
        names = self._sets.names()
        self.sets_combo.addItems(names)
        if current in names:
            self.sets_combo.setCurrentText(current)
        has_sets = bool(names)
        self.sets_combo.setEnabled(has_sets)
        self.load_set_button.setEnabled(has_sets)
        self.delete_set_button.setEnabled(has_sets)

    def save_set(self, name: str) -> bool:
        try:
            self._sets.save(name, self.entries())
        except (ModelSetError, OSError) as exc:
            self.message.show_message(str(exc), "error")
            return False
        self._reload_set_names(name.strip())
        self.set_name_edit.clear()
        self.message.show_message(f"Saved the set “{name.strip()}”.", "ok")
        return True

    def load_set(self, name: str) -> bool:
        entries = self._sets.get(name)
        if entries is None:
            self.message.show_message(f"There is no set named “{name}”.", "error")
            return False
        skipped = self.set_selection(list(entries))
        if not skipped:
            self.message.show_message(f"Loaded the set “{name}”.", "ok")
        return True

    def delete_set(self, name: str) -> None:
        try:
            self._sets.delete(name)
        except OSError as exc:
            self.message.show_message(str(exc), "error")
            return
        self._reload_set_names()

    # ----- fetching -----------------------------------------------------------------------
    def refresh(self, *, force: bool = True) -> int:
        """Fetch model lists in the background; returns how many fetches were started."""
        started = 0
        for config in self._providers.values():
            if config.kind == "local" or not self._has_key(config):
                continue
            if config.name in self._notes and self._notes[config.name] == "fetching…":
                continue
            # Local servers come and go, so they are asked each time; hosted lists are cached.
            if not force and not config.local and self._cache.is_fresh(config):
                continue
            self._notes[config.name] = "fetching…"
            self.tree.set_note(config.name, self._provider_note(config))
            self._tasks.start(self._fetch(config))
            started += 1
        return started

    async def _fetch(self, config: ProviderConfig) -> None:
        try:
            models = await fetch_models(config, self._keys.get(config), self._client)
        except Exception as exc:
            failure = describe_failure(exc, config)
            offline = failure.kind in ("connection", "timeout")
            self._notes[config.name] = "not running" if offline and _is_loopback(config) \
                else f"list unavailable ({failure.kind})"
            self.tree.set_note(config.name, self._provider_note(config), redact(str(failure)))
            return
        self._notes.pop(config.name, None)
        self._cache.put(config, models)
        self._refill(config.name)

    async def wait_idle(self) -> None:
        await self._tasks.wait_idle()

    # ----- dialog -------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._auto_fetch and not self._fetched_once:
            self._fetched_once = True
            self.refresh(force=False)
        self.search_edit.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Enter in a text field acts on that field instead of closing the dialog.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            focused = self.focusWidget()
            if focused is self.search_edit and self.search_edit.text().strip():
                self.pick_first_match()
                event.accept()
                return
            if focused is self.set_name_edit:
                self.save_set(self.set_name_edit.text())
                event.accept()
                return
        super().keyPressEvent(event)

    def accept(self) -> None:
        targets = self.targets()
        if not targets:
            self.message.show_message("Pick at least one model.", "error")
            return
        try:
            self._sets.set_last(self.entries())
        except (ModelSetError, OSError) as exc:
            self.message.show_message(f"Could not remember this set: {exc}", "warning")
        self._tasks.cancel_all()
        super().accept()
        self.accepted_targets.emit(targets)

    def done(self, result: int) -> None:
        self._tasks.cancel_all()
        super().done(result)

    def closeEvent(self, event: QCloseEvent) -> None:
        self._tasks.cancel_all()
        super().closeEvent(event)
