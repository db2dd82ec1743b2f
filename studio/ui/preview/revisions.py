"""The page revisions of a saved answer, read from and written to the store."""

from __future__ import annotations

from studio.core.page_revisions import Revision
from studio.store import NotFoundError, ResponseId, RunId, Store


class StoreRevisions:
    """`RevisionStore` over `Store.add_page_revision` and the run's saved pages."""

    def __init__(self, store: Store, response_id: int, run_id: int | None = None) -> None:
        self._store = store
        self._response_id = ResponseId(response_id)
        self._run_id = RunId(run_id) if run_id is not None else self._find_run()
        self._cache: list[Revision] | None = None

    @property
    def response_id(self) -> ResponseId:
        return self._response_id

    def _find_run(self) -> RunId:
        # The store reads pages per run; an answer id alone names its run in this one row.
        row = self._store.connection.execute(
            "SELECT run_id FROM responses WHERE id = ?", (self._response_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no answer with id {self._response_id}")
        return RunId(int(row[0]))

    def revisions(self) -> list[Revision]:
        if self._cache is None:
            self._cache = self._load()
        return list(self._cache)

    def _load(self) -> list[Revision]:
        for turn in self._store.run(self._run_id).turns:
            for response in turn.responses:
                if response.id == self._response_id:
                    return [Revision(p.revision, p.html, p.note, p.created_at)
                            for p in response.pages]
        raise NotFoundError(f"no answer with id {self._response_id} in run {self._run_id}")

    def add(self, html: str, note: str = "") -> int:
        number = self._store.add_page_revision(self._response_id, html, note)
        self._cache = None
        return number

    def save_screenshot(self, number: int, png: bytes) -> None:
        self._store.set_screenshot(self._response_id, png, number)
