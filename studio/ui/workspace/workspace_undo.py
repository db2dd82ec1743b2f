"""Undoing what replaced the workspace: a reopened run, a loaded prompt, a new comparison.

Each of those puts other text in the prompt editor, other files in its tray, another model
set in the model bar and another run on screen. A `WorkspaceChange` on the window's undo
stack remembers what was there before and after: Undo brings back the prompt, the system
prompt, the files and the models (and
the run that was on screen, as long as the one the change showed is still there and nothing
is running: undo never stops an answer), Redo does the change again.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from PySide6.QtGui import QUndoCommand, QUndoStack

from studio.core.attachments import Attachment
from studio.core.runner import ModelTarget

if TYPE_CHECKING:
    from studio.ui.workspace.comparison import Comparison
    from studio.ui.workspace.model_bar import ModelBar
    from studio.ui.workspace.prompt_area import PromptArea


@dataclass(frozen=True, slots=True)
class WorkspaceSnapshot:
    prompt: str
    settled: str  # what the window itself last put in the editor (see PromptArea)
    system: str
    files: tuple[Attachment, ...]  # in the prompt's tray
    targets: tuple[ModelTarget, ...]
    run_id: int | None  # the saved run on screen; None: none (an empty workspace)
    head: int | None  # the last prompt of the branch on screen
    editing: int | None  # an earlier prompt being edited into a branch


class WorkspaceHost(Protocol):
    """What the undo needs from the window."""

    prompt_area: PromptArea
    model_bar: ModelBar
    comparison: Comparison | None
    _editing: int | None

    def show_run(self, run_id: int, turn: int | None = None) -> object: ...
    def clear_workspace(self) -> None: ...
    def _set_editing(self, key: int | None) -> None: ...


class WorkspaceChange(QUndoCommand):
    """A change already made (the first redo does nothing), undone and redone by snapshot."""

    def __init__(self, text: str, undo: WorkspaceUndo, before: WorkspaceSnapshot,
                 after: WorkspaceSnapshot) -> None:
        super().__init__(text)
        self._undo = undo
        self.before = before
        self.after = after
        self._done = True

    def undo(self) -> None:
        self._undo.apply(self.before, shown=self.after)
        self._done = False

    def redo(self) -> None:
        if self._done:
            return
        self._undo.apply(self.after, shown=self.before)
        self._done = True


class WorkspaceUndo:
    def __init__(self, host: WorkspaceHost, stack: QUndoStack) -> None:
        self._host = host
        self._stack = stack
        self._depth = 0
        self._restoring = False

    def snapshot(self) -> WorkspaceSnapshot:
        host = self._host
        area = host.prompt_area
        comparison = host.comparison
        run_id = comparison.run_id if comparison is not None else None
        return WorkspaceSnapshot(
            prompt=area.prompt(), settled=area.settled_prompt,
            system=area.system_edit.toPlainText(), files=area.attachments.attachments(),
            targets=tuple(host.model_bar.targets()),
            run_id=int(run_id) if run_id is not None else None,
            head=comparison.chat.head if comparison is not None else None,
            editing=host._editing)

    @contextmanager
    def change(self, text: str) -> Iterator[None]:
        """Record what the body changes as one undoable step named `text` (changes made
        inside another one, or while undoing, are part of that one)."""
        if self._depth or self._restoring:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        before = self.snapshot()
        self._depth = 1
        try:
            yield
        finally:
            self._depth = 0
        after = self.snapshot()
        if after != before:
            self._stack.push(WorkspaceChange(text, self, before, after))

    def apply(self, target: WorkspaceSnapshot, *, shown: WorkspaceSnapshot) -> None:
        """Go to `target` from `shown` (the state the change left)."""
        host = self._host
        self._restoring = True
        try:
            comparison = host.comparison
            here = comparison.run_id if comparison is not None else None
            running = comparison is not None and comparison.running
            same_run = (int(here) if here is not None else None) == shown.run_id
            if same_run and not running:
                if target.run_id != shown.run_id or target.head != shown.head:
                    if target.run_id is None:
                        host.clear_workspace()
                    else:
                        host.show_run(target.run_id, target.head)
                if host.comparison is not None and target.editing in host.comparison.chat.turns:
                    host._set_editing(target.editing)
            host.prompt_area.set_prompt(target.prompt)
            host.prompt_area.settled_prompt = target.settled
            host.prompt_area.set_system_prompt(target.system)
            if host.prompt_area.attachments.attachments() != target.files:
                host.prompt_area.attachments.set_attachments(target.files)
            host.model_bar.set_targets(list(target.targets))
        finally:
            self._restoring = False
