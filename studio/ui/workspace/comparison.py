"""One sent prompt: its panes, its engine session and the per-frame delivery between them.

A comparison is the unit a follow-up will extend: the panes already show a sequence of
turns (`AnswerView.begin_turn`), and `prompt`/`system` are what a thread is built from.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from studio.core.request import ChatRequest, single_turn
from studio.core.runner import Engine, ModelRun, ModelState, ModelTarget, RunSession
from studio.ui.workspace.coalescer import FrameBatch, StreamCoalescer
from studio.ui.workspace.metrics_strip import Standing, rank_badges
from studio.ui.workspace.pane import AnswerPane

LIVE_METRICS_MS = 250  # tokens/s and total time tick while streaming; no need for 60 Hz


def build_jobs(targets: list[ModelTarget], prompt: str,
               system: str | None) -> list[tuple[ModelTarget, ChatRequest]]:
    return [(t, single_turn(t.ref.model, prompt, system, t.settings)) for t in targets]


class Comparison(QObject):
    stateChanged = Signal()  # some model changed state (running/finished)
    progressed = Signal()  # a few times a second while streaming, and on state changes
    finished = Signal()  # every model ended (done, failed or cancelled)

    def __init__(self, engine: Engine, prompt: str, system: str | None,
                 targets: list[ModelTarget], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.prompt = prompt
        self.system = system
        self.targets = list(targets)
        self.panes = [AnswerPane(i, t) for i, t in enumerate(self.targets)]
        for pane in self.panes:
            pane.view.begin_turn()
            pane.stopRequested.connect(self.stop)
            pane.retryRequested.connect(self.retry)
        self.coalescer = StreamCoalescer(self._apply, parent=self)
        self._live = QTimer(self)
        self._live.setInterval(LIVE_METRICS_MS)
        self._live.timeout.connect(self._tick)
        self._engine = engine
        self.session: RunSession | None = None
        self._closed = False
        # Cancelling a task again while it closes its connection would cut that short.
        self._stopping: set[int] = set()

    def start(self) -> RunSession:
        self.session = self._engine.start(build_jobs(self.targets, self.prompt, self.system),
                                          self.coalescer)
        for pane, run in zip(self.panes, self.session.runs, strict=True):
            pane.bind(run)
        self._live.start()
        self.stateChanged.emit()
        return self.session

    @property
    def runs(self) -> list[ModelRun]:
        return self.session.runs if self.session is not None else []

    @property
    def running(self) -> bool:
        """Some model is still working (as the engine sees it)."""
        return any(not r.state.finished for r in self.runs)

    @property
    def settled(self) -> bool:
        """Every model has ended and the panes show all of it."""
        return self.session is not None and not self.running and not self.coalescer.pending

    # -- control -----------------------------------------------------------------------

    def stop(self, index: int) -> None:
        session = self.session
        if session is None or index in self._stopping or session.runs[index].state.finished:
            return
        self._stopping.add(index)
        session.cancel(index)

    def stop_all(self) -> None:
        for run in self.runs:
            self.stop(run.index)

    def retry(self, index: int) -> None:
        session = self.session
        if session is None or self._closed or not session.runs[index].state.finished:
            return
        self._stopping.discard(index)
        session.retry(index)
        self._live.start()

    def retry_failed(self) -> list[int]:
        indices = [r.index for r in self.runs
                   if r.state in (ModelState.FAILED, ModelState.CANCELLED)]
        for index in indices:
            self.retry(index)
        return indices

    async def wait(self) -> None:
        if self.session is not None:
            await self.session.wait()
        # The last state changes may still sit in the coalescer's buffer.
        self.coalescer.flush()

    def close(self) -> None:
        """Stop everything and stop touching the panes (they are about to be deleted)."""
        if self._closed:
            return  # cancelling twice would interrupt the models' own cleanup
        self._closed = True
        self.stop_all()
        self.coalescer.detach()
        self._live.stop()

    # -- delivery ----------------------------------------------------------------------

    def _apply(self, batch: FrameBatch) -> None:
        panes = self.panes
        for index in batch.resets:
            panes[index].reset_answer()
        for index in batch.text.keys() | batch.reasoning.keys():
            panes[index].append(batch.text.get(index, ""), batch.reasoning.get(index, ""))
        if batch.states:
            for index, run in batch.states.items():
                panes[index].update_state(run)
            self._update_badges()
            self.stateChanged.emit()
            self.progressed.emit()
            if self.settled:
                self._live.stop()
                self.finished.emit()

    def _tick(self) -> None:
        for pane, run in zip(self.panes, self.runs, strict=False):
            if run.state is ModelState.STREAMING:
                pane.refresh_metrics(run.refresh_metrics())
                pane.update_preview()
        self.progressed.emit()

    def _update_badges(self) -> None:
        standings = [Standing(r.index, r.state is ModelState.DONE, r.metrics,
                              len(r.text) if r.state is ModelState.DONE else 0)
                     for r in self.runs]
        for index, badges in rank_badges(standings).items():
            self.panes[index].set_badges(badges)
