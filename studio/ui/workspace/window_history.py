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
from studio.store.threads import ThreadRecorder, default_title, thread_from_run

if TYPE_CHECKING:
    from PySide6.QtWidgets import QDialog, QStatusBar

    from studio.core.catalog import ProviderRegistry
    from studio.core.paths import StudioPaths
    from studio.core.runner import Engine
    from studio.ui.workspace.comparison import Comparison
    from studio.ui.workspace.identity import Identity
    from studio.ui.workspace.model_bar import ModelBar
    from studio.ui.workspace.previews_tab import PreviewsTab
    from studio.ui.workspace.prompt_area import PromptArea
    from studio.ui.workspace.ui_state import WorkspaceState
    from studio.ui.workspace.workspace_undo import WorkspaceUndo

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
        workspace_undo: WorkspaceUndo
        identity: Identity

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
        return ThreadRecorder(self.store, background=True) if self.store is not None else None

    def _on_history_failed(self, message: str) -> None:
        self.statusBar().showMessage(message, 10000)

    # -- prompts from the library -----------------------------------------------------

    def load_prompt(self, prompt: Prompt) -> None:
        """Put a saved prompt (and its files) in the editor; a run sent from it is linked to
        it. Undo brings back what the editor held."""
        with self.workspace_undo.change(f"Load prompt “{prompt.title}”"):
            self.prompt_area.set_prompt(prompt.body)
            if prompt.system is not None:
                self.prompt_area.set_system_prompt(prompt.system)
            if prompt.attachments and self.store is not None:
                try:  # the prompt's files go with it into the tray
                    self.prompt_area.attachments.set_attachments(
                        self.store.attachments(prompt.attachments))
                except StoreError as exc:
                    self.statusBar().showMessage(f"The prompt's files cannot be read: {exc}",
                                                 8000)
        if prompt.variables:
            self.state.variables = {**(self.state.variables or {}), **prompt.variables}
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

    def _load_run(self, run_id: int, *, quiet: bool = False) -> tuple[Store, Run] | None:
        store = self.store
        if store is None:
            if not quiet:
                self.statusBar().showMessage("History is not available in this session.",
                                             5000)
            return None
        try:
            return store, store.run(RunId(run_id))
        except StoreError as exc:
            if not quiet:
                self.statusBar().showMessage(f"Cannot open run {run_id}: {exc}", 8000)
            return None

    def reopen_run(self, run_id: int, turn: int | None = None) -> Comparison | None:
        """Show a saved run exactly as it was: a pane per model with its settings, every turn
        of the branch last shown (or of the branch holding `turn`), with answers, reasoning,
        figures and errors. Nothing is sent; a follow-up or a regenerated answer continues
        the same run.

        A prompt being written (not sent yet) stays in the editor, with the models chosen
        for it; otherwise the run's prompt and models take their place. Either way Undo
        brings back what was there."""
        with self.workspace_undo.change(f"Reopen run {run_id}"):
            keep = self.prompt_area.unsent_draft()
            shown = self.show_run(run_id, turn)
            if shown is None:
                return None
            comparison, run = shown
            if not keep:
                # As the window looked after sending: a single prompt stays in the editor,
                # a follow-up (or a branch) clears it.
                self.prompt_area.set_prompt("" if comparison.chat.conversation else run.body)
                self.prompt_area.set_system_prompt(run.system)
                self.model_bar.set_targets(list(comparison.chat.models))
        undo = "Edit ▸ Undo (Ctrl+Z) goes back"
        if keep:
            self.statusBar().showMessage(
                f"Reopened run {run_id}: {run.title}. Your unsent prompt and its models stay "
                f"in place; {undo}.", 10000)
        else:
            self.statusBar().showMessage(f"Reopened run {run_id}: {run.title}. {undo}.", 6000)
        return comparison

    def show_run(self, run_id: int, turn: int | None = None, *,
                 quiet: bool = False) -> tuple[Comparison, Run] | None:
        """Put a saved run on screen (on the branch of `turn`, if given), leaving the prompt
        editor and the model bar alone. `quiet`: a run that is gone is not reported."""
        from studio.ui.workspace.comparison import Comparison

        loaded = self._load_run(run_id, quiet=quiet)
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
            self.engine, thread, self, recorder=ThreadRecorder.for_run(store, run, background=True),
            title=run.title or default_title(run.body), identity=self.identity))
        if turn is not None:
            comparison.show_branch_of(turn)
        self.previews.refresh()
        return comparison, run

    # -- the workspace across restarts ------------------------------------------------

    def _remember_workspace(self, state: WorkspaceState) -> None:
        """Note what is on screen, for `_restore_workspace` at the next start."""
        comparison = self.comparison
        run_id = comparison.run_id if comparison is not None else None
        state.last_run = int(run_id) if run_id is not None else 0
        state.last_head = (comparison.chat.head or 0) if comparison is not None else 0
        state.prompt = self.prompt_area.prompt()
        state.prompt_is_draft = self.prompt_area.unsent_draft()

    def _restore_workspace(self, state: WorkspaceState) -> None:
        """The comparison on screen at the last close (its answers as they were saved; one
        stopped by quitting shows as cancelled with its text), and the prompt editor."""
        if state.last_run:
            self.show_run(state.last_run, state.last_head or None, quiet=True)
        if state.prompt:
            self.prompt_area.set_prompt(state.prompt)
            if state.prompt_is_draft:
                self.prompt_area.settled_prompt = ""

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
