"""`Store`: the one object the app, the CLI and the tests use to reach the database.

Every write is one transaction (BEGIN IMMEDIATE … COMMIT). A Store holds one connection and
is used from one thread (the GUI thread or the CLI). Writes that may be slow (a finished
answer of megabytes is indexed for search) can go to its `writer()`, a thread with its own
connection; the Store waits for that writer before each of its own reads and writes.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from studio.core.attachments import Attachment
from studio.core.model_sets import ModelSetEntry
from studio.core.paths import StudioPaths, studio_paths
from studio.store import attachments as stored_files
from studio.store import (
    collections,
    db,
    history,
    model_sets,
    prompts,
    runs,
    search,
    trash,
)
from studio.store.errors import CorruptDatabaseError, StoreError
from studio.store.models import (
    SEARCH_KINDS,
    AttachmentRef,
    Collection,
    CollectionId,
    HistoryFilter,
    ImportReport,
    ModelSet,
    ModelSetId,
    Prompt,
    PromptId,
    ResponseData,
    ResponseId,
    Run,
    RunId,
    RunSummary,
    SearchHit,
    SearchKind,
    TrashId,
    TurnId,
    VoteFilter,
)
from studio.store.store_writer import StoreWriter

if TYPE_CHECKING:
    from studio.core.arena import Vote
    from studio.core.checks import Check
    from studio.core.runner import ModelRun
    from studio.store.batch_store import BatchStore
    from studio.store.io_doc import Document

# Import and export (io_json, io_doc, io_files), votes (with the arena's core) and prompts'
# checks and variable rows (with the checks) load on first use: saving a run, which is all
# a `prompt-studio run` does with the store, needs none of them.


class Store:
    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self._tx = db.Transactions(conn)
        self.path = path
        self._backup: Path | None = None
        self._writer: StoreWriter | None = None

    @classmethod
    def open(cls, where: StudioPaths | Path | None = None) -> Store:
        """Open the database of `where` (default: the data dir from PROMPT_STUDIO_HOME or
        the platform). Raises NewerSchemaError / CorruptDatabaseError / StoreError."""
        if where is None:
            where = studio_paths()
        path = where.database if isinstance(where, StudioPaths) else Path(where)
        return cls(db.connect(path), path)

    def writer(self) -> StoreWriter:
        """The thread that runs this store's background writes (started on first use)."""
        if self._writer is None:
            self._writer = StoreWriter(self.path)
        return self._writer

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        with contextlib.suppress(sqlite3.Error):
            self._conn.execute("PRAGMA optimize")
        self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def connection(self) -> sqlite3.Connection:
        """The raw connection, for benchmarks and diagnostics; writes belong in methods."""
        return self._conn

    @property
    def schema_version(self) -> int:
        return db.schema_version(self._conn)

    # Errors from SQLite become StoreErrors with a message a user can act on.
    @contextlib.contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.DatabaseError as exc:
            if db.is_corruption(exc):
                if self._backup is None:
                    self._backup = db.backup_damaged(self.path)
                raise CorruptDatabaseError(self.path, self._backup, str(exc)) from exc
            if isinstance(exc, sqlite3.OperationalError) and (
                    "locked" in str(exc) or "busy" in str(exc)):
                raise StoreError("the database is busy (another Prompt Studio is writing); "
                                 "try again") from exc
            raise StoreError(f"database error: {exc}") from exc

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        if self._writer is not None:
            self._writer.flush()
        with self._guard(), self._tx() as conn:
            yield conn

    @contextlib.contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        if self._writer is not None:
            self._writer.flush()
        with self._guard():
            yield self._conn

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Store]:
        """Group several calls into one transaction (all or nothing)."""
        with self._write():
            yield self

    def check_integrity(self) -> list[str]:
        """Problems found by SQLite's full check ([] when the file is sound); slow on big files."""
        with self._read() as conn:
            rows = [r[0] for r in conn.execute("PRAGMA integrity_check")]
            for table in ("prompts_fts", "prompt_titles_fts", "responses_fts", "turns_fts"):
                try:
                    conn.execute(f"INSERT INTO {table}({table}, rank)"
                                 " VALUES ('integrity-check', 1)")
                except sqlite3.DatabaseError as exc:
                    rows.append(f"{table}: {exc}")
        return [] if rows == ["ok"] else [r for r in rows if r != "ok"]

    # ------------------------------------------------------------------ collections

    def add_collection(self, name: str, parent_id: CollectionId | None = None) -> Collection:
        with self._write() as conn:
            return collections.get(conn, collections.add(conn, name, parent_id))

    def ensure_collection(self, name: str) -> Collection:
        """The top-level collection called `name`, created if there is none."""
        with self._write() as conn:
            found = collections.find_child(conn, name, None)
            if found is None:
                found = collections.add(conn, name)
            return collections.get(conn, found)

    def collections(self) -> list[Collection]:
        """Every collection, parents before children (depth-first)."""
        with self._read() as conn:
            return collections.list_tree(conn)

    def collection(self, collection_id: CollectionId) -> Collection:
        with self._read() as conn:
            return collections.get(conn, collection_id)

    def find_collection(self, name: str) -> Collection:
        with self._read() as conn:
            return collections.find(conn, name)

    def collection_path(self, collection_id: CollectionId) -> str:
        with self._read() as conn:
            return collections.path_of(conn, collection_id)

    def rename_collection(self, collection_id: CollectionId, name: str) -> None:
        with self._write() as conn:
            collections.rename(conn, collection_id, name)

    def move_collection(self, collection_id: CollectionId, parent_id: CollectionId | None,
                        position: int | None = None) -> None:
        with self._write() as conn:
            collections.move(conn, collection_id, parent_id, position)

    def delete_collection(self, collection_id: CollectionId) -> TrashId:
        """Hide it with its contents; `restore(token)` undoes, `purge_trash` makes it final."""
        with self._write() as conn:
            label = f"collection {collections.path_of(conn, collection_id)}"
            token = trash.create(conn, label)
            collections.trash(conn, collection_id, token)
            return token

    def restore(self, token: TrashId) -> None:
        with self._write() as conn:
            trash.restore(conn, token)

    def purge_trash(self, older_than: float | None = None) -> int:
        with self._write() as conn:
            purged = trash.purge(conn, older_than)
            stored_files.collect_garbage(conn)
            return purged

    # ------------------------------------------------------------------ prompts

    def add_prompt(self, collection_id: CollectionId, title: str, body: str, *,
                   system: str | None = None, variables: Mapping[str, str] | None = None,
                   notes: str = "", tags: Iterable[str] = (),
                   model_set_id: ModelSetId | None = None,
                   attachments: Sequence[Attachment] = ()) -> Prompt:
        with self._write() as conn:
            prompt_id = prompts.add(
                conn, collection_id, title, body, system=system, variables=variables,
                notes=notes, tags=tags, model_set_id=model_set_id)
            if attachments:
                stored_files.link_prompt(conn, prompt_id, attachments)
            return prompts.get(conn, prompt_id)

    def prompt(self, prompt_id: PromptId) -> Prompt:
        with self._read() as conn:
            return prompts.get(conn, prompt_id)

    def prompts(self, collection_id: CollectionId | None = None, *, recursive: bool = False,
                tag: str | None = None, limit: int | None = None,
                offset: int = 0) -> list[Prompt]:
        with self._read() as conn:
            ids = None
            if collection_id is not None:
                ids = (collections.subtree_ids(conn, collection_id) if recursive
                       else [collections.get(conn, collection_id).id])
            return prompts.list_prompts(conn, ids, tag=tag, limit=limit, offset=offset)

    def find_prompts(self, collection_id: CollectionId, title: str) -> list[Prompt]:
        with self._read() as conn:
            return prompts.find_by_title(conn, collection_id, title)

    def update_prompt(self, prompt_id: PromptId, *, title: str | None = None,
                      body: str | None = None, system: str | None = None,
                      variables: Mapping[str, str] | None = None, notes: str | None = None,
                      tags: Iterable[str] | None = None,
                      model_set_id: ModelSetId | None = None,
                      clear_model_set: bool = False,
                      attachments: Sequence[Attachment] | None = None) -> Prompt:
        """Change the given fields; None keeps a field, system="" removes the system prompt."""
        with self._write() as conn:
            prompts.update(conn, prompt_id, title=title, body=body, system=system,
                           variables=variables, notes=notes, tags=tags,
                           model_set_id=model_set_id, clear_model_set=clear_model_set)
            if attachments is not None:
                stored_files.link_prompt(conn, prompt_id, attachments)
                stored_files.collect_garbage(conn)
            return prompts.get(conn, prompt_id)

    def move_prompt(self, prompt_id: PromptId, collection_id: CollectionId,
                    position: int | None = None) -> None:
        with self._write() as conn:
            prompts.move(conn, prompt_id, collection_id, position)

    def delete_prompt(self, prompt_id: PromptId) -> TrashId:
        with self._write() as conn:
            token = trash.create(conn, f"prompt {prompts.get(conn, prompt_id).title}")
            prompts.trash(conn, prompt_id, token)
            return token

    def tags(self) -> list[tuple[str, int]]:
        with self._read() as conn:
            return prompts.all_tags(conn)

    def variable_rows(self, prompt_id: PromptId) -> tuple[dict[str, str], ...]:
        """Sets of values for the prompt's {{variables}}; a batch runs each as its own row."""
        from studio.store import prompt_extras

        with self._read() as conn:
            return prompt_extras.variable_rows(conn, prompt_id)

    def set_variable_rows(self, prompt_id: PromptId,
                          rows: Sequence[Mapping[str, str]]) -> None:
        from studio.store import prompt_extras

        with self._write() as conn:
            prompt_extras.set_variable_rows(conn, prompt_id, rows)

    def checks(self, prompt_id: PromptId) -> tuple[Check, ...]:
        from studio.store import prompt_extras

        with self._read() as conn:
            return prompt_extras.checks(conn, prompt_id)

    def set_checks(self, prompt_id: PromptId, checks: Iterable[Check]) -> None:
        from studio.store import prompt_extras

        with self._write() as conn:
            prompt_extras.set_checks(conn, prompt_id, checks)

    def batch_store(self) -> BatchStore:
        """Batches: create, load, list, resume (studio.store.batch_store)."""
        from studio.store.batch_store import BatchStore

        return BatchStore(self)

    # ------------------------------------------------------------------ model sets

    def save_model_set(self, name: str, entries: Sequence[ModelSetEntry]) -> ModelSet:
        with self._write() as conn:
            set_id, _ = model_sets.save(conn, name, entries)
            return model_sets.get(conn, set_id)

    def model_sets(self) -> list[ModelSet]:
        with self._read() as conn:
            return model_sets.list_all(conn)

    def model_set(self, model_set_id: ModelSetId) -> ModelSet:
        with self._read() as conn:
            return model_sets.get(conn, model_set_id)

    def find_model_set(self, name: str) -> ModelSet | None:
        with self._read() as conn:
            return model_sets.find(conn, name)

    def delete_model_set(self, name: str) -> bool:
        with self._write() as conn:
            return model_sets.delete(conn, name)

    def model_set_store(self) -> StoreModelSets:
        """The same sets behind studio.core.model_sets.ModelSetStore."""
        return StoreModelSets(self)

    # ------------------------------------------------------------------ runs (writing)

    def start_run(self, *, body: str, models: Sequence[ModelSetEntry], title: str = "",
                  system: str | None = None, variables: Mapping[str, str] | None = None,
                  collection_id: CollectionId | None = None,
                  prompt_id: PromptId | None = None, model_set_name: str | None = None,
                  first_turn: str | None = None,
                  attachments: Sequence[Attachment] = ()) -> RunId:
        """Record a new comparison; `body` is the prompt as written (with {{variables}}).
        With `first_turn` (the prompt as sent, with its `attachments`) the first turn is
        added in the same commit."""
        with self._write() as conn:
            run_id = runs.start(conn, body=body, models=models, title=title, system=system,
                                variables=variables, collection_id=collection_id,
                                prompt_id=prompt_id, model_set_name=model_set_name)
            if first_turn is not None:
                runs.add_turn(conn, run_id, first_turn, attachments=attachments)
            return run_id

    def add_model(self, run_id: RunId, entry: ModelSetEntry) -> int:
        """A model joins the thread: returns its slot (pane index)."""
        with self._write() as conn:
            return runs.add_model(conn, run_id, entry)

    def add_turn(self, run_id: RunId, prompt: str, *,
                 parent: TurnId | Literal["head"] | None = "head",
                 slots: Sequence[int] | None = None,
                 attachments: Sequence[Attachment] = (),
                 own_attachments: Mapping[int, Sequence[Attachment]] | None = None
                 ) -> TurnId:
        """A user prompt (with the files sent with it, and `own_attachments`: slot → files
        for that model only): "head" follows the current branch; an earlier turn's id (or
        None for the first level) branches. Waiting answers are created for `slots`
        (default all)."""
        with self._write() as conn:
            return runs.add_turn(conn, run_id, prompt, parent=parent, slots=slots,
                                 attachments=attachments, own_attachments=own_attachments)

    def set_head(self, run_id: RunId, turn_id: TurnId) -> None:
        with self._write() as conn:
            runs.set_head(conn, run_id, turn_id)

    def save_response(self, turn_id: TurnId, slot: int, data: ResponseData, *,
                      attempt: int | None = None) -> ResponseId:
        """Insert or update a model's answer to a turn (default: its latest attempt)."""
        with self._write() as conn:
            return runs.save_response(conn, turn_id, slot, data, attempt=attempt)

    def save_model_run(self, turn_id: TurnId, run: ModelRun) -> ResponseId:
        """Save the engine's ModelRun (slot = run.index) as it is now."""
        return self.save_response(turn_id, run.index, ResponseData.from_model_run(run))

    def save_progress(self, turn_id: TurnId, slot: int, text: str, reasoning: str = "") -> None:
        with self._write() as conn:
            runs.save_progress(conn, turn_id, slot, text, reasoning)

    def new_attempt(self, turn_id: TurnId, slot: int,
                    entry: ModelSetEntry | None = None) -> tuple[ResponseId, int]:
        """Regenerate: a new waiting answer for (turn, slot); earlier ones are kept."""
        with self._write() as conn:
            return runs.new_attempt(conn, turn_id, slot, entry)

    def rate(self, response_id: ResponseId, rating: int | None, note: str = "") -> None:
        with self._write() as conn:
            runs.rate(conn, response_id, rating, note)

    def add_page_revision(self, response_id: ResponseId, html: str, note: str = "") -> int:
        with self._write() as conn:
            return runs.add_page_revision(conn, response_id, html, note)

    def set_screenshot(self, response_id: ResponseId, png: bytes, revision: int = 0) -> None:
        with self._write() as conn:
            runs.set_screenshot(conn, response_id, png, revision)

    def delete_run(self, run_id: RunId) -> None:
        with self._write() as conn:
            runs.delete_run(conn, run_id)

    # ------------------------------------------------------------------ runs (reading)

    def run(self, run_id: RunId) -> Run:
        """The whole thread: models, every turn and branch, answers, page revisions."""
        with self._read() as conn:
            return history.load_run(conn, run_id)

    def ratings(self, run_id: RunId) -> dict[ResponseId, tuple[int | None, str]]:
        """Each answer's rating and note in a run (cheap: no answer text is read)."""
        with self._read() as conn:
            return runs.ratings(conn, run_id)

    def attachments(self, refs: Iterable[AttachmentRef]) -> tuple[Attachment, ...]:
        """The stored files (bytes included) of a turn's or prompt's attachment list."""
        with self._read() as conn:
            return stored_files.load(conn, refs)

    def blob(self, sha256: str) -> bytes | None:
        with self._read() as conn:
            return stored_files.blob(conn, sha256)

    def resolve_run(self, ref: str | int) -> RunId:
        with self._read() as conn:
            return history.resolve_run(conn, ref)

    def screenshot(self, response_id: ResponseId, revision: int = 0) -> bytes | None:
        with self._read() as conn:
            return history.screenshot(conn, response_id, revision)

    def thumbnail(self, response_id: ResponseId) -> bytes | None:
        """A small PNG of the answer's page screenshot, when a batch kept one (None: read
        the screenshot itself)."""
        with self._read() as conn:
            return history.thumbnail(conn, response_id)

    def set_thumbnail(self, response_id: ResponseId, png: bytes) -> None:
        with self._write() as conn:
            runs.set_thumbnail(conn, response_id, png)

    def history(self, filters: HistoryFilter | None = None, *, limit: int = 50,
                offset: int = 0) -> list[RunSummary]:
        with self._read() as conn:
            return history.list_runs(conn, filters, limit=limit, offset=offset)

    def run_json(self, run_id: RunId, *, screenshots: bool = False) -> dict[str, Any]:
        """A run in the collection-file shape (what `history show --json` prints)."""
        from studio.store.io_runs import run_json

        with self._read() as conn:
            run = history.load_run(conn, run_id)
            row = conn.execute(
                "SELECT c.uuid, p.uuid FROM runs r LEFT JOIN collections c ON c.id ="
                " r.collection_id LEFT JOIN prompts p ON p.id = r.prompt_id WHERE r.id = ?",
                (run_id,)).fetchone()
            return run_json(conn, run, collection_uuid=row[0], prompt_uuid=row[1],
                            screenshots=screenshots)

    # ------------------------------------------------------------------ arena votes

    def add_vote(self, vote: Vote) -> int:
        """Store one blind judgement (see studio.core.arena); returns its row id."""
        from studio.store import votes

        with self._write() as conn:
            return votes.add(conn, vote)

    def votes(self, filters: VoteFilter | None = None) -> list[Vote]:
        """Matching votes, oldest first; fit them with studio.core.arena_board.leaderboard."""
        from studio.store import votes

        with self._read() as conn:
            return votes.list_votes(conn, filters)

    def reusable_answer(self, prompt_id: PromptId, model: str,
                        settings: Mapping[str, Any]) -> tuple[RunId, TurnId, int] | None:
        """(run, turn, slot) of a saved finished answer of this model and settings to the
        prompt as it reads now, or None: what the battle queue reuses instead of asking."""
        from studio.store import votes

        with self._read() as conn:
            found = votes.reusable_answer(conn, prompt_id, model, settings)
        return None if found is None else (RunId(found[0]), TurnId(found[1]), found[2])

    def delete_vote(self, vote_id: int) -> None:
        from studio.store import votes

        with self._write() as conn:
            votes.delete(conn, vote_id)

    def import_battles(self, path: Path) -> tuple[int, int]:
        """Battles in LMArena's format (studio.store.battle_file): (added, already stored).
        The whole file is checked first and written in one transaction."""
        from studio.store import votes
        from studio.store.battle_file import derived_from, read_battles

        parsed = read_battles(path)
        added = skipped = 0
        with self._write() as conn:
            stored = votes.stored_refs(conn)
            for item in parsed:
                ref = item.vote.external_id
                if ref is not None and (ref in stored or derived_from(ref) in stored):
                    skipped += 1
                    continue
                votes.add(conn, item.vote)
                added += 1
        return added, skipped

    # ------------------------------------------------------------------ search, import/export

    def search(self, query: str, *, limit: int = 20,
               kinds: Iterable[SearchKind] = SEARCH_KINDS) -> list[SearchHit]:
        with self._read() as conn:
            return search.search(conn, query, limit=limit, kinds=kinds)

    def export(self, collection_ids: Sequence[CollectionId] | None = None, *,
               with_runs: bool = False) -> dict[str, Any]:
        """A collection-file document (format in the README); None exports everything."""
        from studio.store import io_json

        with self._read() as conn:
            return io_json.export_document(conn, collection_ids, with_runs=with_runs)

    def import_document(self, document: Document,
                        into: CollectionId | None = None) -> ImportReport:
        from studio.store import io_json

        with self._write() as conn:
            return io_json.apply_document(conn, document, into)

    def import_data(self, value: object, *, collection: str | None = None,
                    base_dir: Path | None = None) -> ImportReport:
        """Import decoded JSON/YAML: checked completely first, then written in one commit."""
        from studio.store.io_files import to_document

        return self.import_document(to_document(value, collection=collection,
                                                base_dir=base_dir))

    def import_file(self, path: Path, *, collection: str | None = None) -> ImportReport:
        from studio.store.io_files import load_document

        return self.import_document(load_document(path, collection=collection))


class StoreModelSets:
    """studio.core.model_sets.ModelSetStore backed by the database."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def names(self) -> list[str]:
        return [s.name for s in self._store.model_sets()]

    def get(self, name: str) -> tuple[ModelSetEntry, ...] | None:
        found = self._store.find_model_set(name)
        return found.items if found is not None else None

    def save(self, name: str, entries: tuple[ModelSetEntry, ...]) -> None:
        self._store.save_model_set(name, entries)

    def delete(self, name: str) -> None:
        self._store.delete_model_set(name)

    def last(self) -> tuple[ModelSetEntry, ...]:
        with self._store._read() as conn:
            return model_sets.last(conn)

    def set_last(self, entries: tuple[ModelSetEntry, ...]) -> None:
        with self._store._write() as conn:
            model_sets.set_last(conn, entries)
