"""The "add a custom endpoint" form: validates everything before anything is written."""

from __future__ import annotations

import re

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.core.catalog import (
    AZURE_DEFAULT_API_VERSION,
    AZURE_KEY_ENV,
    CatalogError,
    ProviderConfig,
    ProviderRegistry,
    validate_api_version,
    validate_base_url,
    validate_name,
)
from studio.ui.settings.status_label import StatusLabel

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

# (kind, label, example base URL, needs a key by default)
ENDPOINT_KINDS: tuple[tuple[str, str, str, bool], ...] = (
    ("openai", "OpenAI-compatible (Chat Completions)", "http://127.0.0.1:8000/v1", True),
    ("anthropic", "Anthropic Messages", "https://api.anthropic.com/v1", True),
    ("gemini", "Google Gemini", "https://generativelanguage.googleapis.com/v1beta", True),
    ("ollama", "Ollama (native /api/chat)", "http://127.0.0.1:11434", False),
    ("azure", "Azure OpenAI", "https://YOUR-RESOURCE.openai.azure.com", True),
)


class EndpointForm(QWidget):
    """Emits `added(ProviderConfig)` once the endpoint is saved, `cancelled()` otherwise."""

    added = Signal(object)
    cancelled = Signal()

    def __init__(self, registry: ProviderRegistry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._registry = registry

        title = QLabel("<b>Add a custom endpoint</b>")
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("e.g. my-vllm")
        self.name_edit.setAccessibleName("Provider name")
        self.label_edit = QLineEdit()
        self.label_edit.setPlaceholderText("optional display name")
        self.label_edit.setAccessibleName("Display name")
        self.kind_combo = QComboBox()
        self.kind_combo.setAccessibleName("Protocol")
        for kind, label, _example, _needs_key in ENDPOINT_KINDS:
            self.kind_combo.addItem(label, kind)
        self.url_edit = QLineEdit()
        self.url_edit.setAccessibleName("Base URL")
        self.key_env_edit = QLineEdit()
        self.key_env_edit.setPlaceholderText("optional, e.g. MY_SERVER_API_KEY")
        self.key_env_edit.setAccessibleName("Key environment variable")
        self.needs_key_check = QCheckBox("This endpoint needs an API key")
        self.models_edit = QLineEdit()
        self.models_edit.setAccessibleName("Preset models")
        # Azure only: the api-version query, or v1 for the /openai/v1 path
        self.api_version_edit = QLineEdit()
        self.api_version_edit.setPlaceholderText(
            f"{AZURE_DEFAULT_API_VERSION} (default), a newer dated version, or v1")
        self.api_version_edit.setAccessibleName("API version")
        self.error_label = StatusLabel("Endpoint error")

        self._form = form = QFormLayout()
        form.addRow("Name", self.name_edit)
        form.addRow("Display name", self.label_edit)
        form.addRow("Protocol", self.kind_combo)
        form.addRow("Base URL", self.url_edit)
        form.addRow("API version", self.api_version_edit)
        form.addRow("Key variable", self.key_env_edit)
        form.addRow("", self.needs_key_check)
        form.addRow("Models", self.models_edit)

        self.add_button = QPushButton("Add endpoint")
        self.cancel_button = QPushButton("Cancel")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.add_button)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addLayout(buttons)
        layout.addStretch(1)

        self.kind_combo.currentIndexChanged.connect(self._kind_changed)
        self.add_button.clicked.connect(self.submit)
        for edit in (self.name_edit, self.label_edit, self.url_edit, self.key_env_edit,
                     self.models_edit, self.api_version_edit):
            edit.returnPressed.connect(self.submit)
        self.cancel_button.clicked.connect(self.cancelled)
        self._kind_changed()

    def reset(self, kind: str = "openai") -> None:
        for edit in (self.name_edit, self.label_edit, self.url_edit, self.key_env_edit,
                     self.models_edit, self.api_version_edit):
            edit.clear()
        self.error_label.clear_message()
        index = self.kind_combo.findData(kind)
        self.kind_combo.setCurrentIndex(max(index, 0))
        self._kind_changed()
        self.name_edit.setFocus()

    def _kind_changed(self) -> None:
        kind = self.kind_combo.currentData()
        for k, _label, example, needs_key in ENDPOINT_KINDS:
            if k == kind:
                self.url_edit.setPlaceholderText(example)
                self.needs_key_check.setChecked(needs_key)
        azure = kind == "azure"
        # Azure's models are the resource's deployments, named by whoever deployed them
        self._form.setRowVisible(self.api_version_edit, azure)
        models_label = self._form.labelForField(self.models_edit)
        if isinstance(models_label, QLabel):
            models_label.setText("Deployments" if azure else "Models")
        self.models_edit.setAccessibleName("Deployments" if azure else "Preset models")
        self.models_edit.setPlaceholderText(
            "comma-separated deployment names (required)" if azure
            else "optional, comma-separated model ids to offer")
        self.key_env_edit.setPlaceholderText(
            f"optional, default {AZURE_KEY_ENV}" if azure
            else "optional, e.g. MY_SERVER_API_KEY")

    def show_error(self, message: str) -> None:
        self.error_label.show_message(message, "error")

    def submit(self) -> ProviderConfig | None:
        """Validate and save; on any problem show it and write nothing."""
        name = self.name_edit.text().strip()
        base_url = self.url_edit.text().strip()
        kind = str(self.kind_combo.currentData())
        try:
            validate_name(name)
            if name in self._registry.all():
                raise CatalogError(f"a provider named {name!r} already exists")
            validate_base_url(base_url)
            key_env = self.key_env_edit.text().strip()
            if key_env and not _ENV_NAME.fullmatch(key_env):
                raise CatalogError(f"invalid environment variable name {key_env!r}")
            models = [m.strip() for m in self.models_edit.text().split(",") if m.strip()]
            api_version = None
            if kind == "azure":
                api_version = self.api_version_edit.text().strip() or None
                if api_version:
                    validate_api_version(api_version)
                if not models:
                    raise CatalogError("name at least one deployment: an Azure endpoint "
                                       "serves the models deployed on it, under their "
                                       "deployment names")
            config = self._registry.add(
                name, kind, base_url,
                label=self.label_edit.text().strip(),
                key_env=key_env or None,
                needs_key=self.needs_key_check.isChecked(),
                models=models or None,
                api_version=api_version,
            )
        except (CatalogError, OSError) as exc:
            self.show_error(str(exc))
            return None
        self.error_label.clear_message()
        self.added.emit(config)
        return config
