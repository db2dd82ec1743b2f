"""A comparison's history: every step mirrored into the store as it happens.

The comparison tells it what happened (a run started, a prompt added, new attempts, a
model joined, another branch shown, an answer ended, a page rendered); it passes that on to
the `ThreadRecorder`, whose writer thread commits it, and says when the history changed:
`saved` once what it wrote is committed (a reader of the history before that would wait for
the writer), `idle` when the writer has nothing left, `failed` once if saving stopped.
While answers stream, their partial text is saved every couple of seconds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from studio.core.runner import ModelState, ModelTarget
from studio.core.thread import Answer, Thread, ThreadTurn
from studio.store import CollectionId, PromptId, ResponseId, RunId
from studio.store.threads import ThreadRecorder

if TYPE_CHECKING:
    from studio.ui.preview.view import PreviewView

PROGRESS_SAVE_MS = 2000  # a crash loses at most this much of a streaming answer
Live = Callable[[], Iterable[tuple[int, Answer]]]  # (turn key, answer) of each live slot


class ComparisonHistory(QObject):
    # The run changed in the history: an answer was saved (the Answer), or a prompt, an
    # attempt, a model or the branch shown (None).
    saved = Signal(object)
    idle = Signal()  # the writer thread committed everything asked of it so far
    failed = Signal(str)  # saving stopped; the message says why
    _written = Signal()  # the writer committed a write (emitted on its thread)

    def __init__(self, recorder: ThreadRecorder | None, live: Live,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.recorder = recorder
        self._live = live
        self._unannounced: list[Answer] = []  # saved, announced once committed
        self._saved_chars: dict[int, int] = {}  # slot → characters saved while streaming
        self._shots: set[tuple[int, int, int]] = set()  # (turn key, slot, attempt) pictured
        self._warned = False
        self._progress_timer = QTimer(self)
        self._progress_timer.setInterval(PROGRESS_SAVE_MS)
        self._progress_timer.timeout.connect(self._save_progress)
        self._written.connect(self._on_written)
        if recorder is not None:
            recorder.on_written = self._written.emit

    @property
    def run_id(self) -> RunId | None:
        return self.recorder.run_id if self.recorder is not None else None

    @property
    def busy(self) -> bool:
        """Writes not committed yet: reading the history now would wait for them."""
        return self.recorder is not None and self.recorder.pending

    def response_id(self, key: tuple[int, int, int]) -> ResponseId | None:
        """The saved answer of (turn key, slot, attempt), once it is saved."""
        return self.recorder.response_id(key) if self.recorder is not None else None

    # -- what happened -------------------------------------------------------------------

    def started(self, chat: Thread, turn: ThreadTurn, *, template: str,
                variables: dict[str, str] | None, title: str, collection_id: int | None,
                prompt_id: int | None) -> None:
        if self.recorder is None:
            return
        self.recorder.start(
            chat, turn, template=template, variables=variables, title=title,
            collection_id=CollectionId(collection_id) if collection_id is not None else None,
            prompt_id=PromptId(prompt_id) if prompt_id is not None else None)
        self._announce(None)

    def turn_added(self, turn: ThreadTurn) -> None:
        if self.recorder is not None:
            self.recorder.add_turn(turn)
            self._announce(None)

    def attempts_added(self, turn_key: int, answers: Iterable[Answer]) -> None:
        recorder = self.recorder
        if recorder is None:
            return
        added = False
        for answer in answers:
            recorder.new_attempt(turn_key, answer)
            added = True
        if added:
            self._announce(None)

    def model_added(self, target: ModelTarget) -> None:
        if self.recorder is not None:
            self.recorder.add_model(target)

    def head_changed(self, head: int) -> None:
        if self.recorder is not None:
            self.recorder.set_head(head)
            self.check()
            self._announce(None)

    def streaming(self, answers: Iterable[Answer]) -> None:
        """`answers` were sent: their partial text is saved from now on."""
        for answer in answers:
            self._saved_chars[answer.slot] = 0
        if self.recorder is not None and self.recorder.active:
            self._progress_timer.start()

    def answer_ended(self, turn_key: int, answer: Answer, *, still_running: bool) -> None:
        recorder = self.recorder
        if recorder is not None:
            recorder.save(turn_key, answer)
            self.check()
            if recorder.pending:
                self._unannounced.append(answer)
            else:
                self._announce(answer)
        if not still_running:
            self._progress_timer.stop()

    def page_rendered(self, turn_key: int, answer: Answer, preview: PreviewView) -> None:
        """Keep a picture of a finished answer's page, once per attempt."""
        recorder = self.recorder
        if not answer.finished or recorder is None or not recorder.active:
            return
        key = (turn_key, answer.slot, answer.attempt)
        if key in self._shots:
            return
        self._shots.add(key)

        def save(png: bytes) -> None:
            if self.recorder is not None:
                self.recorder.screenshot(turn_key, answer, png)
                self.check()

        preview.grab_png(save)

    def flush(self) -> None:
        """Wait for the writer: whoever reads the history next finds every save in it."""
        if self.recorder is not None:
            self.recorder.flush()
            self._on_written()

    def stop(self) -> None:
        self._progress_timer.stop()

    def check(self) -> None:
        """Say once, if saving has stopped, why."""
        recorder = self.recorder
        if recorder is not None and recorder.warning and not self._warned:
            self._warned = True
            self.failed.emit(recorder.warning)

    # -- inside ----------------------------------------------------------------------------

    def _save_progress(self) -> None:
        recorder = self.recorder
        if recorder is None or not recorder.active:
            self._progress_timer.stop()
            return
        for turn_key, answer in self._live():
            if answer.state is not ModelState.STREAMING:
                continue
            size = len(answer.text) + len(answer.reasoning)
            if size != self._saved_chars.get(answer.slot):
                self._saved_chars[answer.slot] = size
                recorder.progress(turn_key, answer)
        self.check()

    def _on_written(self) -> None:
        """Once the writer has nothing left, announce the answers it saved."""
        recorder = self.recorder
        if recorder is None:
            return
        self.check()
        if recorder.pending:
            return
        answers, self._unannounced = self._unannounced, []
        for answer in answers:
            self._announce(answer)
        self.idle.emit()

    def _announce(self, answer: Answer | None) -> None:
        recorder = self.recorder
        if recorder is not None and recorder.active:
            self.saved.emit(answer)
