"""First start: nothing is configured yet, so say what the studio does and offer the ways in."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from studio.core.catalog import ProviderRegistry
from studio.core.secrets import KeyStore
from studio.ui.settings.model_lists import (
    LOCAL_EXTRA_HINT,
    LOCAL_PROVIDER_MODULE,
    local_models_available,
)

__all__ = ["LOCAL_PROVIDER_MODULE", "WelcomeWidget", "local_models_available", "needs_welcome"]


def needs_welcome(registry: ProviderRegistry, keys: KeyStore) -> bool:
    """True on a first start: no provider has a key and the user added no endpoint."""
    configs = list(registry.all().values())
    if any(not config.builtin for config in configs):
        return False  # answered without opening the keyring
    return not any(config.needs_key and keys.source(config) is not None for config in configs)


class _Card(QFrame):
    def __init__(self, title: str, text: str, button_text: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.title_label = QLabel(title)
        font = self.title_label.font()
        font.setBold(True)
        self.title_label.setFont(font)
        self.text_label = QLabel(text)
        self.text_label.setWordWrap(True)
        self.hint_label = QLabel()
        self.hint_label.setWordWrap(True)
        self.hint_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hint_label.hide()
        self.button = QPushButton(button_text)
        self.button.setAccessibleName(button_text)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title_label)
        layout.addWidget(self.text_label, 1)
        layout.addWidget(self.hint_label)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignLeft)

    def set_unavailable(self, hint: str) -> None:
        self.button.setEnabled(False)
        self.hint_label.setText(hint)
        self.hint_label.show()


class WelcomeWidget(QWidget):
    """Shown instead of the workspace until something is configured.

    The owner connects the signals: `addKeyRequested` → providers dialog,
    `compatibleServerRequested` → providers dialog's add-endpoint form,
    `localModelsRequested` → a ready comparison of local models.
    """

    addKeyRequested = Signal()
    localModelsRequested = Signal()
    compatibleServerRequested = Signal()

    def __init__(self, *, local_available: bool | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcome")
        self.setAccessibleName("Welcome")
        if local_available is None:
            local_available, _reason = local_models_available()

        heading = QLabel("Welcome to Prompt Studio")
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        heading.setFont(font)
        intro = QLabel(
            "Send one prompt to several models at once, watch their answers stream side by "
            "side with timings and costs, and run the pages they write in a sandboxed preview. "
            "To start, connect at least one model.")
        intro.setWordWrap(True)

        self.key_card = _Card(
            "Use a hosted provider",
            "OpenAI, Anthropic, Gemini, Qwen, DeepSeek, Kimi, OpenRouter … Your key is stored "
            "in the operating system's keyring, never in a file.",
            "Add an API key")
        self.local_card = _Card(
            "Try local models",
            "Run a small bundled model on this machine: no account, no key, no network.",
            "Try local models")
        self.server_card = _Card(
            "Use an OpenAI-compatible server",
            "Point the studio at Ollama, LM Studio, llama.cpp, vLLM or any other server "
            "that speaks the OpenAI Chat Completions API.",
            "Use an OpenAI-compatible server")
        if not local_available:
            self.local_card.set_unavailable(
                f"Local models need the optional extra. Install it with:\n{LOCAL_EXTRA_HINT}")

        self.add_key_button = self.key_card.button
        self.local_button = self.local_card.button
        self.server_button = self.server_card.button
        self.add_key_button.setDefault(True)
        self.add_key_button.clicked.connect(self.addKeyRequested)
        self.local_button.clicked.connect(self.localModelsRequested)
        self.server_button.clicked.connect(self.compatibleServerRequested)

        cards = QHBoxLayout()
        for card in (self.key_card, self.local_card, self.server_card):
            cards.addWidget(card, 1)

        column = QVBoxLayout()
        column.addStretch(1)
        column.addWidget(heading)
        column.addWidget(intro)
        column.addSpacing(12)
        column.addLayout(cards)
        column.addStretch(2)

        outer = QHBoxLayout(self)
        outer.addStretch(1)
        outer.addLayout(column, 6)
        outer.addStretch(1)

    @property
    def local_available(self) -> bool:
        return self.local_button.isEnabled()
