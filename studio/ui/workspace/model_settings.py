"""The per-model settings popover: temperature, max tokens, reasoning, own system prompt."""

from __future__ import annotations

from typing import cast

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QHideEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from studio.core.catalog import ProviderConfig
from studio.core.request import GenerationSettings, ReasoningEffort

_TEMPERATURE_DEFAULT = -0.1  # the spin box's minimum doubles as "provider default"
_REASONING_CHOICES: tuple[tuple[str, ReasoningEffort | None], ...] = (
    ("Provider default", None),
    ("Off", "off"),
    ("Low", "low"),
    ("Medium", "medium"),
    ("High", "high"),
)


def supports_reasoning(config: ProviderConfig) -> bool:
    """Whether the wire protocol has a thinking/reasoning switch the providers map to."""
    return config.kind in ("openai", "anthropic", "gemini", "ollama")


class ModelSettingsPopover(QFrame):
    """Edits one model's `GenerationSettings`; emits `changed` on every edit."""

    changed = Signal(object)  # GenerationSettings

    def __init__(self, title: str, config: ProviderConfig, settings: GenerationSettings,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName(f"Settings for {title}")
        self._loading = True
        layout = QVBoxLayout(self)
        heading = QLabel(f"<b>{title}</b>")
        heading.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(heading)
        form = QFormLayout()

        self.temperature = QDoubleSpinBox()
        self.temperature.setRange(_TEMPERATURE_DEFAULT, 2.0)
        self.temperature.setSingleStep(0.1)
        self.temperature.setDecimals(2)
        self.temperature.setSpecialValueText("default")
        self.temperature.setAccessibleName("Temperature")
        form.addRow("Temperature:", self.temperature)

        self.max_tokens = QSpinBox()
        self.max_tokens.setRange(0, 2_000_000)
        self.max_tokens.setSingleStep(256)
        self.max_tokens.setSpecialValueText("default")
        self.max_tokens.setAccessibleName("Maximum output tokens")
        form.addRow("Max tokens:", self.max_tokens)

        self.reasoning = QComboBox()
        for label, value in _REASONING_CHOICES:
            self.reasoning.addItem(label, value)
        self.reasoning.setAccessibleName("Reasoning effort")
        self.reasoning.setEnabled(supports_reasoning(config))
        if not supports_reasoning(config):
            self.reasoning.setToolTip(f"{config.display_name} has no reasoning switch")
        form.addRow("Reasoning:", self.reasoning)

        self.system = QPlainTextEdit()
        self.system.setPlaceholderText("Empty: use the shared system prompt")
        self.system.setAccessibleName("System prompt for this model")
        self.system.setTabChangesFocus(True)
        self.system.setFixedHeight(self.system.fontMetrics().lineSpacing() * 4 + 12)
        form.addRow("System prompt:", self.system)
        layout.addLayout(form)

        row = QHBoxLayout()
        reset = QPushButton("Reset to defaults")
        reset.setAccessibleName("Reset this model's settings to defaults")
        reset.clicked.connect(lambda: self.set_settings(GenerationSettings(), emit=True))
        row.addStretch(1)
        row.addWidget(reset)
        layout.addLayout(row)

        self._seed = settings.seed
        self.set_settings(settings)
        self.temperature.valueChanged.connect(self._emit)
        self.max_tokens.valueChanged.connect(self._emit)
        self.reasoning.currentIndexChanged.connect(self._emit)
        self.system.textChanged.connect(self._emit)

    def set_settings(self, settings: GenerationSettings, *, emit: bool = False) -> None:
        self._loading = True
        try:
            self.temperature.setValue(
                _TEMPERATURE_DEFAULT if settings.temperature is None else settings.temperature)
            self.max_tokens.setValue(settings.max_tokens or 0)
            index = self.reasoning.findData(settings.reasoning)
            self.reasoning.setCurrentIndex(max(index, 0))
            self.system.setPlainText(settings.system_override or "")
            self._seed = settings.seed
        finally:
            self._loading = False
        if emit:
            self._emit()

    def settings(self) -> GenerationSettings:
        temperature: float | None = round(self.temperature.value(), 2)
        if temperature is not None and temperature < 0:
            temperature = None
        reasoning = cast("ReasoningEffort | None", self.reasoning.currentData())
        return GenerationSettings(
            temperature=temperature,
            max_tokens=self.max_tokens.value() or None,
            reasoning=reasoning if self.reasoning.isEnabled() else None,
            system_override=self.system.toPlainText().strip() or None,
            seed=self._seed,
        )

    def _emit(self) -> None:
        if not self._loading:
            self.changed.emit(self.settings())

    def hideEvent(self, event: QHideEvent) -> None:
        self._emit()
        super().hideEvent(event)
