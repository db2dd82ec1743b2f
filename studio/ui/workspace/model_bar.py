"""The selected models as chips; each chip opens that model's settings popover."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QPoint, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QWidget,
)

from studio.core.request import GenerationSettings
from studio.core.runner import ModelTarget
from studio.ui.style import icon
from studio.ui.workspace.identity import HIDDEN_TIP, PLAIN, Identity
from studio.ui.workspace.model_settings import ModelSettingsPopover


def chip_text(target: ModelTarget) -> str:
    summary = target.settings.summary()
    return str(target.ref) if summary == "defaults" else f"{target.ref}  ·  {summary}"


class ModelChip(QFrame):
    settingsRequested = Signal()
    removeRequested = Signal()

    def __init__(self, target: ModelTarget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("modelChip")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 0, 0)
        layout.setSpacing(0)
        self.button = QToolButton()
        self.button.setAutoRaise(True)
        self.button.setIcon(icon("tune"))
        self.button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.button.clicked.connect(self.settingsRequested)
        self.remove = QToolButton()
        self.remove.setAutoRaise(True)
        self.remove.setIcon(icon("close"))
        self.remove.setIconSize(QSize(12, 12))
        self.remove.clicked.connect(self.removeRequested)
        layout.addWidget(self.button)
        layout.addWidget(self.remove)
        self.set_target(target)

    def set_target(self, target: ModelTarget, hidden_as: str | None = None) -> None:
        """Show the model; `hidden_as` (e.g. "Model 2") stands in for it while names are
        hidden, and its settings cannot be opened then."""
        self.button.setEnabled(hidden_as is None)
        if hidden_as is not None:
            self.button.setText(hidden_as)
            self.button.setToolTip(HIDDEN_TIP)
            self.button.setAccessibleName(hidden_as)
            self.remove.setToolTip(f"Remove {hidden_as}")
            self.remove.setAccessibleName(f"Remove {hidden_as}")
            return
        self.button.setText(chip_text(target))
        self.button.setToolTip(f"{target.config.display_name}: {target.ref.model}\n"
                               f"Settings: {target.settings.summary()} (click to change)")
        self.button.setAccessibleName(f"Settings for {target.ref}")
        self.remove.setToolTip(f"Remove {target.ref}")
        self.remove.setAccessibleName(f"Remove {target.ref}")


class ModelBar(QWidget):
    """Owns the list of selected `ModelTarget`s; emits `targetsChanged` after every edit."""

    targetsChanged = Signal()
    pickRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._identity: Identity = PLAIN
        self._targets: list[ModelTarget] = []
        self._chips: list[ModelChip] = []
        self._popover: ModelSettingsPopover | None = None
        outer = QHBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.pick_button = QToolButton()
        self.pick_button.setIcon(icon("models"))
        self.pick_button.setText("Models…")
        self.pick_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.pick_button.setAccessibleName("Choose models")
        self.pick_button.setToolTip("Choose the models to compare")
        self.pick_button.clicked.connect(self.pickRequested)
        outer.addWidget(self.pick_button)

        self._scroll = QScrollArea()
        self._scroll.setWidgetResizable(True)
        self._scroll.setFrameShape(QFrame.Shape.NoFrame)
        self._scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._scroll.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        inner = QWidget()
        self._chip_row = QHBoxLayout(inner)
        self._chip_row.setContentsMargins(0, 0, 0, 0)
        self._empty = QLabel("No models selected")
        self._empty.setEnabled(False)
        self._chip_row.addWidget(self._empty)
        self._chip_row.addStretch(1)
        self._scroll.setWidget(inner)
        outer.addWidget(self._scroll, 1)
        self._scroll.setFixedHeight(self.pick_button.sizeHint().height() + 12)

    def set_identity(self, identity: Identity) -> None:
        """Hide the chips' names whenever `identity` hides the models' names."""
        self._identity = identity
        identity.changed.connect(self._show_names)
        self._show_names()

    def _show_names(self) -> None:
        hiding = self._identity.hiding
        if hiding:
            self._close_popover()
        for n, (chip, target) in enumerate(zip(self._chips, self._targets, strict=True)):
            chip.set_target(target, f"Model {n + 1}" if hiding else None)

    def targets(self) -> list[ModelTarget]:
        return list(self._targets)

    def chips(self) -> list[ModelChip]:
        return list(self._chips)

    def set_targets(self, targets: list[ModelTarget]) -> None:
        self._close_popover()
        for chip in self._chips:
            self._chip_row.removeWidget(chip)
            chip.deleteLater()
        self._chips = []
        self._targets = list(targets)
        for i, target in enumerate(self._targets):
            chip = ModelChip(target)
            chip.settingsRequested.connect(lambda i=i: self.open_settings(i))
            chip.removeRequested.connect(lambda i=i: self.remove_target(i))
            self._chip_row.insertWidget(self._chip_row.count() - 1, chip)
            self._chips.append(chip)
        self._show_names()
        self._empty.setVisible(not self._targets)
        self.targetsChanged.emit()

    def remove_target(self, index: int) -> None:
        targets = self.targets()
        del targets[index]
        self.set_targets(targets)

    def set_settings(self, index: int, settings: GenerationSettings) -> None:
        target = replace(self._targets[index], settings=settings)
        self._targets[index] = target
        self._chips[index].set_target(target)
        self._show_names()
        self.targetsChanged.emit()

    def open_settings(self, index: int) -> ModelSettingsPopover | None:
        self._close_popover()
        if self._identity.hiding:
            return None  # it names the model
        target = self._targets[index]
        popover = ModelSettingsPopover(str(target.ref), target.config, target.settings, self)
        popover.changed.connect(lambda s, i=index: self._on_popover_changed(i, s))
        chip = self._chips[index]
        popover.adjustSize()
        popover.move(chip.mapToGlobal(QPoint(0, chip.height())))
        popover.show()
        self._popover = popover
        return popover

    def _on_popover_changed(self, index: int, settings: GenerationSettings) -> None:
        if index < len(self._targets) and self._targets[index].settings != settings:
            self.set_settings(index, settings)

    def _close_popover(self) -> None:
        if self._popover is not None:
            self._popover.hide()
            self._popover.deleteLater()
            self._popover = None
