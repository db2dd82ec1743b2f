"""A batch recorder that writes on a thread of its own, so saving never holds up the loop.

Saving a cell's answer commits its history response, its page and the search index:
well under a millisecond of CPU, but on a busy disk the commit can wait a few
milliseconds — time during which an event loop driving hundreds of streams (or a window
painting a grid) would stand still. `BackgroundBatchRecorder` takes a snapshot of what is
to be saved on the caller's thread and hands it to a writer thread with its own
connection (SQLite's WAL lets the window read meanwhile). Writes happen in the order they
were asked for; `flush()` waits for them, `close()` ends the thread. A new attempt needs
its ids at once, so it waits for the writer.

When the store fails, saving stops with a warning and the batch goes on, as with
`StoreBatchRecorder`.
"""

from __future__ import annotations

import dataclasses
import queue
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

from studio.core.batch import Batch, Cell
from studio.core.runner import ModelRun
from studio.store import batches
from studio.store.errors import StoreError
from studio.store.models import ResponseData
from studio.store.store import Store

Job = Callable[[sqlite3.Connection], None]


class BackgroundBatchRecorder:
    """core.batch_runner.BatchRecorder writing on its own thread (see the module's notes)."""

    def __init__(self, database: Path) -> None:
        self._path = database
        self._jobs: queue.SimpleQueue[tuple[Job | None, threading.Event | None]] = (
            queue.SimpleQueue())
        self.warning: str | None = None
        self._stopped = False
        # Answers saved anew (their row's run was deleted) get new ids on the writer's
        # side; later writes of the same cell attempt use them.
        self._moved: dict[tuple[int, int, int, int], int] = {}
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._work, name="batch-writer", daemon=True)
        self._thread.start()
        self._ready.wait()

    # -- the writer thread -------------------------------------------------------------

    def _work(self) -> None:
        store: Store | None = None
        try:
            store = Store.open(self._path)
        except (StoreError, OSError) as exc:
            self.warning = f"the batch is not saved: {exc}"
        finally:
            self._ready.set()
        try:
            while True:
                job, done = self._jobs.get()
                try:
                    if job is None:
                        if done is None:
                            return
                        continue
                    if store is not None and self.warning is None:
                        with store._write() as conn:
                            job(conn)
                except Exception as exc:  # StoreError, or a bug: saving stops, never hangs
                    self.warning = f"the batch is no longer saved: {exc}"
                finally:
                    if done is not None:
                        done.set()
        finally:
            if store is not None:
                store.close()

    def _put(self, job: Job, *, wait: bool = False) -> None:
        if self._stopped:
            return
        done = threading.Event() if wait else None
        self._jobs.put((job, done))
        if done is not None:
            done.wait()

    def flush(self) -> None:
        """Wait until everything asked for so far is written."""
        if self._stopped:
            return
        done = threading.Event()
        self._jobs.put((None, done))
        done.wait()

    def close(self) -> None:
        """Write what is left, then end the thread."""
        if self._stopped:
            return
        self._stopped = True
        self._jobs.put((None, None))
        self._thread.join()

    # -- BatchRecorder -----------------------------------------------------------------

    def _snapshot(self, cell: Cell) -> Cell:
        # The cell goes on changing on the loop's thread; the writer gets it as it is now.
        return dataclasses.replace(cell, run=None)

    def _apply_moved(self, batch_id: int, cell: Cell) -> None:
        moved = self._moved.get((batch_id, cell.row, cell.col, cell.attempt))
        if moved is not None:
            cell.response_id = moved

    def batch_state(self, batch: Batch) -> None:
        snapshot = dataclasses.replace(batch)  # state and limits as they are now
        self._put(lambda conn: batches.set_state(conn, snapshot))

    def cell_state(self, batch: Batch, cell: Cell) -> None:
        self._save(batch, cell)

    def cell_checks(self, batch: Batch, cell: Cell) -> None:
        self._save(batch, cell)

    def _save(self, batch: Batch, cell: Cell) -> None:
        batch_id = batch.id
        if batch_id is None:
            return
        snapshot = self._snapshot(cell)

        def job(conn: sqlite3.Connection) -> None:
            self._apply_moved(batch_id, snapshot)
            batches.save_cell(conn, batch_id, snapshot)

        self._put(job)

    def cell_answer(self, batch: Batch, cell: Cell, run: ModelRun) -> None:
        batch_id = batch.id
        if batch_id is None:
            return
        snapshot = self._snapshot(cell)
        data = ResponseData.from_model_run(run)

        def job(conn: sqlite3.Connection) -> None:
            self._apply_moved(batch_id, snapshot)
            before = snapshot.response_id
            batches.save_answer(conn, batch_id, snapshot, data)
            if snapshot.response_id != before and snapshot.response_id is not None:
                key = (batch_id, snapshot.row, snapshot.col, snapshot.attempt)
                self._moved[key] = snapshot.response_id

        self._put(job)

    def cell_screenshot(self, batch: Batch, cell: Cell, png: bytes) -> None:
        batch_id = batch.id
        if batch_id is None:
            return
        snapshot = self._snapshot(cell)

        def job(conn: sqlite3.Connection) -> None:
            self._apply_moved(batch_id, snapshot)
            batches.set_screenshot(conn, snapshot, png)

        self._put(job)

    def new_attempt(self, batch: Batch, cell: Cell) -> None:
        batch_id = batch.id
        result: list[tuple[int, int | None]] = []
        if batch_id is not None and self.warning is None:
            snapshot = self._snapshot(cell)

            def job(conn: sqlite3.Connection) -> None:
                batches.new_attempt(conn, batch_id, snapshot)
                result.append((snapshot.attempt, snapshot.response_id))

            self._put(job, wait=True)
        if result:
            cell.attempt, cell.response_id = result[0]
        else:
            cell.attempt += 1
            cell.response_id = None
