"""The main window's thread controls: follow-ups, editing an earlier prompt, adding models.

A follow-up continues the thread on screen with the panes whose "Follow-ups" box is
checked; while an earlier prompt is being edited it starts a new branch there instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

from studio.core.attachments import Attachment
from studio.core.model_sets import ModelSetEntry, ModelSetStore
from studio.core.runner import ModelTarget
from studio.ui.workspace.diff_dialog import DiffDialog, attempts_dialog

if TYPE_CHECKING:
    from PySide6.QtWidgets import QDialog, QStatusBar

    from studio.core.catalog import ProviderRegistry
    from studio.core.runner import Engine
    from studio.ui.settings.model_lists import ModelListCache
    from studio.ui.workspace.comparison import Comparison
    from studio.ui.workspace.pane import AnswerPane
    from studio.ui.workspace.prompt_area import PromptArea
    from studio.ui.workspace.workspace_undo import WorkspaceUndo


class _SetsKeepingLast:
    """The model sets as they are, except that picking models to join a thread does not
    become the "last used" set (that stays what the model bar holds)."""

    def __init__(self, sets: ModelSetStore) -> None:
        self._sets = sets

    def names(self) -> list[str]:
        return self._sets.names()

    def get(self, name: str) -> tuple[ModelSetEntry, ...] | None:
        return self._sets.get(name)

    def save(self, name: str, entries: tuple[ModelSetEntry, ...]) -> None:
        self._sets.save(name, entries)

    def delete(self, name: str) -> None:
        self._sets.delete(name)

    def last(self) -> tuple[ModelSetEntry, ...]:
        return self._sets.last()

    def set_last(self, entries: tuple[ModelSetEntry, ...]) -> None:
        pass


class WindowThreads:
    """Mixed into MainWindow (listed before QMainWindow)."""

    def _as_widget(self) -> QWidget:
        assert isinstance(self, QWidget)
        return self

    if TYPE_CHECKING:
        engine: Engine
        registry: ProviderRegistry
        model_sets: ModelSetStore
        comparison: Comparison | None
        prompt_area: PromptArea
        workspace_undo: WorkspaceUndo
        _editing: int | None

        def statusBar(self) -> QStatusBar: ...
        @property
        def model_cache(self) -> ModelListCache: ...
        def _prompt_ready(self) -> bool: ...
        def _with_variables(self, then: Callable[[str, str, dict[str, str]], None]
                            ) -> None: ...
        def _keep(self, dialog: QDialog) -> None: ...

    def submit_follow_up(self) -> None:
        """What Follow up and Ctrl+Shift+Enter do: continue the thread on screen (or branch
        from the prompt being edited) with the panes whose "Follow-ups" box is checked."""
        if not self._prompt_ready():
            return
        self._with_variables(lambda template, prompt, _values: self._follow_up_from_editor(
            template, prompt))

    def _follow_up_from_editor(self, template: str, prompt: str) -> None:
        tray = self.prompt_area.attachments
        if self.follow_up(prompt, attachments=tray.attachments()):
            self.prompt_area.editor.remember(template)
            self.prompt_area.set_prompt("")
            tray.clear()

    def follow_up(self, prompt: str, slots: list[int] | None = None, *,
                  attachments: tuple[Attachment, ...] = ()) -> list[int]:
        """Send `prompt` as the next turn to `slots` (default: the included panes), or as a
        new branch when an earlier prompt is being edited. Returns the panes asked."""
        comparison = self.comparison
        if comparison is None or not comparison.chat.turns:
            self.statusBar().showMessage("Send a prompt first; follow-ups continue it.", 4000)
            return []
        if comparison.running:
            self.statusBar().showMessage(
                "Wait for the answers (or stop them) before sending a follow-up.", 4000)
            return []
        if self._editing is not None and self._editing in comparison.chat.turns:
            asked = comparison.branch_from(self._editing, prompt, slots,
                                           attachments=attachments)
        else:
            asked = comparison.follow_up(prompt, slots, attachments=attachments)
        if not asked:
            self.statusBar().showMessage(
                "Check \"Follow-ups\" on at least one pane to send a follow-up.", 4000)
            return []
        self._set_editing(None)
        self.statusBar().showMessage(f"Follow-up sent to {len(asked)} models", 3000)
        return asked

    def edit_turn(self, key: int) -> None:
        """Put an earlier prompt back in the editor; sending it makes a new branch there."""
        comparison = self.comparison
        if comparison is None or key not in comparison.chat.turns:
            return
        turn = comparison.chat.turn(key)
        with self.workspace_undo.change("Edit an earlier prompt"):
            self.prompt_area.set_prompt(turn.prompt)
            self._set_editing(key)
        self.prompt_area.editor.setFocus()

    def cancel_edit(self) -> None:
        with self.workspace_undo.change("Cancel the edit"):
            self._set_editing(None)
            self.prompt_area.set_prompt("")

    def _set_editing(self, key: int | None) -> None:
        self._editing = key
        comparison = self.comparison
        description = None
        if key is not None and comparison is not None:
            depth = len(comparison.chat.branch(key))
            description = (f"Editing prompt {depth} of the thread: sending it starts a new "
                           "branch there; the current one stays reachable.")
        self.prompt_area.set_editing(description)

    def open_add_models(self) -> QDialog | None:
        """Choose models to join the thread on screen (they answer its last prompt)."""
        comparison = self.comparison
        if comparison is None or not comparison.chat.turns:
            self.statusBar().showMessage("Send a prompt first; then models can join it.", 4000)
            return None
        from studio.ui.model_picker import ModelPicker

        present = {(str(t.ref), t.settings) for t in comparison.targets}
        picker = ModelPicker(self.registry, self.engine.keys, self.model_cache,
                             _SetsKeepingLast(self.model_sets), client=self.engine.client,
                             initial=[],
                             parent=self._as_widget())
        picker.setWindowTitle("Add models to this thread")

        def picked(targets: list[ModelTarget]) -> None:
            for t in targets:
                if (str(t.ref), t.settings) not in present:
                    self.add_model_to_thread(t)

        picker.accepted_targets.connect(picked)
        self._keep(picker)
        picker.open()
        return picker

    def add_model_to_thread(self, target: ModelTarget) -> AnswerPane | None:
        comparison = self.comparison
        if comparison is None or not comparison.chat.turns:
            return None
        return comparison.add_model(target)

    def compare_attempts(self, slot: int, key: int) -> DiffDialog | None:
        """The attempts of one model's answer to the prompt `key`, side by side."""
        comparison = self.comparison
        if comparison is None or not 0 <= slot < len(comparison.panes):
            return None
        dialog = attempts_dialog(comparison.chat.attempts(slot, key),
                                 comparison.chat.shown_attempt(slot, key),
                                 comparison.panes[slot].shown_title, self._as_widget())
        if dialog is None:
            self.statusBar().showMessage("There is only one attempt of this answer.", 4000)
            return None
        self._keep(dialog)
        dialog.show()
        return dialog
