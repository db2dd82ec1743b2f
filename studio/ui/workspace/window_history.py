"""The main window's history side: the store, reopening and re-running runs, the library.

The window owns one `Store` opened at start. When it cannot be opened (a newer or damaged
file, a locked disk) the window says so in a message box and works on without history.
The library panel that drives these is docked by `WindowLibrary`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox, QWidget

from studio.core.attachments import Attachment
from studio.core.catalog import CatalogError, ModelRef, ProviderConfig
from studio.core.model_sets import ModelSetEntry
from studio.core.runner import ModelTarget
from studio.store import Prompt, Run, RunId, Store, StoreError
from studio.store.threads import ThreadRecorder, thread_from_run

if TYPE_CHECKING:
    from PySide6.QtWidgets import QDialog, QStatusBar

    from studio.core.catalog import ProviderRegistry
    from studio.core.paths import StudioPaths
    from studio.core.runner import Engine
    from studio.ui.workspace.comparison import Comparison
    from studio.ui.workspace.model_bar import ModelBar
    from studio.ui.workspace.previews_tab import PreviewsTab
    from studio.ui.workspace.prompt_area import PromptArea
    from studio.ui.workspace.ui_state import WorkspaceState

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SendOrigin:
    """Where a sent prompt came from, as the history keeps it."""

    template: str  # as written, with {{variables}}
    variables: Mapping[str, str] = field(default_factory=dict)
    title: str = ""
    collection_id: int | None = None
    prompt_id: int | None = None


class WindowHistory:
    """Mixed into MainWindow (listed before QMainWindow); uses its widgets and `send`."""

    if TYPE_CHECKING:
        engine: Engine
        paths: StudioPaths
        registry: ProviderRegistry
        comparison: Comparison | None
        prompt_area: PromptArea
        model_bar: ModelBar
        previews: PreviewsTab
        state: WorkspaceState

        def statusBar(self) -> QStatusBar: ...
        def send(self, prompt: str, targets: list[ModelTarget] | None = None, *,
                 system: str | None = None, origin: SendOrigin | None = None,
                 attachments: tuple[Attachment, ...] = ()) -> Comparison: ...
        def _show_comparison(self, comparison: Comparison) -> Comparison: ...
        def _keep(self, dialog: QDialog) -> None: ...
        def _targets_from(self, entries: tuple[ModelSetEntry, ...]) -> list[ModelTarget]: ...

    store: Store | None
    store_error: str | None
    _loaded_prompt: Prompt | None

    def _init_history(self, store: Store | None) -> None:
        self.store_error = None
        self._loaded_prompt = None
        if store is not None:
            self.store = store
            return
        try:
            self.store = Store.open(self.paths)
        except StoreError as exc:
            self.store = None
            self.store_error = str(exc)
            log.warning("history unavailable: %s", exc)
            # Shown once the window is on screen, so the box has a parent to sit on.
            QTimer.singleShot(0, self._report_store_error)

    def _report_store_error(self) -> None:
        if self.store_error is None:
            return
        assert isinstance(self, QWidget)
        box = QMessageBox(QMessageBox.Icon.Warning, "History unavailable",
                          "Prompt Studio cannot open its history, so this session's "
                          "comparisons will not be saved.", QMessageBox.StandardButton.Ok,
                          self)
        box.setInformativeText(self.store_error)
        box.setObjectName("historyUnavailable")
        self._keep(box)
        box.open()

    def _close_history(self) -> None:
        store, self.store = self.store, None
        if store is not None:
            store.close()

    def _new_recorder(self) -> ThreadRecorder | None:
        return ThreadRecorder(self.store) if self.store is not None else None

    def _on_history_failed(self, message: str) -> None:
        self.statusBar().showMessage(message, 10000)

    # -- prompts from the library -----------------------------------------------------

    def load_prompt(self, prompt: Prompt) -> None:
        """Put a saved prompt in the editor; a run sent from it is linked to it."""
        self.prompt_area.set_prompt(prompt.body)
        if prompt.system is not None:
            self.prompt_area.set_system_prompt(prompt.system)
        if prompt.variables:
            self.state.variables = {**(self.state.variables or {}), **prompt.variables}
        if prompt.attachments and self.store is not None:
            try:  # the prompt's files go with it into the tray
                self.prompt_area.attachments.set_attachments(
                    self.store.attachments(prompt.attachments))
            except StoreError as exc:
                self.statusBar().showMessage(f"The prompt's files cannot be read: {exc}", 8000)
        self._loaded_prompt = prompt
        self.prompt_area.editor.setFocus()

    def _origin_for(self, template: str) -> SendOrigin:
        prompt = self._loaded_prompt
        if prompt is not None and prompt.body == template:
            return SendOrigin(template, {}, prompt.title, int(prompt.collection_id),
                              int(prompt.id))
        return SendOrigin(template)

    # -- reopening and re-running -----------------------------------------------------

    def _target_for(self, entry: ModelSetEntry) -> ModelTarget:
        """The model of a saved run, with today's provider settings; a provider removed since
        gets a stand-in, so the run can still be shown (sending to it fails with a message)."""
        try:
            config = self.registry.get(entry.ref.provider)
        except CatalogError:
            config = ProviderConfig(entry.ref.provider, "openai", "",
                                    label=f"{entry.ref.provider} (not configured)")
        return ModelTarget(ModelRef(entry.ref.provider, entry.ref.model), config,
                           entry.settings)

    def _load_run(self, run_id: int) -> tuple[Store, Run] | None:
        store = self.store
        if store is None:
            self.statusBar().showMessage("History is not available in this session.", 5000)
            return None
        try:
            return store, store.run(RunId(run_id))
        except StoreError as exc:
            self.statusBar().showMessage(f"Cannot open run {run_id}: {exc}", 8000)
            return None

    def reopen_run(self, run_id: int) -> Comparison | None:
        """Show a saved run exactly as it was: a pane per model with its settings, every turn
        of the branch last shown, with answers, reasoning, figures and errors. Nothing is
        sent; a follow-up or a regenerated answer continues the same run."""
        from studio.ui.workspace.comparison import Comparison

        loaded = self._load_run(run_id)
        if loaded is None:
            return None
        store, run = loaded
        assert isinstance(self, QWidget)
        try:
            thread = thread_from_run(run, self._target_for, store.attachments)
        except StoreError as exc:
            self.statusBar().showMessage(f"Cannot open run {run_id}: {exc}", 8000)
            return None
        comparison = self._show_comparison(Comparison(
            self.engine, thread, self, recorder=ThreadRecorder.for_run(store, run)))
        # As the window looked after sending: a single prompt stays in the editor, a
        # follow-up (or a branch) clears it.
        self.prompt_area.set_prompt("" if thread.conversation else run.body)
        self.prompt_area.set_system_prompt(run.system)
        self.model_bar.set_targets(list(thread.models))
        self.previews.refresh()
        self.statusBar().showMessage(f"Reopened run {run_id}: {run.title}", 4000)
        return comparison

    def rerun(self, run_id: int, targets: list[ModelTarget] | None = None) -> Comparison | None:
        """Send a saved run's first prompt again, to the same models (default) or to
        `targets`, as a new run."""
        loaded = self._load_run(run_id)
        if loaded is None:
            return None
        store, run = loaded
        branch = run.branch() or list(run.turns[:1])
        if not branch:
            self.statusBar().showMessage(f"Run {run_id} has no prompt to send.", 5000)
            return None
        first = branch[0]
        original = bool(run.turns) and first.id == run.turns[0].id
        template = run.body if original else first.prompt
        if targets is None:
            targets = [self._target_for(entry) for entry in run.models]
        self.prompt_area.set_prompt(template)
        self.prompt_area.set_system_prompt(run.system)
        try:
            files = store.attachments(first.attachments)
        except StoreError as exc:
            self.statusBar().showMessage(f"Cannot re-run {run_id}: {exc}", 8000)
            return None
        return self.send(first.prompt, targets, system=run.system, origin=SendOrigin(
            template, dict(run.variables) if original else {}, run.title,
            run.collection_id, run.prompt_id), attachments=files)

    def rerun_with_model_set(self, run_id: int, model_set: str | None) -> Comparison | None:
        """The library's "re-run": the same models (None) or a saved model set's."""
        if model_set is None or self.store is None:
            return self.rerun(run_id)
        try:
            found = self.store.find_model_set(model_set)
        except StoreError as exc:
            self.statusBar().showMessage(str(exc), 5000)
            return None
        if found is None:
            self.statusBar().showMessage(f"No model set named {model_set!r}.", 5000)
            return None
        return self.rerun(run_id, self._targets_from(found.items))
