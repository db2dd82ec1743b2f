"""The grid's "Show the model its page…", "Show the models their pages…" and "Fix failed
checks…": the fix-it loop over saved runs, one row (run, turn) at a time.

The prompt is asked for once (the fix-it dialog, editable). Then, for each row in turn, its
run opens in the workspace and `FixItLoop.start` sends each chosen model its own
screenshot and console lines in one follow-up (taken in its pane's preview, or off screen
for a pane the layout hides);
the next row opens only once those answers are in, so the workspace shows every follow-up
as it streams. Progress and the outcome are in the main window's status bar, with Stop;
closing the window stops it too. It runs as one task, kept here and cancelled on Stop.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal, SignalInstance, Slot
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QWidget

from studio.core.runner import ModelState
from studio.ui.attachments.fix_it import FixItDialog

if TYPE_CHECKING:
    from studio.core.thread import ThreadTurn
    from studio.ui.main_window import MainWindow
    from studio.ui.workspace.comparison import Comparison

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RowFix:
    """One follow-up: the models (`slots`) of one grid row's run shown their pages."""

    run_id: int
    turn_id: int
    slots: tuple[int, ...]


def rows_of(cells: Sequence[tuple[int, int, int]]) -> list[RowFix]:
    """The grid's cells (run, turn, slot) as one follow-up per row, in the grid's order."""
    rows: dict[tuple[int, int], list[int]] = {}
    for run_id, turn_id, slot in cells:
        slots = rows.setdefault((int(run_id), int(turn_id)), [])
        if int(slot) not in slots:
            slots.append(int(slot))
    return [RowFix(run, turn, tuple(sorted(slots))) for (run, turn), slots in rows.items()]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def outcome_text(models: int, prompts: int, notes: Sequence[str], stopped: str = "") -> str:
    """What the status bar says once the rows are done (`stopped`: why they ended early)."""
    to = f"{_plural(models, 'model')} in {_plural(prompts, 'prompt')}"
    if stopped:
        text = f"Stopped ({stopped}) after sending to {to}" if prompts else f"Stopped: {stopped}"
    elif prompts:
        text = "Pages shown: sent to " + to
    else:
        text = "Nothing sent"
    if not notes:
        return text + "."
    said = "; ".join(n.rstrip(".") for n in notes)
    return f"{text}. {said[0].upper()}{said[1:]}."


class _Stopped(Exception):
    """The rows end early; the message says why."""


class _Waiter(QObject):
    """A future resolved once `ready()` holds (or the fix-it loop reports it sent or failed,
    through `on_sent` / `on_failed`), checked whenever a watched signal fires. Its
    connections end with it (Qt drops a receiver's connections)."""

    def __init__(self, ready: Callable[[], bool]) -> None:
        super().__init__()
        self._ready = ready
        self.future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self.sent: list[int] | None = None
        self.failure: str | None = None

    @Slot()
    def check(self) -> None:
        if self.future.done():
            return
        if self.sent is not None or self.failure is not None or self._ready():
            self.future.set_result(True)

    @Slot(list)
    def on_sent(self, slots: list[int]) -> None:
        self.sent = list(slots)
        self.check()

    @Slot(str)
    def on_failed(self, message: str) -> None:
        self.failure = message
        self.check()

    async def wait(self) -> None:
        self.check()
        await self.future


class FixNotice(QWidget):
    """The status bar's progress line, with Stop."""

    stopRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("fixRowsNotice")
        self.label = QLabel(self)
        self.label.setAccessibleName("Showing the models their pages")
        self.stop_button = QPushButton("Stop", self)
        self.stop_button.setToolTip("Stop the answers being written and open no further "
                                    "prompt")
        self.stop_button.clicked.connect(self.stopRequested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.stop_button)


class FixRows(QObject):
    """`start(cells)` is what the grid's `fixRequested` connects to. `progressed(text)` while
    it runs, `finished(outcome)` at the end (both also shown in the status bar)."""

    progressed = Signal(str)
    finished = Signal(str)

    def __init__(self, host: MainWindow) -> None:
        super().__init__(host)
        self._host = host
        self.dialog: FixItDialog | None = None
        self.notice: FixNotice | None = None
        self.outcome = ""
        self._task: asyncio.Task[None] | None = None
        self._models = self._prompts = 0
        self._notes: list[str] = []
        self._stopped = ""
        self._current: Comparison | None = None
        host.closed.connect(lambda: self.cancel("the window closed"))

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def _tell(self, text: str) -> None:
        self._host.statusBar().showMessage(text, 10000)

    # -- asking --------------------------------------------------------------------------

    def start(self, cells: list[tuple[int, int, int]]) -> FixItDialog | None:
        """Ask for the prompt, then show each cell's model its page, row after row."""
        rows = rows_of(cells)
        if not rows:
            self._tell("No finished answer there to show its page.")
            return None
        if self.running:
            self._tell("The models are being shown their pages already: wait for it, or "
                       "Stop it in the status bar.")
            return None
        if self.dialog is not None:
            self.dialog.raise_()
            return self.dialog
        if self._batch_writing(rows):
            self._tell("The batch is still answering that prompt: wait for its cells to "
                       "finish (or pause the batch) before showing the models their pages.")
            return None
        shown = self._host.comparison
        if shown is not None and shown.running:
            self._tell("Wait for the answers in the workspace (or stop them) before showing "
                       "the models their pages.")
            return None
        dialog = FixItDialog("", 0, self._host.grid.front(),
                             recipients=self._recipients(rows))
        if sum(len(r.slots) for r in rows) > 1:
            dialog.setWindowTitle("Show the models their pages")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog

        def finished(result: int) -> None:
            self.dialog = None
            if result == QDialog.DialogCode.Accepted:
                self._begin(rows, dialog.prompt())

        dialog.finished.connect(finished)
        dialog.open()
        return dialog

    def _batch_writing(self, rows: list[RowFix]) -> bool:
        """Whether a cell of one of `rows` is still being asked or checked by the batch,
        which writes into the same run."""
        controller = self._host.grid.controller
        batch = controller.batch if controller is not None else None
        if batch is None:
            return False
        runs = {(r.run_id, r.turn_id) for r in rows}
        return any(batch.cell(number, col).state.active
                   for number, batch_row in enumerate(batch.rows)
                   if (batch_row.run_id, batch_row.turn_id) in runs
                   for col in range(len(batch.columns)))

    def _recipients(self, rows: list[RowFix]) -> str:
        models = sum(len(r.slots) for r in rows)
        if models == 1:
            return f"To {self._model_name(rows[0])}, with its page."
        each = "each model shown its own page"
        if len(rows) == 1:
            return f"To {models} models, {each}."
        return (f"To {models} models over {len(rows)} prompts, {each}. The prompts open in "
                "the workspace one after another, each once the answers to the one before "
                "are in.")

    def _model_name(self, row: RowFix) -> str:
        """The cell's model as its column names it (the batch is in memory; the run with
        its answers is not read for a name)."""
        controller = self._host.grid.controller
        batch = controller.batch if controller is not None else None
        slot = row.slots[0]
        if batch is None or self._host.identity.blind or not 0 <= slot < len(batch.columns):
            return "the model of that cell"
        return str(batch.columns[slot].ref)

    # -- running -------------------------------------------------------------------------

    def _begin(self, rows: list[RowFix], prompt: str) -> None:
        self._models = self._prompts = 0
        self._notes = []
        self._stopped = ""
        notice = FixNotice()
        notice.stopRequested.connect(self.cancel)
        self._host.statusBar().addPermanentWidget(notice)
        self.notice = notice
        self._host.grid.raise_workspace()
        self._task = asyncio.ensure_future(self._run(rows, prompt))
        self._task.add_done_callback(self._ended)

    def _progress(self, text: str) -> None:
        if self.notice is not None:
            self.notice.label.setText(text)
        self.progressed.emit(text)

    async def _run(self, rows: list[RowFix], prompt: str) -> None:
        try:
            for number, row in enumerate(rows, 1):
                self._progress(f"Showing the models their pages: prompt {number} of "
                               f"{len(rows)}…")
                await self._fix(row, prompt, number)
        except _Stopped as stop:
            self._stopped = str(stop)
        finally:
            self._current = None

    async def _fix(self, row: RowFix, prompt: str, number: int) -> None:
        host = self._host
        comparison = host.reopen_run(row.run_id, row.turn_id)
        if comparison is None:
            self._notes.append(f"prompt {number}'s run could not be opened")
            return
        self._current = comparison
        # The panes' own previews are captured where they are on screen; the pages of
        # panes the layout hides run off screen (FixItLoop).
        host.show_previews(False)
        fix_it = host.fix_it
        with_pages = [s for s in row.slots if s in fix_it.pages(comparison)]
        if len(with_pages) < len(row.slots):
            self._notes.append(f"{_plural(len(row.slots) - len(with_pages), 'answer')} of "
                               f"prompt {number} had no page")
        if not with_pages:
            return
        turn = await self._send(comparison, with_pages, prompt)
        if turn is None:
            return
        await self._until(lambda: not comparison.running or host.comparison is not comparison,
                          comparison.stateChanged, comparison.finished, host.comparisonShown)
        self._replaced(comparison)
        answers = [a for a in (turn.answer(s) for s in with_pages) if a is not None]
        if any(a.state is ModelState.CANCELLED for a in answers):
            raise _Stopped(f"the answers to prompt {number} were stopped")
        failed = sum(1 for a in answers if a.state is ModelState.FAILED)
        if failed:
            self._notes.append(f"{_plural(failed, 'answer')} to prompt {number} failed")
        self._models += len(with_pages)
        self._prompts += 1

    async def _send(self, comparison: Comparison, slots: list[int],
                    prompt: str) -> ThreadTurn | None:
        """Send the follow-up; its turn, or None (noted) when it was not sent."""
        host = self._host
        fix_it = host.fix_it
        waiter = _Waiter(lambda: host.comparison is not comparison)
        fix_it.sent.connect(waiter.on_sent)
        fix_it.failed.connect(waiter.on_failed)
        host.comparisonShown.connect(waiter.check)
        if not fix_it.start(comparison, slots, prompt):
            self._notes.append(waiter.failure or "the follow-up could not be sent")
            return None
        await waiter.wait()
        self._replaced(comparison)
        if waiter.sent is None:
            self._notes.append(waiter.failure or "the follow-up could not be sent")
            return None
        return comparison.chat.head_turn

    @staticmethod
    async def _until(ready: Callable[[], bool], *signals: SignalInstance) -> None:
        waiter = _Waiter(ready)
        for signal in signals:
            signal.connect(waiter.check)
        await waiter.wait()

    def _replaced(self, comparison: Comparison) -> None:
        if self._host.comparison is not comparison:
            raise _Stopped("another comparison took the workspace")

    # -- stopping ------------------------------------------------------------------------

    def cancel(self, why: str = "you stopped it") -> None:
        """Stop: the dialog closes, the answers being written stop, no further row opens."""
        if self.dialog is not None:
            self.dialog.reject()
        task = self._task
        if task is None or task.done():
            return
        self._stopped = why
        current = self._current
        if current is not None:
            self._host.fix_it.cancel(current)  # pages still being pictured: nothing sent
            if self._host.comparison is current:
                current.stop_all()
        task.cancel()

    def _ended(self, task: asyncio.Task[None]) -> None:
        if task is not self._task:
            return
        notice, self.notice = self.notice, None
        if notice is not None:
            self._host.statusBar().removeWidget(notice)
            notice.deleteLater()
        error = None if task.cancelled() else task.exception()
        if error is not None:
            log.error("showing the models their pages failed", exc_info=error)
            self._stopped = f"something went wrong: {error}"
        self.outcome = outcome_text(self._models, self._prompts, self._notes, self._stopped)
        self._host.statusBar().showMessage(self.outcome, 20000)
        self.finished.emit(self.outcome)

    async def shutdown(self) -> None:
        """Stop and wait for the task to end (the window is closing)."""
        self.cancel()
        task = self._task
        if task is not None and not task.done():
            await asyncio.gather(task, return_exceptions=True)
