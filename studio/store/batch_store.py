"""Batches through the `Store`: the queries the CLI and the grid window use.

    batches = BatchStore(store)
    batches.mark_interrupted()                      # at start: find batches whose process died
    batch = batches.create(planned)                 # rows, runs in history, waiting cells
    runner = BatchRunner(engine, batch, targets, recorder=BackgroundBatchRecorder(store.path))

The recorders are in studio.store.batch_recorders.
"""

from __future__ import annotations

from collections.abc import Sequence

from studio.core.batch import Batch, PromptSource
from studio.core.process_owner import current_owner, owner_alive
from studio.store import batches, collections, prompt_extras, prompts
from studio.store.batches import BatchSummary, CellAttempt
from studio.store.models import CollectionId
from studio.store.store import Store


class BatchStore:
    def __init__(self, store: Store) -> None:
        self._store = store

    # -- planning ------------------------------------------------------------------------

    def prompt_sources(self, collection_id: CollectionId, title: str | None = None, *,
                       recursive: bool = False) -> list[PromptSource]:
        """The collection's prompts (or those titled `title`) with their rows and checks."""
        with self._store._read() as conn:
            if title is not None:
                found = prompts.find_by_title(conn, collection_id, title)
            else:
                ids = (collections.subtree_ids(conn, collection_id) if recursive
                       else [collections.get(conn, collection_id).id])
                found = prompts.list_prompts(conn, ids)
            return [prompt_extras.source(conn, p) for p in found]

    # -- writing -------------------------------------------------------------------------

    def create(self, batch: Batch) -> Batch:
        """Save a planned batch (owned by this process); returns it with its ids."""
        with self._store._write() as conn:
            return batches.create(conn, batch, current_owner())

    def claim(self, batch_id: int) -> Batch:
        """Take over an interrupted (or cancelled, or paused) batch to run the rest of it;
        raises ConflictError while another running process owns it."""
        with self._store._write() as conn:
            batches.claim(conn, batch_id, current_owner(), owner_alive)
            return batches.load(conn, batch_id)

    def mark_interrupted(self) -> list[int]:
        """Running batches whose process has ended become `interrupted`; their ids."""
        with self._store._write() as conn:
            return batches.mark_interrupted(conn, owner_alive)

    def delete(self, batch_id: int) -> None:
        with self._store._write() as conn:
            batches.delete(conn, batch_id)

    # -- reading -------------------------------------------------------------------------

    def load(self, batch_id: int) -> Batch:
        """The whole grid: rows, columns and every cell's current attempt with its answer
        (text, page, metrics, error), check results, rating and whether it has a screenshot
        (read the PNG with Store.screenshot(cell.response_id))."""
        with self._store._read() as conn:
            return batches.load(conn, batch_id)

    def summaries(self, limit: int = 50, offset: int = 0) -> list[BatchSummary]:
        """Newest first, with counts of cells by state."""
        with self._store._read() as conn:
            return batches.summaries(conn, limit, offset)

    def attempts(self, batch_id: int, row: int, col: int) -> list[CellAttempt]:
        """Every attempt of one cell, oldest first (answers via Store.run(row's run_id))."""
        with self._store._read() as conn:
            return batches.attempts(conn, batch_id, row, col)

    def ratings(self, batch_id: int) -> dict[tuple[int, int], int | None]:
        """(row, column) → the rating of each cell's current answer (they are rated in the
        workspace, where a cell opens)."""
        with self._store._read() as conn:
            return batches.ratings(conn, batch_id)

    def batch_of_run(self, run_id: int) -> tuple[int, int] | None:
        """(batch id, row) when the run is a batch's row."""
        with self._store._read() as conn:
            return batches.batch_of_run(conn, run_id)


def sources_for(store: Store, prompt_ids: Sequence[int]) -> list[PromptSource]:
    """Selected prompts (the library's selection) as a batch plans them, in the order given."""
    with store._read() as conn:
        return [prompt_extras.source(conn, prompts.get(conn, pid))  # type: ignore[arg-type]
                for pid in prompt_ids]
