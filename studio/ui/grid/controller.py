"""The batch on screen and the runner behind it: start, open, resume, pause, cancel, re-run.

One batch is shown at a time and at most one runs. The slow store work — writing a new
batch (a history run per row, a cell per answer), reading a whole saved grid, taking over
an interrupted batch — happens on a worker thread with its own connection, and every
change the runner reports is saved by the writer thread of a `BackgroundBatchRecorder`, so
the window never waits for the disk. Quitting with a batch running stops it and leaves it
*interrupted*, exactly as a crash does: the next start offers to resume it.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QObject, QTimer, Signal

from studio.core.batch import Batch, BatchError, BatchState, Cell, CellState, Spending, spending
from studio.core.batch_runner import BatchRecorder, BatchRunner, Progress
from studio.core.catalog import CatalogError, ModelRef, ProviderConfig, ProviderRegistry
from studio.core.judge import TargetResolver, registry_resolver
from studio.core.model_sets import ModelSetEntry
from studio.core.runner import Engine, ModelRun, ModelTarget
from studio.store import ResponseId, Store, StoreError
from studio.store.batch_recorders import BackgroundBatchRecorder
from studio.ui.grid.events import BatchEvents
from studio.ui.grid.pages import WindowPageRunner
from studio.ui.grid.thumbnails import PictureSource, Thumbnails

log = logging.getLogger(__name__)
T = TypeVar("T")


def _create(path: Path, planned: Batch) -> Batch:
    with Store.open(path) as store:
        return store.batch_store().create(planned)


def _load(path: Path, batch_id: int) -> Batch:
    with Store.open(path) as store:
        return store.batch_store().load(batch_id)


def _claim(path: Path, batch_id: int) -> Batch:
    with Store.open(path) as store:
        return store.batch_store().claim(batch_id)


class _ShotTap:
    """The store's recorder, with every screenshot also handed to the thumbnails."""

    def __init__(self, inner: BackgroundBatchRecorder, thumbnails: Thumbnails) -> None:
        self.inner = inner
        self._thumbnails = thumbnails

    def batch_state(self, batch: Batch) -> None:
        self.inner.batch_state(batch)

    def cell_state(self, batch: Batch, cell: Cell) -> None:
        self.inner.cell_state(batch, cell)

    def cell_answer(self, batch: Batch, cell: Cell, run: ModelRun) -> None:
        self.inner.cell_answer(batch, cell, run)

    def cell_checks(self, batch: Batch, cell: Cell) -> None:
        self.inner.cell_checks(batch, cell)

    def cell_screenshot(self, batch: Batch, cell: Cell, png: bytes,
                        thumbnail: bytes | None = None) -> None:
        self.inner.cell_screenshot(batch, cell, png, thumbnail)
        if cell.response_id is None:
            return
        if thumbnail is not None:
            self._thumbnails.add_thumbnail(cell.response_id, thumbnail)
        else:
            self._thumbnails.add_screenshot(cell.response_id, png)

    def new_attempt(self, batch: Batch, cell: Cell) -> None:
        self.inner.new_attempt(batch, cell)


def target_for(registry: ProviderRegistry, entry: ModelSetEntry) -> ModelTarget:
    """A column's model with today's provider settings; a provider removed since gets a
    stand-in, so the batch can still be shown (sending to it fails with a message)."""
    try:
        config = registry.get(entry.ref.provider)
    except CatalogError:
        config = ProviderConfig(entry.ref.provider, "openai", "",
                                label=f"{entry.ref.provider} (not configured)")
    return ModelTarget(ModelRef(entry.ref.provider, entry.ref.model), config, entry.settings)


class BatchController(QObject):
    """Signals: `shown(Batch)` a batch replaced the one on screen; `cellsChanged(cells,
    states)` as `BatchEvents`; `stateChanged()` the batch's state or whether it runs;
    `message(text, failed)` for the status bar."""

    shown = Signal(object)
    cellsChanged = Signal(list, bool)
    stateChanged = Signal()
    message = Signal(str, bool)

    def __init__(self, store: Store, engine: Engine, registry: ProviderRegistry,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.engine = engine
        self.registry = registry
        self._io = ThreadPoolExecutor(1, thread_name_prefix="batch-store")
        self.image_threads = ThreadPoolExecutor(1, thread_name_prefix="batch-images")
        self.pictures = PictureSource(self._kept_thumbnail, self._screenshot,
                                      self._keep_thumbnail)
        self.thumbnails = Thumbnails(self.image_threads, self.pictures, parent=self)
        self.events = BatchEvents(self)
        self.events.cellsChanged.connect(self.cellsChanged)
        self.events.batchChanged.connect(self.stateChanged)
        from studio.ui.preview.view import default_network

        self.pages = WindowPageRunner(registry, network=default_network())
        self.batch: Batch | None = None
        self.targets: list[ModelTarget] = []
        self.runner: BatchRunner | None = None
        self._recorder: BackgroundBatchRecorder | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._busy = False  # a store job for the batch on screen is under way
        self._following = 0  # coroutines waiting for the runner to end
        self._closed = False
        self._ticker = QTimer(self)  # the ETA and slowed-down providers move on their own
        self._ticker.setInterval(500)
        self._ticker.timeout.connect(self.stateChanged)

    # -- reading ---------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        runner = self.runner
        return runner is not None and runner.running

    @property
    def busy(self) -> bool:
        return self._busy

    @property
    def idle(self) -> bool:
        """Nothing of the batch is being saved, read, sent or checked."""
        return not self._tasks and not self.running

    def progress(self) -> Progress:
        if self.runner is not None:
            return self.runner.progress()
        batch = self.batch
        counts = batch.counts() if batch is not None else {}
        done, failed = counts.get(CellState.DONE, 0), counts.get(CellState.FAILED, 0)
        return Progress(total=len(batch.cells) if batch is not None else 0,
                        waiting=counts.get(CellState.WAITING, 0),
                        active=sum(n for s, n in counts.items() if s.active),
                        done=done, failed=failed, cancelled=counts.get(CellState.CANCELLED, 0),
                        elapsed_s=0.0, eta_s=None,
                        spent=spending(batch.cells) if batch is not None else Spending())

    def slowed_down(self) -> list[tuple[str, int, float]]:
        """(provider, rate limits seen, seconds before it gets a new stream) of the providers
        this batch has been told to slow down."""
        runner = self.runner
        if runner is None:
            return []
        found = []
        for provider in dict.fromkeys(t.ref.provider for t in self.targets):
            times = runner.limiter.throttled(provider)
            if times:
                found.append((provider, times, runner.limiter.resumes_in(provider)))
        return found

    def can_resume(self) -> bool:
        """Resume does something: the runner is paused, or an unfinished batch is idle."""
        batch = self.batch
        if batch is None or self._busy:
            return False
        if self.runner is not None and self.runner.limiter.paused and self.running:
            return True
        return not self.running and not batch.complete

    # -- starting and opening -----------------------------------------------------------------

    def start(self, planned: Batch, targets: list[ModelTarget]) -> bool:
        """Save a planned batch and run it; False (with a message) while another runs."""
        if not self._free_to_switch():
            return False
        self._spawn(self._start(planned, list(targets)))
        return True

    async def _start(self, planned: Batch, targets: list[ModelTarget]) -> None:
        batch = await self._off_thread(_create, self.store.path, planned)
        if batch is None or self._closed:
            return
        self._show(batch, targets)
        runner = await self._new_runner(batch)
        if runner is not None:
            await self._drive(runner, lambda r: r.start())

    def open(self, batch_id: int) -> bool:
        """Show a saved batch (nothing is sent); False while another one runs."""
        batch = self.batch
        if batch is not None and batch.id == batch_id:
            return True
        if not self._free_to_switch():
            return False
        self._spawn(self._open(batch_id))
        return True

    async def _open(self, batch_id: int) -> None:
        batch = await self._off_thread(_load, self.store.path, batch_id)
        if batch is not None:
            self._show(batch, [target_for(self.registry, e) for e in batch.columns])

    def resume_saved(self, batch_id: int) -> bool:
        """Show a saved batch and run what is left of it (an interrupted one, say)."""
        if not self._free_to_switch():
            return False
        self._spawn(self._resume_saved(batch_id))
        return True

    async def _resume_saved(self, batch_id: int) -> None:
        await self._open(batch_id)
        batch = self.batch
        if batch is not None and batch.id == batch_id:
            await self._resume()

    def _free_to_switch(self) -> bool:
        if self.running or self._busy:
            title = self.batch.title if self.batch is not None else ""
            self.message.emit(f"Batch “{title}” is still running: cancel it or let it "
                              "finish first (one batch runs at a time).", True)
            return False
        return not self._closed

    def _show(self, batch: Batch, targets: list[ModelTarget]) -> None:
        self._drop_runner()
        self.thumbnails.clear()
        self.events.stop()
        self.batch = batch
        self.targets = targets
        self.shown.emit(batch)
        self.stateChanged.emit()

    # -- controls ----------------------------------------------------------------------------

    def pause(self) -> None:
        if self.runner is not None and self.running:
            self.runner.pause()
            self.stateChanged.emit()

    def resume(self) -> None:
        """Go on after a pause, or run what is left of a batch that stopped."""
        runner = self.runner
        if runner is not None and self.running:
            runner.resume()
            self.stateChanged.emit()
        elif self.can_resume():
            self._spawn(self._resume())

    async def _resume(self) -> None:
        await self._run(lambda runner: runner.start())

    def cancel(self) -> None:
        if self.runner is not None and self.running:
            self.runner.cancel()
            self.message.emit("Cancelling the batch: open streams are cut, nothing more is "
                              "sent.", False)

    def rerun_failed(self) -> None:
        batch = self.batch
        if batch is None or not any(c.state is CellState.FAILED for c in batch.cells):
            self.message.emit("No failed cells to send again.", False)
            return
        self._spawn(self._run(lambda runner: runner.rerun_failed()))

    def rerun_cell(self, row: int, col: int) -> None:
        batch = self.batch
        if batch is None:
            return
        cell = batch.cell(row, col)
        if cell.state.active or (cell.run is not None and not cell.run.state.finished):
            self.message.emit("That cell is still running.", True)
            return
        self._spawn(self._run(lambda runner: runner.rerun_cell(row, col)))

    def set_limits(self, concurrency: int, per_provider: int | None) -> None:
        try:
            if self.runner is not None:
                self.runner.set_limits(concurrency, per_provider)
            elif self.batch is not None:
                self.batch.concurrency = concurrency
                self.batch.per_provider = per_provider
        except BatchError as exc:
            self.message.emit(str(exc), True)
        self.stateChanged.emit()

    async def _run(self, action: Callable[[BatchRunner], object]) -> None:
        """Do `action` with the runner of the batch on screen — taking the batch over first
        when it was read from the store — then follow it to its end."""
        runner = self.runner
        batch = self.batch
        if runner is None:
            if batch is None or batch.id is None or self._closed:
                return
            self._busy = True
            self.stateChanged.emit()
            try:
                claimed = await self._off_thread(_claim, self.store.path, batch.id)
            finally:
                self._busy = False
            if claimed is None or self.batch is not batch or self._closed:
                self.stateChanged.emit()
                return
            self._show(claimed, self.targets)
            runner = await self._new_runner(claimed)
            if runner is None:
                return
        elif not await self._own_again(runner):
            return
        await self._drive(runner, action)

    async def _own_again(self, runner: BatchRunner) -> bool:
        """A batch that ended (done, cancelled) is this process's again before more is
        sent, so no other process takes it over meanwhile; False when it cannot be."""
        batch = runner.batch
        if batch.state is BatchState.RUNNING or batch.id is None or self.running:
            return True
        return await self._off_thread(_claim, self.store.path, batch.id) is not None

    async def _drive(self, runner: BatchRunner, action: Callable[[BatchRunner], object]) -> None:
        try:
            action(runner)
        except BatchError as exc:
            self.message.emit(str(exc), True)
            return
        self._ticker.start()
        self.stateChanged.emit()
        self._following += 1
        try:
            await runner.wait()
        finally:
            self._following -= 1
            if runner is self.runner and not self._following:
                self._ticker.stop()
                self.events.flush()
                self.stateChanged.emit()
        if runner is self.runner and not self._closed and not self._following:
            self._announce_end(runner.batch)
            await self.pages.aclose()  # the page worker's browser is not kept while idle

    async def _new_runner(self, batch: Batch) -> BatchRunner | None:
        # Opening the writer's connection waits for its thread: done off the loop.
        recorder = await self._off_thread(BackgroundBatchRecorder, self.store.path)
        if recorder is None:
            return None
        if self._closed or self.batch is not batch:
            recorder.close()
            return None
        if recorder.warning:
            self.message.emit(recorder.warning, True)
        self._recorder = recorder
        recorder_tap: BatchRecorder = _ShotTap(recorder, self.thumbnails)
        # The window, the grid and the batch now live as long as the batch is shown: out of
        # the collector's full passes, which would otherwise stall the window for tens of
        # milliseconds again and again while hundreds of cells come in (as at start-up).
        gc.freeze()
        self.runner = BatchRunner(self.engine, batch, self.targets, recorder=recorder_tap,
                                  listener=self.events, pages=self.pages,
                                  resolve=self.resolver(), screenshots=True)
        return self.runner

    def resolver(self) -> TargetResolver:
        """Judge models named "provider:model", with today's provider settings."""
        return registry_resolver(self.registry)

    def _announce_end(self, batch: Batch) -> None:
        counts = batch.counts()
        failed = counts[CellState.FAILED]
        left = len(batch.cells) - counts[CellState.DONE] - failed
        passed = sum(c.passed for c in batch.cells)
        judged = sum(c.judged for c in batch.cells)
        text = f"Batch “{batch.title}”: {counts[CellState.DONE]} done"
        if failed:
            text += f", {failed} failed"
        if left:
            text += f", {left} not finished (Resume sends them)"
        if judged:
            text += f"; checks: {passed} of {judged} passed"
        self.message.emit(text + ".", bool(failed))

    def _drop_runner(self) -> None:
        """Forget the runner of the batch leaving the screen (it is not running)."""
        self.runner = None
        recorder, self._recorder = self._recorder, None
        if recorder is not None:
            recorder.close()  # its jobs are a few quick writes by now
            if recorder.warning:
                self.message.emit(recorder.warning, True)

    def refresh_ratings(self) -> None:
        """Read the cells' ratings again (they are given in the workspace)."""
        batch = self.batch
        if batch is None or batch.id is None:
            return
        try:
            ratings = self.store.batch_store().ratings(batch.id)
        except StoreError:
            return
        changed = []
        for cell in batch.cells:
            rating = ratings.get((cell.row, cell.col))
            if rating != cell.rating:
                cell.rating = rating
                changed.append((cell.row, cell.col))
        if changed:
            self.cellsChanged.emit(changed, True)

    # -- plumbing ------------------------------------------------------------------------

    def _screenshot(self, response_id: int) -> bytes | None:
        return self.store.screenshot(ResponseId(response_id))

    def _kept_thumbnail(self, response_id: int) -> bytes | None:
        return self.store.thumbnail(ResponseId(response_id))

    def _keep_thumbnail(self, response_id: int, png: bytes) -> None:
        self.store.set_thumbnail(ResponseId(response_id), png)

    async def _off_thread(self, fn: Callable[..., T], *args: Any) -> T | None:
        """`fn(*args)` on the store's worker thread; a StoreError becomes a message."""
        try:
            return await asyncio.get_running_loop().run_in_executor(self._io, fn, *args)
        except StoreError as exc:
            self.message.emit(str(exc), True)
        except (BatchError, OSError) as exc:
            self.message.emit(f"The batch could not be saved or read: {exc}", True)
        return None

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro, name="batch-window")
        self._tasks.add(task)
        task.add_done_callback(self._task_ended)

    def _task_ended(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("batch window task failed", exc_info=task.exception())
            self.message.emit(f"Something went wrong with the batch: {task.exception()}", True)

    async def shutdown(self) -> None:
        """Stop a running batch — left *interrupted*, to be resumed at the next start — and
        end every task and thread of this controller."""
        self._closed = True
        self._ticker.stop()
        self.events.stop()
        runner = self.runner
        if runner is not None and runner.running:
            runner.cancel()
            await runner.wait()
            batch = runner.batch
            batch.state = BatchState.INTERRUPTED
            if self._recorder is not None:
                self._recorder.batch_state(batch)
        if runner is not None:
            await runner.regex.close_idle()  # its regex workers end with the window
        await self.pages.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        recorder, self._recorder = self._recorder, None
        loop = asyncio.get_running_loop()
        if recorder is not None:
            await loop.run_in_executor(None, recorder.close)
        self.thumbnails.clear()
        await loop.run_in_executor(None, self._stop_threads)

    def _stop_threads(self) -> None:
        self._io.shutdown(wait=True, cancel_futures=True)
        self.image_threads.shutdown(wait=True, cancel_futures=True)
