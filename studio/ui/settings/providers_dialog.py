"""Providers and keys: key status per provider, keys straight into the OS keyring, custom
endpoints, and a connection test / model fetch that never blocks the window."""

from __future__ import annotations

import httpx
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.core.catalog import (
    AZURE_DEFAULT_API_VERSION,
    CatalogError,
    ProviderConfig,
    ProviderRegistry,
)
from studio.core.redact import redact, register_secret
from studio.core.secrets import KeyringUnavailable, KeyStore
from studio.ui.settings.endpoint_form import EndpointForm
from studio.ui.settings.model_lists import ModelListCache, describe_failure, fetch_models
from studio.ui.settings.status_label import StatusLabel, Tone
from studio.ui.settings.tasks import TaskSet

_NAME_ROLE = Qt.ItemDataRole.UserRole


def key_status(config: ProviderConfig, keys: KeyStore) -> str:
    """"in keyring", "from environment variable X", "missing" or "no key needed"."""
    source = keys.source(config)
    if source == "keyring":
        return "in keyring"
    if source == "env":
        return f"from environment variable {config.key_env}"
    if not config.needs_key:
        return "no key needed"
    return "missing"


class ProvidersDialog(QDialog):
    """Non-modal by default; open it with `show()`/`open()`, never `exec()` from a coroutine.

    `providersChanged` fires after a provider was added or removed or a key was stored or
    deleted, so pickers and the welcome screen can refresh.
    """

    providersChanged = Signal()

    def __init__(self, registry: ProviderRegistry, keys: KeyStore, model_cache: ModelListCache,
                 *, client: httpx.AsyncClient | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Providers and API keys")
        self.setObjectName("providersDialog")
        self._registry = registry
        self._keys = keys
        self._cache = model_cache
        self._client = client
        self._tasks = TaskSet()
        # Last test/fetch outcome per provider, so switching rows does not lose it.
        self._results: dict[str, tuple[str, Tone]] = {}
        self._busy: set[str] = set()

        self.keyring_banner = StatusLabel("Keyring status")
        self.provider_list = QTreeWidget()
        self.provider_list.setAccessibleName("Providers")
        self.provider_list.setColumnCount(3)
        self.provider_list.setHeaderLabels(["Provider", "Protocol", "API key"])
        self.provider_list.setRootIsDecorated(False)
        self.provider_list.setUniformRowHeights(True)
        self.add_endpoint_button = QPushButton("Add endpoint…")
        self.add_endpoint_button.setToolTip(
            "Add an OpenAI-compatible, Anthropic, Gemini, Ollama or Azure OpenAI endpoint")

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.provider_list, 1)
        left_layout.addWidget(self.add_endpoint_button)

        self.details = self._build_details()
        self.endpoint_form = EndpointForm(registry)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.details)
        self.pages.addWidget(self.endpoint_form)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.pages)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([480, 480])

        close_box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close_box.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.keyring_banner)
        layout.addWidget(splitter, 1)
        layout.addWidget(close_box)
        self.resize(980, 540)

        self.provider_list.currentItemChanged.connect(self._show_current)
        self.add_endpoint_button.clicked.connect(lambda: self.show_add_endpoint())
        self.endpoint_form.added.connect(self._endpoint_added)
        self.endpoint_form.cancelled.connect(self._endpoint_cancelled)

        # Enter belongs to the field being edited (the key field saves the key); no button
        # may become the dialog's default and catch it.
        for button in self.findChildren(QPushButton):
            button.setAutoDefault(False)
            button.setDefault(False)

        self._update_keyring_banner()
        self.reload()

    # ----- construction -------------------------------------------------------------------
    def _build_details(self) -> QWidget:
        page = QWidget()
        self.title_label = QLabel()
        self.title_label.setTextFormat(Qt.TextFormat.PlainText)
        font = self.title_label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.title_label.setFont(font)
        self.url_label = QLabel()
        self.url_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.url_label.setTextFormat(Qt.TextFormat.PlainText)
        self.status_label = QLabel()
        self.status_label.setAccessibleName("Key status")
        self.api_version_label = QLabel()
        self.api_version_label.setAccessibleName("API version")
        self.api_version_label.setTextFormat(Qt.TextFormat.PlainText)

        self.key_edit = QLineEdit()
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_edit.setInputMethodHints(Qt.InputMethodHint.ImhHiddenText
                                          | Qt.InputMethodHint.ImhSensitiveData
                                          | Qt.InputMethodHint.ImhNoPredictiveText)
        self.key_edit.setPlaceholderText("paste an API key; it is stored in the OS keyring")
        self.key_edit.setAccessibleName("API key")
        self.save_key_button = QPushButton("Save key")
        self.delete_key_button = QPushButton("Delete key")
        key_row = QHBoxLayout()
        key_row.addWidget(self.key_edit, 1)
        key_row.addWidget(self.save_key_button)
        key_row.addWidget(self.delete_key_button)

        self.test_button = QPushButton("Test connection")
        self.fetch_button = QPushButton("Fetch models")
        self.remove_button = QPushButton("Remove provider")
        actions = QHBoxLayout()
        actions.addWidget(self.test_button)
        actions.addWidget(self.fetch_button)
        actions.addStretch(1)
        actions.addWidget(self.remove_button)

        self.result_label = StatusLabel("Connection result")
        self.models_list = QListWidget()
        self.models_list.setAccessibleName("Fetched models")
        self.models_list.setSelectionMode(QListWidget.SelectionMode.NoSelection)

        self._details_form = form = QFormLayout()
        form.addRow("Base URL", self.url_label)
        form.addRow("API version", self.api_version_label)
        form.addRow("API key", self.status_label)

        layout = QVBoxLayout(page)
        layout.addWidget(self.title_label)
        layout.addLayout(form)
        layout.addLayout(key_row)
        layout.addLayout(actions)
        layout.addWidget(self.result_label)
        layout.addWidget(self.models_list, 1)

        self.key_edit.returnPressed.connect(self.save_key)
        self.save_key_button.clicked.connect(self.save_key)
        self.delete_key_button.clicked.connect(self.delete_key)
        self.test_button.clicked.connect(self.test_connection)
        self.fetch_button.clicked.connect(self.fetch_models)
        self.remove_button.clicked.connect(self.remove_provider)
        return page

    # ----- state --------------------------------------------------------------------------
    def _update_keyring_banner(self) -> None:
        usable, description = self._keys.available()
        if usable:
            self.keyring_banner.clear_message()
        else:
            self.keyring_banner.show_message(
                f"Keys cannot be saved: {description}", "warning")

    def reload(self, select: str | None = None) -> None:
        """Re-read providers and key status; keeps (or moves to) the selected provider."""
        current = select or self.current_name()
        self.provider_list.clear()
        target: QTreeWidgetItem | None = None
        for config in self._registry.all().values():
            item = QTreeWidgetItem([config.display_name, config.kind,
                                    key_status(config, self._keys)])
            item.setData(0, _NAME_ROLE, config.name)
            item.setToolTip(0, config.name)
            item.setToolTip(2, item.text(2))
            self.provider_list.addTopLevelItem(item)
            if config.name == current:
                target = item
        for column in range(3):
            self.provider_list.resizeColumnToContents(column)
        if target is None and self.provider_list.topLevelItemCount():
            target = self.provider_list.topLevelItem(0)
        if target is not None:
            self.provider_list.setCurrentItem(target)
        self._show_current()

    def current_name(self) -> str | None:
        item = self.provider_list.currentItem()
        return None if item is None else str(item.data(0, _NAME_ROLE))

    def current_config(self) -> ProviderConfig | None:
        name = self.current_name()
        if name is None:
            return None
        try:
            return self._registry.get(name)
        except CatalogError:
            return None

    def select_provider(self, name: str) -> bool:
        for i in range(self.provider_list.topLevelItemCount()):
            item = self.provider_list.topLevelItem(i)
            if item is not None and item.data(0, _NAME_ROLE) == name:
                self.provider_list.setCurrentItem(item)
                self.pages.setCurrentWidget(self.details)
                return True
        return False

    def _show_current(self) -> None:
        # A typed key never follows the user to another provider.
        self.key_edit.clear()
        config = self.current_config()
        self.details.setEnabled(config is not None)
        self.models_list.clear()
        if config is None:
            self.title_label.clear()
            self.url_label.clear()
            self.status_label.clear()
            self.result_label.clear_message()
            return
        self.pages.setCurrentWidget(self.details)
        self.title_label.setText(f"{config.display_name}  ({config.name})")
        self.url_label.setText(config.base_url or "runs in-process")
        self._details_form.setRowVisible(self.api_version_label, config.kind == "azure")
        self.api_version_label.setText(config.api_version or AZURE_DEFAULT_API_VERSION)
        self.status_label.setText(key_status(config, self._keys))
        has_keyring_key = self._keys.source(config) == "keyring"
        self.delete_key_button.setEnabled(has_keyring_key)
        busy = config.name in self._busy
        self.test_button.setEnabled(not busy)
        self.fetch_button.setEnabled(not busy)
        self.remove_button.setVisible(not config.builtin)
        result = self._results.get(config.name)
        if result is None:
            self.result_label.clear_message()
        else:
            self.result_label.show_message(*result)
        cached = self._cache.get(config)
        if cached is not None:
            self.models_list.addItems([m.id for m in cached.models])

    def _set_result(self, name: str, text: str, tone: Tone) -> None:
        self._results[name] = (text, tone)
        if self.current_name() == name:
            self.result_label.show_message(text, tone)

    # ----- keys ---------------------------------------------------------------------------
    def save_key(self) -> bool:
        config = self.current_config()
        key = self.key_edit.text()
        # Whatever happens next, the key does not stay in the widget.
        self.key_edit.clear()
        if config is None:
            return False
        try:
            self._keys.set(config.name, key)
        except KeyringUnavailable as exc:
            self._update_keyring_banner()
            self._set_result(config.name, f"Key not saved: {exc}", "error")
            return False
        except ValueError as exc:
            self._set_result(config.name, f"Key not saved: {exc}", "error")
            return False
        self._set_result(config.name, "Key saved in the OS keyring.", "ok")
        self.reload(config.name)
        self.providersChanged.emit()
        return True

    def delete_key(self) -> bool:
        config = self.current_config()
        if config is None:
            return False
        try:
            removed = self._keys.delete(config.name)
        except KeyringUnavailable as exc:
            self._set_result(config.name, f"Key not deleted: {exc}", "error")
            return False
        note = "Key deleted from the OS keyring." if removed else "There was no stored key."
        self._set_result(config.name, note, "info")
        self.reload(config.name)
        self.providersChanged.emit()
        return removed

    # ----- endpoints ----------------------------------------------------------------------
    def show_add_endpoint(self, kind: str = "openai") -> None:
        self.endpoint_form.reset(kind)
        self.pages.setCurrentWidget(self.endpoint_form)

    def _endpoint_added(self, config: ProviderConfig) -> None:
        self.reload(config.name)
        self._set_result(config.name, f"Endpoint {config.name!r} added.", "ok")
        self.providersChanged.emit()

    def _endpoint_cancelled(self) -> None:
        self.pages.setCurrentWidget(self.details)

    def remove_provider(self) -> None:
        config = self.current_config()
        if config is None or config.builtin:
            return
        try:
            self._registry.remove(config.name)
        except (CatalogError, OSError) as exc:
            self._set_result(config.name, str(exc), "error")
            return
        self._cache.forget(config.name)
        self._results.pop(config.name, None)
        self.reload()
        self.providersChanged.emit()

    # ----- network ------------------------------------------------------------------------
    def test_connection(self) -> None:
        self._start_listing(show_models=False)

    def fetch_models(self) -> None:
        self._start_listing(show_models=True)

    def _start_listing(self, *, show_models: bool) -> None:
        config = self.current_config()
        if config is None or config.name in self._busy:
            return
        self._busy.add(config.name)
        self.test_button.setEnabled(False)
        self.fetch_button.setEnabled(False)
        verb = "Fetching models from" if show_models else "Connecting to"
        self._set_result(config.name, f"{verb} {config.display_name}…", "info")
        self._tasks.start(self._list_models(config, show_models=show_models))

    async def _list_models(self, config: ProviderConfig, *, show_models: bool) -> None:
        key = self._keys.get(config)
        register_secret(key)
        try:
            models = await fetch_models(config, key, self._client)
        except Exception as exc:
            failure = describe_failure(exc, config)
            missing = " (no API key is set)" if config.needs_key and not key else ""
            self._set_result(config.name,
                             redact(f"Connection failed{missing}: {failure}"), "error")
            return
        finally:
            self._busy.discard(config.name)
            if self.current_name() == config.name:
                self.test_button.setEnabled(True)
                self.fetch_button.setEnabled(True)
        self._cache.put(config, models)
        count = len(models)
        noun = "model" if count == 1 else "models"
        if show_models:
            self._set_result(config.name, f"Fetched {count} {noun}.", "ok")
        else:
            self._set_result(config.name, f"Connected: {count} {noun} available.", "ok")
        if self.current_name() == config.name:
            self.models_list.clear()
            self.models_list.addItems([m.id for m in models])

    async def wait_idle(self) -> None:
        """Wait for every running test/fetch (for tests and orderly shutdown)."""
        await self._tasks.wait_idle()

    # ----- closing ------------------------------------------------------------------------
    def done(self, result: int) -> None:
        self.key_edit.clear()
        self._tasks.cancel_all()
        super().done(result)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.key_edit.clear()
        self._tasks.cancel_all()
        super().closeEvent(event)
