"""Starting a batch: the prompts, the models, the limits, the judge — and what it will cost.

The estimate is made before anything is sent (requests, and dollars for the models with a
price; models without one are said to be unknown, never free) and follows every choice.
When it is above the amount the user set (remembered in the settings), Start asks once
more. The dialog opens with `open()`; `planned` holds the batch to create once accepted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QMessageBox,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from studio.core.batch import MAX_CONCURRENCY, Batch, BatchError, BatchRow
from studio.core.batch_estimate import Estimate, estimate_batch
from studio.core.catalog import CatalogError, ProviderRegistry
from studio.core.judge import TargetResolver
from studio.core.model_sets import ModelSetEntry
from studio.core.prices import PriceTable
from studio.core.runner import ModelTarget
from studio.store import Store, StoreError
from studio.ui.grid.planning import (
    Selection,
    checked_rows,
    judges_without_model,
    plan_batch,
    read_sources,
    targets_of,
)
from studio.ui.grid.settings import GridSettings

CURRENT = "current"  # the combo's data for the workspace's own models


class StartBatchDialog(QDialog):
    def __init__(self, store: Store, selection: Selection, *, registry: ProviderRegistry,
                 prices: PriceTable, resolve: TargetResolver,
                 current: Sequence[ModelTarget], model_sets: Sequence[str],
                 model_set: Callable[[str], tuple[ModelSetEntry, ...] | None],
                 settings: GridSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("startBatchDialog")
        self.setWindowTitle("Run as a batch")
        self.setAccessibleName(self.windowTitle())
        self.store = store
        self.selection = selection
        self.settings = settings
        self._registry = registry
        self._prices = prices
        self._resolve = resolve
        self._current = list(current)
        self._model_set = model_set
        self.planned: Batch | None = None
        self.targets: list[ModelTarget] = []
        self.rows: list[BatchRow] = []
        self.estimate: Estimate | None = None
        self.confirmation: QMessageBox | None = None
        self._problem = ""

        self.what = QLabel(self)
        self.what.setWordWrap(True)
        self.recursive = QCheckBox("Include its sub-collections", self)
        self.recursive.setVisible(selection.collection_id is not None)
        self.models = QComboBox(self)
        self.models.setAccessibleName("Model set")
        self.models.addItem(f"The workspace's models ({len(self._current)})", CURRENT)
        for name in model_sets:
            self.models.addItem(name, name)
        self.model_list = QLabel(self)
        self.model_list.setWordWrap(True)
        self.concurrency = QSpinBox(self)
        self.concurrency.setRange(1, MAX_CONCURRENCY)
        self.concurrency.setValue(settings.concurrency)
        self.concurrency.setAccessibleName("Streams open at once")
        self.per_provider = QSpinBox(self)
        self.per_provider.setRange(0, MAX_CONCURRENCY)
        self.per_provider.setSpecialValueText("no limit of its own")
        self.per_provider.setValue(settings.per_provider)
        self.per_provider.setAccessibleName("Streams open at once to one provider")
        self.judge = QComboBox(self)
        self.judge.setEditable(True)
        self.judge.setAccessibleName("Judge model")
        self.judge.setToolTip("Grades the judge checks that name no model of their own "
                              "(provider:model)")
        edit = self.judge.lineEdit()
        if edit is not None:
            edit.setPlaceholderText("none (provider:model)")
        self.judge.setEditText(settings.judge)
        self.judge_note = QLabel(self)
        self.judge_note.setWordWrap(True)
        self.estimate_label = QLabel(self)
        self.estimate_label.setObjectName("batchEstimate")
        self.estimate_label.setWordWrap(True)
        self.threshold = QDoubleSpinBox(self)
        self.threshold.setRange(0.0, 100_000.0)
        self.threshold.setDecimals(2)
        self.threshold.setPrefix("$")
        self.threshold.setValue(settings.confirm_above_usd)
        self.threshold.setAccessibleName("Ask first when the estimate is above")
        self.error = QLabel(self)
        self.error.setObjectName("batchPlanProblem")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c0392b;")
        self.error.hide()

        form = QFormLayout()
        form.addRow("Prompts", self.what)
        form.addRow("", self.recursive)
        form.addRow("&Models", self.models)
        form.addRow("", self.model_list)
        form.addRow("&Streams at once", self.concurrency)
        form.addRow("&Per provider", self.per_provider)
        form.addRow("&Judge", self.judge)
        form.addRow("", self.judge_note)
        form.addRow("Estimate", self.estimate_label)
        form.addRow("&Ask first above", self.threshold)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.start_button = self.buttons.addButton(
            "Start", QDialogButtonBox.ButtonRole.AcceptRole)
        self.start_button.setDefault(True)
        self.buttons.accepted.connect(self._start_clicked)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.resize(620, 460)

        self.recursive.toggled.connect(self._reread)
        self.models.currentIndexChanged.connect(self._models_changed)
        self.judge.editTextChanged.connect(self._update)
        self._reread()
        self._models_changed()

    # -- what is chosen ----------------------------------------------------------------------

    def _reread(self) -> None:
        try:
            sources = read_sources(self.store, self.selection,
                                   recursive=self.recursive.isChecked())
            self.rows = checked_rows(sources)
            self._problem = ""
            prompts = len(sources)
        except (StoreError, BatchError) as exc:
            self.rows = []
            self._problem = str(exc)
            prompts = 0
        rows = len(self.rows)
        extra = f", {rows} rows with their variable values" if rows != prompts else ""
        self.what.setText(f"“{self.selection.title}”: {prompts} prompt"
                          f"{'s' if prompts != 1 else ''}{extra}")
        self._update()

    def _models_changed(self) -> None:
        key = self.models.currentData()
        missing: list[str] = []
        if key == CURRENT:
            self.targets = list(self._current)
        else:
            entries = self._model_set(str(key)) or ()
            self.targets, missing = targets_of(self._registry, entries)
        names = ", ".join(t.title for t in self.targets) or "no models"
        if missing:
            names += f" (left out, their provider is gone: {', '.join(missing)})"
        self.model_list.setText(names)
        known = {self.judge.itemText(i) for i in range(self.judge.count())}
        text = self.judge.currentText()
        for target in self.targets:
            label = str(target.ref)
            if label not in known:
                self.judge.addItem(label)
        self.judge.setEditText(text)
        self._update()

    def judge_model(self) -> str | None:
        return self.judge.currentText().strip() or None

    # -- the estimate --------------------------------------------------------------------------

    def _update(self) -> None:
        problem = self._problem
        judge = self.judge_model()
        if not problem and not self.targets:
            problem = "Choose a model set with at least one model."
        if not problem and judge is not None:
            try:
                self._resolve(judge)
            except (CatalogError, ValueError) as exc:
                problem = f"The judge {judge!r} is not usable: {exc}"
        unjudged = judges_without_model(self.rows)
        self.judge_note.setText(
            f"{unjudged} judge check{'s' if unjudged != 1 else ''} name no model: without a "
            "judge here they are not run." if unjudged and judge is None else "")
        self.judge_note.setVisible(bool(self.judge_note.text()))
        if problem:
            self.estimate = None
            self.estimate_label.setText("–")
            self.error.setText(problem[0].upper() + problem[1:])
            self.error.show()
            self.start_button.setEnabled(False)
            return
        self.error.hide()
        self.estimate = estimate_batch(self.rows, self.targets, self._prices,
                                       resolve=self._resolve, default_judge=judge)
        cells = len(self.rows) * len(self.targets)
        self.estimate_label.setText(f"{len(self.rows)} × {len(self.targets)} = {cells} cells; "
                                    f"{self.estimate.summary()}")
        self.start_button.setEnabled(True)

    # -- starting ------------------------------------------------------------------------------

    def _start_clicked(self) -> None:
        estimate = self.estimate
        if estimate is None:
            return
        try:
            self.planned = plan_batch(
                self.rows, self.targets, title=self.selection.title,
                concurrency=self.concurrency.value(),
                per_provider=self.per_provider.value() or None, judge=self.judge_model(),
                collection_id=self.selection.collection_id)
        except BatchError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        self._remember()
        if estimate.cost_usd > self.threshold.value():
            self._confirm(estimate)
        else:
            self.accept()

    def _confirm(self, estimate: Estimate) -> None:
        box = QMessageBox(QMessageBox.Icon.Question, "Send this batch?",
                          f"This batch is estimated at ${estimate.cost_usd:.2f}, above the "
                          f"${self.threshold.value():.2f} you set.",
                          QMessageBox.StandardButton.Cancel, self)
        box.setObjectName("confirmBatchCost")
        box.setInformativeText(estimate.summary() + ".")
        send = box.addButton("Send it", QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        self.confirmation = box

        def answered() -> None:
            self.confirmation = None
            if box.clickedButton() is send:
                self.accept()

        box.finished.connect(answered)
        box.open()

    def _remember(self) -> None:
        s = self.settings
        s.concurrency = self.concurrency.value()
        s.per_provider = self.per_provider.value()
        s.judge = self.judge_model() or ""
        s.confirm_above_usd = self.threshold.value()
