"""Choosing a battle queue: what to judge (a collection, or a batch's grid), which models,
how many battles, answers or pages, and an optional judge model. Ctrl+Enter starts it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from studio.core.arena import Judged
from studio.core.catalog import CatalogError, ProviderRegistry, parse_model_ref
from studio.core.model_sets import ModelSetEntry
from studio.core.request import GenerationSettings
from studio.core.runner import ModelTarget
from studio.store import Store, StoreError
from studio.ui.arena.battle_queue import Contestant

TargetFor = Callable[[ModelSetEntry], ModelTarget]
WORKSPACE_SET = "The models in the workspace"
MAX_BATTLES = 1000


@dataclass(frozen=True, slots=True)
class QueueSpec:
    """What the user chose."""

    collection_id: int | None  # judge a collection's prompts …
    batch_id: int | None  # … or a batch's rows
    contestants: tuple[Contestant, ...]  # (a batch's are its columns)
    count: int
    judged: Judged
    judge: ModelTarget | None


class QueueSetup(QWidget):
    startRequested = Signal(object)  # QueueSpec

    def __init__(self, store: Store, registry: ProviderRegistry, target_for: TargetFor,
                 workspace: Callable[[], Sequence[ModelTarget]],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._registry = registry
        self._target_for = target_for
        self._workspace = workspace
        self.source = QComboBox()
        self.source.setAccessibleName("What to judge")
        self.model_set = QComboBox()
        self.model_set.setAccessibleName("Model set")
        self.models = QListWidget()
        self.models.setAccessibleName("Models in the battles")
        self.count = QSpinBox()
        self.count.setRange(1, MAX_BATTLES)
        self.count.setAccessibleName("Number of battles")
        self.judged = QComboBox()
        self.judged.setAccessibleName("Judge the answers or the pages")
        self.judged.addItem("The answers", "answers")
        self.judged.addItem("The pages, side by side", "pages")
        self.judge = QComboBox()
        self.judge.setEditable(True)
        self.judge.setAccessibleName("Judge model (optional)")
        self.judge.setToolTip("A model that votes on the same blind pairs (PROVIDER:MODEL); "
                              "its votes are kept apart from yours")
        self.start_button = QPushButton("Start judging (Ctrl+Enter)")
        self.start_button.setAccessibleName("Start judging")
        self.start_button.clicked.connect(self.start)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Queue message")
        form = QFormLayout()
        form.addRow("Judge:", self.source)
        form.addRow("Models from:", self.model_set)
        form.addRow("Models:", self.models)
        form.addRow("Battles:", self.count)
        form.addRow("Vote on:", self.judged)
        form.addRow("Judge model:", self.judge)
        outer = QVBoxLayout(self)
        body = QWidget()
        body.setMaximumWidth(900)
        outer.addWidget(body)
        outer.addStretch(1)
        layout = QVBoxLayout(body)
        intro = QLabel("The studio picks pairs of models — those that met least, and those "
                       "the leaderboard is least sure of, first — runs what has not been run "
                       "(saved answers to the same prompt with the same settings are shown "
                       "instead), and shows each pair blind as A and B. Keys: 1 A better, "
                       "2 B better, 3 tie, 4 both bad, N next, S skip, U undo.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.start_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.message)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, self.start,
                      context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.source.currentIndexChanged.connect(self._source_changed)
        self.model_set.currentIndexChanged.connect(self._fill_models)

    # -- filling -------------------------------------------------------------------------

    def reload(self, *, count: int, judged: str, judge: str) -> None:
        """Read the collections, batches and model sets again."""
        self.source.blockSignals(True)
        self.source.clear()
        try:
            for collection in self._store.collections():
                if collection.prompt_count:
                    self.source.addItem(
                        f"Collection: {self._store.collection_path(collection.id)} "
                        f"({collection.prompt_count} prompts)", ("collection", collection.id))
            for batch in self._store.batch_store().summaries():
                self.source.addItem(f"Batch {batch.id}: {batch.title or 'untitled'} "
                                    f"({batch.rows} × {batch.columns})", ("batch", batch.id))
        except StoreError as exc:
            self.message.setText(f"Cannot read the library: {exc}")
        self.source.blockSignals(False)
        self.model_set.blockSignals(True)
        self.model_set.clear()
        self.model_set.addItem(WORKSPACE_SET, None)
        try:
            for model_set in self._store.model_sets():
                self.model_set.addItem(f"Model set: {model_set.name}", model_set.name)
        except StoreError:
            pass
        self.model_set.blockSignals(False)
        self.count.setValue(count)
        self.judged.setCurrentIndex(max(0, self.judged.findData(judged)))
        self.judge.clear()
        self.judge.addItem("")
        self.judge.addItems(sorted({str(t.ref) for t in self._known_targets()}))
        self.judge.setEditText(judge)
        self._source_changed()

    def _known_targets(self) -> list[ModelTarget]:
        targets = list(self._workspace())
        try:
            for model_set in self._store.model_sets():
                targets.extend(self._target_for(e) for e in model_set.items)
        except StoreError:
            pass
        return targets

    def _source_changed(self) -> None:
        batch = self._chosen()[0] == "batch"
        self.model_set.setEnabled(not batch)
        self._fill_models()

    def _chosen(self) -> tuple[str, int | None]:
        data = self.source.currentData()
        return (str(data[0]), int(data[1])) if isinstance(data, tuple) else ("", None)

    def _fill_models(self) -> None:
        self.models.clear()
        kind, ident = self._chosen()
        if kind == "batch" and ident is not None:
            try:
                entries = list(self._store.batch_store().load(ident).columns)
            except StoreError as exc:
                self.message.setText(f"Cannot read batch {ident}: {exc}")
                entries = []
            targets = [self._target_for(e) for e in entries]
        else:
            name = self.model_set.currentData()
            targets = list(self._workspace())
            if isinstance(name, str):
                found = self._store.find_model_set(name)
                targets = [self._target_for(e) for e in found.items] if found else []
        for target in targets:
            who = Contestant.of(target)
            item = QListWidgetItem(who.name)
            item.setData(Qt.ItemDataRole.UserRole, who)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            if kind == "batch":
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsUserCheckable)
            self.models.addItem(item)

    # -- starting ------------------------------------------------------------------------

    def contestants(self) -> list[Contestant]:
        chosen: dict[str, Contestant] = {}
        for row in range(self.models.count()):
            item = self.models.item(row)
            who = item.data(Qt.ItemDataRole.UserRole)
            if item.checkState() == Qt.CheckState.Checked and isinstance(who, Contestant):
                chosen.setdefault(who.name, who)
        return list(chosen.values())

    def judge_target(self) -> ModelTarget | None:
        """The judge model typed or picked; CatalogError when it names nothing known."""
        text = self.judge.currentText().strip()
        if not text:
            return None
        ref = parse_model_ref(text)
        return ModelTarget(ref, self._registry.get(ref.provider),
                           GenerationSettings(temperature=0.0))

    def spec(self) -> QueueSpec | str:
        """The chosen queue, or what is missing."""
        kind, ident = self._chosen()
        if ident is None:
            return "Add prompts to a collection first (or run a batch): there is nothing to judge."
        contestants = self.contestants()
        if len(contestants) < 2:
            return "Choose at least two models (two settings of one model count as two)."
        try:
            judge = self.judge_target()
        except CatalogError as exc:
            return f"Judge model: {exc}"
        judged: Judged = "pages" if self.judged.currentData() == "pages" else "answers"
        return QueueSpec(ident if kind == "collection" else None,
                         ident if kind == "batch" else None, tuple(contestants),
                         self.count.value(), judged, judge)

    def start(self) -> None:
        spec = self.spec()
        if isinstance(spec, str):
            self.message.setText(spec)
            return
        self.message.clear()
        self.startRequested.emit(spec)
