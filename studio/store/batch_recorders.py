"""Keeping a running batch in the database: the two BatchRecorders.

Every change the runner reports becomes one job — one transaction on the store — built
from a snapshot of the cell as it is at that moment. `StoreBatchRecorder` runs each job at
once on the caller's thread. `BackgroundBatchRecorder` hands it to a writer thread with its
own connection (SQLite's WAL lets the window read meanwhile): saving an answer commits its
history response, its page and the search index — well under a millisecond of CPU, but on
a busy disk the commit can wait a few milliseconds, during which an event loop driving
hundreds of streams (or a window painting a grid) would stand still. Its jobs run in the
order they were asked for; `flush()` waits for them, `close()` ends the thread; a new
attempt needs its ids at once, so it waits for the writer.

When the store fails, saving stops with a warning and the batch goes on (its answers
still reach the user).
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Callable
from pathlib import Path

from studio.core.batch import Batch, Cell
from studio.core.runner import ModelRun
from studio.store import batches
from studio.store.errors import StoreError
from studio.store.models import ResponseData
from studio.store.store import Store
from studio.store.store_writer import StoreWriter

Job = Callable[[sqlite3.Connection], None]
CellAction = Callable[[sqlite3.Connection, int, Cell], None]


class _Recorder:
    """core.batch_runner.BatchRecorder as jobs; subclasses say where a job runs."""

    def __init__(self) -> None:
        self.warning: str | None = None
        # An answer saved anew (its row's run was deleted meanwhile) has a new id; later
        # writes of the same cell attempt use it.
        self._moved: dict[tuple[int, int, int, int], int] = {}

    def _do(self, job: Job, *, wait: bool = False) -> None:
        raise NotImplementedError

    def _cell_job(self, batch: Batch, cell: Cell, action: CellAction) -> None:
        batch_id = batch.id
        if batch_id is None:
            return
        snapshot = dataclasses.replace(cell, run=None)  # the cell goes on changing
        key = (batch_id, cell.row, cell.col, cell.attempt)

        def job(conn: sqlite3.Connection) -> None:
            moved = self._moved.get(key)
            if moved is not None:
                snapshot.response_id = moved
            before = snapshot.response_id
            action(conn, batch_id, snapshot)
            if snapshot.response_id not in (before, None):
                self._moved[key] = snapshot.response_id

        self._do(job)

    def batch_state(self, batch: Batch) -> None:
        if batch.id is not None:
            snapshot = dataclasses.replace(batch)  # state and limits as they are now
            self._do(lambda conn: batches.set_state(conn, snapshot))

    def cell_state(self, batch: Batch, cell: Cell) -> None:
        self._cell_job(batch, cell, batches.save_cell)

    def cell_checks(self, batch: Batch, cell: Cell) -> None:
        self._cell_job(batch, cell, batches.save_cell)

    def cell_answer(self, batch: Batch, cell: Cell, run: ModelRun) -> None:
        data = ResponseData.from_model_run(run)
        self._cell_job(batch, cell, lambda conn, bid, c: batches.save_answer(conn, bid, c, data))

    def cell_screenshot(self, batch: Batch, cell: Cell, png: bytes,
                        thumbnail: bytes | None = None) -> None:
        self._cell_job(batch, cell, lambda conn, _bid, c: batches.set_screenshot(
            conn, c, png, thumbnail))

    def new_attempt(self, batch: Batch, cell: Cell) -> None:
        batch_id = batch.id
        result: list[tuple[int, int | None]] = []
        if batch_id is not None and self.warning is None:
            snapshot = dataclasses.replace(cell, run=None)

            def job(conn: sqlite3.Connection) -> None:
                batches.new_attempt(conn, batch_id, snapshot)
                result.append((snapshot.attempt, snapshot.response_id))

            self._do(job, wait=True)
        if result:
            cell.attempt, cell.response_id = result[0]
        else:  # not saved: the attempt is counted here only
            cell.attempt += 1
            cell.response_id = None


class StoreBatchRecorder(_Recorder):
    """Each change saved at once, on the caller's thread, through `store`."""

    def __init__(self, store: Store) -> None:
        super().__init__()
        self._store: Store | None = store

    def _do(self, job: Job, *, wait: bool = False) -> None:
        store = self._store
        if store is None:
            return
        try:
            with store._write() as conn:
                job(conn)
        except StoreError as exc:
            self.warning = f"the batch is no longer saved: {exc}"
            self._store = None


class BackgroundBatchRecorder(_Recorder):
    """Each change saved by a writer thread (a `StoreWriter`) with its own connection."""

    def __init__(self, database: Path) -> None:
        super().__init__()
        self._writer = StoreWriter(database)
        if self._writer.open_error is not None:
            self.warning = f"the batch is not saved: {self._writer.open_error}"

    def _do(self, job: Job, *, wait: bool = False) -> None:
        def run(store: Store | None) -> None:
            if store is None or self.warning is not None:
                return
            try:
                with store._write() as conn:
                    job(conn)
            except Exception as exc:  # StoreError, or a bug: saving stops, never hangs
                self.warning = f"the batch is no longer saved: {exc}"

        self._writer.submit(run, wait=wait)

    def flush(self) -> None:
        """Wait until everything asked for so far is written."""
        self._writer.flush()

    def close(self) -> None:
        """Write what is left, then end the thread."""
        self._writer.close()
