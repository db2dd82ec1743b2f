"""`StoreWriter`: a store's writes run in order by a thread with its own connection.

Saving a finished answer indexes its whole text for search (FTS5 triggers): for a 1 MB
answer that is 100–250 ms, during which a window saving on its own thread would stand
still. A writer thread does it instead while SQLite's WAL lets the window read meanwhile.
Jobs run in the order they were submitted; `flush()` waits for them, `close()` writes what
is left and ends the thread. The `Store` that owns a writer flushes it before each of its
own reads and writes, so nothing read or written there ever sees an earlier state.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from studio.store.errors import StoreError

if TYPE_CHECKING:
    from studio.store.store import Store

log = logging.getLogger(__name__)

# A job gets the writer's own Store, or None when that could not be opened.
Job = Callable[["Store | None"], None]


class StoreWriter:
    def __init__(self, database: Path) -> None:
        self._path = database
        self._jobs: queue.SimpleQueue[tuple[Job | None, threading.Event | None]] = (
            queue.SimpleQueue())
        self._lock = threading.Lock()
        self._pending = 0
        self._stopped = False
        self.open_error: StoreError | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._work, name="store-writer", daemon=True)
        self._thread.start()
        self._ready.wait()

    def _work(self) -> None:
        from studio.store.store import Store

        store: Store | None = None
        try:
            store = Store.open(self._path)
        except StoreError as exc:
            self.open_error = exc
        except OSError as exc:
            self.open_error = StoreError(str(exc))
        finally:
            self._ready.set()
        try:
            while True:
                job, done = self._jobs.get()
                if job is None and done is None:
                    return
                try:
                    if job is not None:
                        job(store)
                except Exception:
                    # A job reports its own store errors; anything else is a bug, and the
                    # writes after it still run.
                    log.exception("a history write failed")
                finally:
                    if job is not None:
                        with self._lock:
                            self._pending -= 1
                    if done is not None:
                        done.set()
        finally:
            if store is not None:
                store.close()

    @property
    def pending(self) -> int:
        """Jobs submitted and not yet finished."""
        with self._lock:
            return self._pending

    @property
    def on_writer_thread(self) -> bool:
        return threading.current_thread() is self._thread

    def submit(self, job: Job, *, wait: bool = False) -> None:
        """Run `job` after everything submitted before it (and wait for it with `wait`)."""
        if self._stopped:
            return
        with self._lock:
            self._pending += 1
        done = threading.Event() if wait else None
        self._jobs.put((job, done))
        if done is not None:
            done.wait()

    def flush(self) -> None:
        """Wait until everything submitted so far is written."""
        if self._stopped or self.on_writer_thread or not self.pending:
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
        with contextlib.suppress(RuntimeError):
            self._thread.join()
