"""Driving a batch's cells through the engine: limits, checks, pause, cancel, re-runs.

Every cell is one engine run (the engine does the request, its retries and its
cancellation) that waits for a slot in the batch's `Limiter` before each attempt. When an
answer is complete its checks are evaluated (the page run once in the sandbox when a check
or a thumbnail needs it, judges asked through the same limiter), and everything is handed
to the `BatchRecorder` the moment it happens. Listeners get plain callbacks on the event
loop's thread; a Qt adapter turns them into signals.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from studio.core.batch import Batch, BatchError, BatchState, Cell, CellState, Spending, spending
from studio.core.batch_limits import Limiter
from studio.core.cell_result import CellResult
from studio.core.checks import (
    Check,
    CheckResult,
    PageReport,
    PageRunner,
    Subject,
    check_answer,
    needs_page,
    not_run,
)
from studio.core.events import ReasoningDelta, TextDelta
from studio.core.judge import JudgeClient, TargetResolver
from studio.core.regex_search import RegexSearcher, regex_check
from studio.core.runner import Engine, ModelRun, ModelState, ModelTarget, RunSession

log = logging.getLogger(__name__)

_FINAL_CELL = {ModelState.DONE: CellState.DONE, ModelState.FAILED: CellState.FAILED,
               ModelState.CANCELLED: CellState.CANCELLED}


class BatchListener(Protocol):
    def on_cell(self, cell: Cell) -> None:
        """A cell's state, answer, checks or screenshot changed."""

    def on_delta(self, cell: Cell, event: TextDelta | ReasoningDelta) -> None:
        """Text arrived for a streaming cell (cheap: called for every chunk)."""

    def on_batch(self, batch: Batch) -> None:
        """The batch's state changed (running, paused, done, cancelled)."""


class BatchRecorder(Protocol):
    """Where a batch is kept as it runs (studio.store.batch_recorders)."""

    def batch_state(self, batch: Batch) -> None: ...

    def cell_state(self, batch: Batch, cell: Cell) -> None: ...

    def cell_answer(self, batch: Batch, cell: Cell, run: ModelRun) -> None:
        """The answer ended (done, failed or cancelled): save it and the cell's state."""

    def cell_checks(self, batch: Batch, cell: Cell) -> None: ...

    def cell_screenshot(self, batch: Batch, cell: Cell, png: bytes,
                        thumbnail: bytes | None = None) -> None: ...

    def new_attempt(self, batch: Batch, cell: Cell) -> None:
        """Start a new attempt of a finished cell (the old one is kept): set the cell's
        `attempt` and `response_id`."""


@dataclass(frozen=True, slots=True)
class Progress:
    total: int
    waiting: int
    active: int  # sent, streaming or being checked
    done: int
    failed: int
    cancelled: int
    elapsed_s: float
    eta_s: float | None  # None until something finished here, or while paused
    spent: Spending = field(default_factory=Spending)  # answers' cost; judges' apart

    @property
    def finished(self) -> int:
        return self.done + self.failed


class _CellRuns:
    """The engine's listener for one session: maps its runs to cells."""

    def __init__(self, runner: BatchRunner, cells: list[Cell]) -> None:
        self._runner = runner
        self.cells = cells

    def on_delta(self, run: ModelRun, event: TextDelta | ReasoningDelta) -> None:
        listener = self._runner.listener
        if listener is not None:
            listener.on_delta(self.cells[run.index], event)

    def on_state(self, run: ModelRun) -> None:
        self._runner._run_changed(self.cells[run.index], run)


class BatchRunner:
    """Runs one batch; create it, `start()`, then `await wait()` (or watch the listener)."""

    def __init__(self, engine: Engine, batch: Batch, targets: Sequence[ModelTarget], *,
                 recorder: BatchRecorder | None = None, listener: BatchListener | None = None,
                 pages: PageRunner | None = None, resolve: TargetResolver | None = None,
                 screenshots: bool = False, images_anyway: bool = False,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if len(targets) != len(batch.columns):
            raise BatchError("one model target per column is needed")
        self.engine = engine
        self.batch = batch
        self.targets = list(targets)
        self.recorder = recorder
        self.listener = listener
        self.pages = pages
        self.screenshots = screenshots
        # Send the rows' images even to models whose preset says they take none.
        self.images_anyway = images_anyway
        self.limiter = Limiter(batch.concurrency, batch.per_provider,
                               on_admitted=self._admitted)
        self.judge = (JudgeClient(engine, resolve, self.limiter, batch.judge)
                      if resolve is not None else None)
        self.regex = RegexSearcher()
        self._clock = clock
        self._sessions: list[RunSession] = []
        self._by_run: dict[int, Cell] = {}  # id(ModelRun) → cell
        self._checks: dict[Cell, asyncio.Task[None]] = {}
        self._started: float | None = None
        self._finished_here = 0
        self._cancelling = False

    # -- control ---------------------------------------------------------------------------

    def start(self) -> None:
        """Send every cell that is not finished; cells whose answer is complete but whose
        checks are not get only their checks. Safe to call again after cancel()."""
        self._cancelling = False
        self.limiter.resume()
        self._set_state(BatchState.RUNNING)
        for cell in self.batch.cells:
            if cell.state is CellState.CHECKING and cell.result is None:
                cell.state = CellState.WAITING  # its answer is gone: send it again
        checking = [c for c in self.batch.cells if c.state is CellState.CHECKING
                    and c not in self._checks]
        for cell in checking:
            self._start_checks(cell)
        pending = [c for c in self.batch.cells if not c.state.finished
                   and c.state is not CellState.CHECKING and not self._driving(c)]
        self._launch(pending)
        self._maybe_done()

    def pause(self) -> None:
        """Send nothing new; streams already open finish."""
        self.limiter.pause()
        if self.batch.state is BatchState.RUNNING:
            self._set_state(BatchState.PAUSED)

    def resume(self) -> None:
        self.limiter.resume()
        if self.batch.state is BatchState.PAUSED:
            self._set_state(BatchState.RUNNING)

    def cancel(self) -> None:
        """Stop everything: open streams are cut, waiting cells are not sent."""
        self._cancelling = True
        for session in self._sessions:
            session.cancel_all()
        for task in list(self._checks.values()):
            task.cancel()

    def rerun_failed(self) -> list[Cell]:
        """Send the failed cells again, each as a new attempt (the failed one is kept)."""
        cells = [c for c in self.batch.cells if c.state is CellState.FAILED]
        self._rerun(cells)
        return cells

    def rerun_cell(self, row: int, col: int) -> Cell:
        """Send one cell again as a new attempt; its earlier attempts are kept."""
        cell = self.batch.cell(row, col)
        if cell.state.active or self._driving(cell):
            raise BatchError("this cell is still running")
        self._rerun([cell])
        return cell

    def set_limits(self, concurrency: int, per_provider: int | None = None) -> None:
        self.limiter.set_limits(concurrency, per_provider)
        self.batch.concurrency = concurrency
        self.batch.per_provider = per_provider
        if self.recorder is not None:
            self.recorder.batch_state(self.batch)

    async def wait(self) -> Batch:
        """Until nothing of this batch runs any more (re-runs started meanwhile included)."""
        while True:
            waiters: list[asyncio.Future[Any]] = [
                asyncio.ensure_future(s.wait()) for s in self._sessions if not s.finished]
            checks: list[asyncio.Future[Any]] = list(self._checks.values())
            if not waiters and not checks:
                break
            try:
                await asyncio.wait(waiters + checks)
            except asyncio.CancelledError:
                for waiter in waiters:
                    waiter.cancel()
                raise
        self._sessions = [s for s in self._sessions if not s.finished]
        await self.regex.close_idle()  # no check runs: its workers are not kept idle
        self._maybe_done()
        return self.batch

    async def aclose(self) -> None:
        self.cancel()
        await self.wait()

    # -- reading ---------------------------------------------------------------------------

    def progress(self) -> Progress:
        counts = self.batch.counts()
        total = len(self.batch.cells)
        done, failed = counts[CellState.DONE], counts[CellState.FAILED]
        elapsed = self._clock() - self._started if self._started is not None else 0.0
        remaining = total - done - failed
        eta: float | None = None
        if self._finished_here and remaining and not self.limiter.paused:
            eta = remaining * elapsed / self._finished_here
        elif not remaining:
            eta = 0.0
        return Progress(total=total, waiting=counts[CellState.WAITING],
                        active=sum(counts[s] for s in CellState if s.active), done=done,
                        failed=failed, cancelled=counts[CellState.CANCELLED],
                        elapsed_s=elapsed, eta_s=eta, spent=spending(self.batch.cells))

    @property
    def running(self) -> bool:
        """A cell is being sent or checked by this runner."""
        return bool(self._checks) or any(c.run is not None for c in self.batch.cells)

    # -- internals -------------------------------------------------------------------------

    def _driving(self, cell: Cell) -> bool:
        return cell.run is not None and not cell.run.state.finished

    def _rerun(self, cells: list[Cell]) -> None:
        for cell in cells:
            if cell.result is None and cell.state is CellState.WAITING:
                pass  # never sent: this attempt is still to be made
            elif self.recorder is not None:
                self.recorder.new_attempt(self.batch, cell)
            else:
                cell.attempt += 1
            cell.state = CellState.WAITING
            cell.checks = ()
            cell.has_screenshot = False
            self._cell_changed(cell)
        self._cancelling = False
        self.limiter.resume()
        if cells:
            self._set_state(BatchState.RUNNING)
        self._launch(cells)

    def _launch(self, cells: list[Cell]) -> None:
        if not cells:
            return
        if self._started is None:
            self._started = self._clock()
        jobs = []
        for cell in cells:
            row = self.batch.rows[cell.row]
            target = self.targets[cell.col]
            jobs.append((target, row.request(target, self.images_anyway)))
            if cell.state is not CellState.WAITING:  # resumed after a stop or a crash
                cell.state = CellState.WAITING
                if self.recorder is not None:
                    self.recorder.cell_state(self.batch, cell)
        session = self.engine.start(jobs, _CellRuns(self, cells), self.limiter)
        self._sessions.append(session)
        for cell, run in zip(cells, session.runs, strict=True):
            cell.run = run
            self._by_run[id(run)] = cell

    def _admitted(self, run: ModelRun) -> None:
        cell = self._by_run.get(id(run))
        if cell is None or cell.run is not run:
            return  # a judge's request
        cell.state = CellState.RUNNING
        if run.attempts == 0:  # the first try of this attempt (a retry changes nothing)
            # Kept in memory only: a cell that was sent and a cell that was not are resumed
            # alike, and the answer's save (which records started_at) is the one that counts.
            cell.started_at = time.time()
        self._cell_changed(cell)

    def _run_changed(self, cell: Cell, run: ModelRun) -> None:
        if cell.run is not run:
            return
        if not run.state.finished:
            if run.state is ModelState.STREAMING and cell.state is not CellState.STREAMING:
                cell.state = CellState.STREAMING
            self._cell_changed(cell)  # streaming, or waiting to retry (run.status_note)
            return
        self._by_run.pop(id(run), None)
        if run.state is ModelState.CANCELLED and run.attempts == 0:
            # Stopped before it was sent: still waiting, as the store already says.
            cell.run = None
            cell.state = CellState.WAITING
            self._cell_changed(cell)
            self._maybe_done()
            return
        cell.result = CellResult.from_run(run)
        cell.finished_at = time.time()
        wants_checks = run.state is ModelState.DONE and (
            self.batch.rows[cell.row].checks or (self.screenshots and cell.result.html))
        cell.state = CellState.CHECKING if wants_checks else _FINAL_CELL[run.state]
        if run.state is not ModelState.DONE:
            why = "failed" if run.state is ModelState.FAILED else "was stopped"
            cell.checks = tuple(not_run(c, f"the answer {why}")
                                for c in self.batch.rows[cell.row].checks)
        if self.recorder is not None:
            self.recorder.cell_answer(self.batch, cell, run)
        cell.run = None
        if cell.state.finished:
            self._finished_here += 1
        self._cell_changed(cell)
        if wants_checks:
            self._start_checks(cell)
        else:
            self._maybe_done()

    def _start_checks(self, cell: Cell) -> None:
        task = asyncio.get_running_loop().create_task(self._evaluate(cell),
                                                      name=f"checks:{cell.row}:{cell.col}")
        self._checks[cell] = task
        task.add_done_callback(self._checks_ended)

    def _checks_ended(self, task: asyncio.Task[None]) -> None:
        for cell, running in list(self._checks.items()):
            if running is task:
                del self._checks[cell]
        self._maybe_done()

    async def _evaluate(self, cell: Cell) -> None:
        try:
            cell.checks = await self._check_results(cell)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug in one check must not stop the batch
            log.exception("checking cell %s:%s", cell.row, cell.col)
            cell.checks = (CheckResult("checks", None, None, f"not run: internal error: "
                                                             f"{exc!r}"),)
        cell.state = CellState.DONE
        self._finished_here += 1
        if self.recorder is not None:
            self.recorder.cell_checks(self.batch, cell)
        self._cell_changed(cell)

    async def _check_results(self, cell: Cell) -> tuple[CheckResult, ...]:
        row = self.batch.rows[cell.row]
        result = cell.result
        assert result is not None
        subject = Subject(
            prompt=row.prompt, system=row.system, model=result.model, text=result.text,
            html=result.html, ok=result.state is ModelState.DONE,
            problem=result.state.value, cost_usd=result.cost_usd, ttft_s=result.ttft_s,
            total_s=result.total_s)
        page, unavailable = await self._page(cell, subject)
        # All at once: a judge's request or a slow pattern holds up no other check.
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(self._check(check, subject, page, unavailable),
                                       name=f"check:{cell.row}:{cell.col}:{i}")
                     for i, check in enumerate(row.checks)]
        return tuple(task.result() for task in tasks)

    async def _check(self, check: Check, subject: Subject, page: PageReport | None,
                     unavailable: str | None) -> CheckResult:
        if check.kind == "regex":
            return await regex_check(check, subject, self.regex)
        if check.kind != "judge":
            return check_answer(check, subject, page, unavailable)
        if self.judge is None:
            return not_run(check, "no judge can be asked here")
        return await self.judge.judge(check, subject,
                                      page.screenshot if page is not None else None)

    async def _page(self, cell: Cell, subject: Subject) -> tuple[PageReport | None, str | None]:
        wanted = needs_page(self.batch.rows[cell.row].checks) or self.screenshots
        if not wanted or subject.html is None:
            return None, None
        if self.pages is None:
            return None, "no page runner (the preview sandbox) is available here"
        unavailable = self.pages.unavailable()
        if unavailable is not None:
            return None, unavailable
        try:
            page = await self.pages.run_page(subject.html)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a broken sandbox fails the page checks, not the batch
            log.exception("running the page of cell %s:%s", cell.row, cell.col)
            return None, f"the page could not be run: {exc}"
        if page.screenshot:
            cell.has_screenshot = True
            if self.recorder is not None:
                self.recorder.cell_screenshot(self.batch, cell, page.screenshot,
                                              page.thumbnail)
        return page, None

    def _cell_changed(self, cell: Cell) -> None:
        if self.listener is not None:
            self.listener.on_cell(cell)

    def _set_state(self, state: BatchState) -> None:
        if self.batch.state is state:
            return
        self.batch.state = state
        if self.recorder is not None:
            self.recorder.batch_state(self.batch)
        if self.listener is not None:
            self.listener.on_batch(self.batch)

    def _maybe_done(self) -> None:
        if self.running:
            return
        if self.batch.complete:
            self._set_state(BatchState.DONE)
        elif self._cancelling or any(c.state is CellState.CANCELLED for c in self.batch.cells):
            self._set_state(BatchState.CANCELLED)


class SilentBatchListener:
    """A BatchListener that ignores everything; subclass it to handle only some callbacks."""

    def on_cell(self, cell: Cell) -> None:
        pass

    def on_delta(self, cell: Cell, event: TextDelta | ReasoningDelta) -> None:
        pass

    def on_batch(self, batch: Batch) -> None:
        pass


async def run_batch(runner: BatchRunner) -> Batch:
    """start() then wait(); on cancellation of the caller, the batch is cancelled first."""
    runner.start()
    try:
        return await runner.wait()
    except asyncio.CancelledError:
        runner.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await runner.wait()
        raise
