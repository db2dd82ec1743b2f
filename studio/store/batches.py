"""Batches in SQLite: creating one with its history runs, its cells as they change, loading.

Callers hold the transaction. Each grid row is one run in history whose first turn has one
answer per column, so a cell's answer is an ordinary response (with its page revision and
screenshot) and the batch tables hold only what is the batch's own: states, attempts,
check results and which process runs it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from studio.core.batch import Batch, BatchRow, BatchState, Cell, CellState
from studio.core.cell_result import CellResult
from studio.core.checks import Check, CheckResult, JudgeSpend, checks_from_json
from studio.core.events import ErrorKind, Failed
from studio.core.model_sets import ModelSetEntry
from studio.core.runner import ModelState
from studio.store import attachments, model_sets, runs
from studio.store.common import dumps, loads_object, new_uuid, now
from studio.store.errors import ConflictError, NotFoundError
from studio.store.models import ResponseData, ResponseId, RunId, TurnId

LIVE = ("running", "paused")


@dataclass(frozen=True, slots=True)
class BatchSummary:
    id: int
    uuid: str
    title: str
    state: BatchState
    created_at: float
    updated_at: float
    rows: int
    columns: int
    counts: dict[CellState, int]  # current attempts by state
    collection_id: int | None


@dataclass(frozen=True, slots=True)
class CellAttempt:
    """One attempt of a cell, for showing earlier attempts."""

    attempt: int
    state: CellState
    response_id: int | None
    checks: tuple[CheckResult, ...]
    started_at: float | None
    finished_at: float | None


def _checks_json(results: tuple[CheckResult, ...]) -> str:
    return dumps([r.to_json() for r in results])


def _checks(text: str, asked: tuple[Check, ...] = ()) -> tuple[CheckResult, ...]:
    """A cell's check results; `asked` are its row's checks, one per result."""
    value = json.loads(text)
    results = tuple(CheckResult.from_json(item) for item in value if isinstance(item, dict))
    if len(results) != len(asked):
        return results
    # Saved before the judges' costs were kept: a judge that gave a verdict was asked, and
    # what it cost is not known (never taken as free).
    return tuple(replace(r, spend=JudgeSpend(None))
                 if c.kind == "judge" and r.spend is None and r.passed is not None else r
                 for r, c in zip(results, asked, strict=True))


def _new_row_run(conn: sqlite3.Connection, row: BatchRow, models: tuple[ModelSetEntry, ...],
                 collection_id: int | None, slots: tuple[int, ...] | None) -> tuple[RunId, TurnId]:
    run_id = runs.start(conn, body=row.template, models=models, title=row.label,
                        system=row.system, variables=row.variables,
                        collection_id=collection_id,  # type: ignore[arg-type]
                        prompt_id=row.prompt_id)  # type: ignore[arg-type]
    turn_id = runs.add_turn(conn, run_id, row.prompt, slots=slots,
                            attachments=row.attachments)
    return run_id, turn_id


def create(conn: sqlite3.Connection, batch: Batch, owner: str) -> Batch:
    """Write a new batch: its rows, one history run per row, a waiting cell per answer."""
    stamp = now()
    cur = conn.execute(
        "INSERT INTO batches (uuid, collection_id, state, concurrency, per_provider, owner,"
        " created_at, updated_at, title, judge, models)"
        " VALUES (?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?)",
        (new_uuid(), batch.collection_id, batch.concurrency, batch.per_provider, owner,
         stamp, stamp, batch.title, batch.judge,
         dumps(model_sets.entries_to_json(batch.columns))))
    batch_id = int(cur.lastrowid or 0)
    rows: list[BatchRow] = []
    cells: list[Cell] = []
    for position, row in enumerate(batch.rows):
        run_id, turn_id = _new_row_run(conn, row, batch.columns, batch.collection_id, None)
        conn.execute(
            "INSERT INTO batch_rows (batch_id, position, run_id, turn_id, prompt_id,"
            " variable_row, title, variables, checks, system, template, prompt)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (batch_id, position, run_id, turn_id, row.prompt_id, row.variable_row, row.title,
             dumps(dict(row.variables)), dumps([c.to_json() for c in row.checks]), row.system,
             row.template, row.prompt))
        responses = dict(conn.execute("SELECT slot, id FROM responses WHERE turn_id = ?",
                                      (turn_id,)).fetchall())
        conn.executemany(
            "INSERT INTO batch_cells (batch_id, position, slot, attempt, state, response_id,"
            " updated_at) VALUES (?, ?, ?, 0, 'waiting', ?, ?)",
            [(batch_id, position, slot, responses[slot], stamp)
             for slot in range(len(batch.columns))])
        rows.append(replace(row, run_id=run_id, turn_id=turn_id))
        cells += [Cell(position, slot, response_id=responses[slot])
                  for slot in range(len(batch.columns))]
    return Batch(tuple(rows), batch.columns, cells, id=batch_id, title=batch.title,
                 state=BatchState.RUNNING, concurrency=batch.concurrency,
                 per_provider=batch.per_provider, judge=batch.judge,
                 collection_id=batch.collection_id, created_at=stamp)


_CELL_SQL = """
SELECT c.position, c.slot, c.attempt, c.state, c.response_id, c.checks, c.started_at,
    c.finished_at, r.model, r.state, r.input_tokens, r.output_tokens, r.ttft_s, r.total_s,
    r.tokens_per_s, r.cost_usd, r.error_kind, r.error_status, r.error_message, r.stop_reason,
    r.rating, EXISTS (SELECT 1 FROM screenshots s WHERE s.response_id = r.id),
    (SELECT p.html FROM page_revisions p WHERE p.response_id = r.id AND p.revision = 0),
    r.reasoning, r.text, r.cached_input_tokens, r.cache_write_tokens
FROM batch_cells c LEFT JOIN responses r ON r.id = c.response_id
WHERE c.batch_id = ? AND c.attempt = (
    SELECT max(d.attempt) FROM batch_cells d
    WHERE d.batch_id = c.batch_id AND d.position = c.position AND d.slot = c.slot)
ORDER BY c.position, c.slot
"""

_MODEL_STATES = {s.value: s for s in ModelState}


def _result(row: tuple[Any, ...]) -> CellResult | None:
    if row[8] is None or row[9] not in ("done", "failed", "cancelled"):
        return None
    error = None
    if row[16]:
        try:
            kind = ErrorKind(row[16])
        except ValueError:
            kind = ErrorKind.PROTOCOL
        error = Failed(kind, row[17], row[18] or "")
    return CellResult(model=row[8], state=_MODEL_STATES[row[9]], text=row[24],
                      reasoning=row[23], html=row[22], input_tokens=row[10],
                      output_tokens=row[11], ttft_s=row[12], total_s=row[13],
                      tokens_per_s=row[14], cost_usd=row[15], error=error,
                      stop_reason=row[19], cached_input_tokens=row[25],
                      cache_write_tokens=row[26])


def load(conn: sqlite3.Connection, batch_id: int) -> Batch:
    head = conn.execute(
        "SELECT id, title, state, concurrency, per_provider, judge, collection_id, created_at,"
        " models FROM batches WHERE id = ?", (batch_id,)).fetchone()
    if head is None:
        raise NotFoundError(f"no batch with id {batch_id}")
    columns = model_sets.entries_from_json(head[8])
    found = conn.execute(
        "SELECT title, template, prompt, system, variables, checks, prompt_id,"
        " variable_row, run_id, turn_id FROM batch_rows WHERE batch_id = ?"
        " ORDER BY position", (batch_id,)).fetchall()
    # A row's files are its history turn's (a row whose run was deleted has none left).
    files = attachments.shared_files(conn, (r[9] for r in found if r[9] is not None))
    rows = tuple(
        BatchRow(title=r[0], template=r[1], prompt=r[2], system=r[3],
                 variables={k: str(v) for k, v in loads_object(r[4]).items()},
                 checks=checks_from_json(json.loads(r[5])), prompt_id=r[6],
                 variable_row=r[7], run_id=r[8], turn_id=r[9],
                 attachments=files.get(r[9], ()))
        for r in found)
    cells = []
    for row in conn.execute(_CELL_SQL, (batch_id,)):
        asked = rows[row[0]].checks if 0 <= row[0] < len(rows) else ()
        cells.append(Cell(
            row=row[0], col=row[1], attempt=row[2], state=CellState(row[3]),
            response_id=row[4], result=_result(row), checks=_checks(row[5], asked),
            started_at=row[6], finished_at=row[7], has_screenshot=bool(row[21]),
            rating=row[20]))
    return Batch(rows, columns, cells, id=head[0], title=head[1], state=BatchState(head[2]),
                 concurrency=head[3], per_provider=head[4], judge=head[5],
                 collection_id=head[6], created_at=head[7])


def summaries(conn: sqlite3.Connection, limit: int = 50, offset: int = 0) -> list[BatchSummary]:
    found = []
    for r in conn.execute(
            "SELECT id, uuid, title, state, created_at, updated_at, models, collection_id,"
            " (SELECT count(*) FROM batch_rows WHERE batch_id = b.id)"
            " FROM batches b ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?",
            (limit, offset)).fetchall():
        counts = dict.fromkeys(CellState, 0)
        for state, count in conn.execute(
                "SELECT c.state, count(*) FROM batch_cells c WHERE c.batch_id = ? AND"
                " c.attempt = (SELECT max(d.attempt) FROM batch_cells d WHERE"
                " d.batch_id = c.batch_id AND d.position = c.position AND d.slot = c.slot)"
                " GROUP BY c.state", (r[0],)):
            counts[CellState(state)] = count
        found.append(BatchSummary(r[0], r[1], r[2], BatchState(r[3]), r[4], r[5], r[8],
                                  len(json.loads(r[6])), counts, r[7]))
    return found


def mark_interrupted(conn: sqlite3.Connection, alive: Callable[[str | None], bool]) -> list[int]:
    """Running or paused batches whose process has ended become interrupted."""
    ended = [bid for bid, owner in conn.execute(
        f"SELECT id, owner FROM batches WHERE state IN {LIVE}").fetchall() if not alive(owner)]
    stamp = now()
    conn.executemany("UPDATE batches SET state = 'interrupted', owner = NULL, updated_at = ?"
                     " WHERE id = ?", [(stamp, bid) for bid in ended])
    return ended


def claim(conn: sqlite3.Connection, batch_id: int, owner: str,
          alive: Callable[[str | None], bool]) -> None:
    """Make this process the batch's runner; refused while another live process runs it."""
    row = conn.execute("SELECT state, owner FROM batches WHERE id = ?", (batch_id,)).fetchone()
    if row is None:
        raise NotFoundError(f"no batch with id {batch_id}")
    state, current = row
    if state in LIVE and current not in (None, owner) and alive(current):
        pid = str(current).rsplit(":", 2)[-2] if str(current).count(":") >= 2 else "?"
        raise ConflictError(f"batch {batch_id} is being run by another process (pid {pid})")
    conn.execute("UPDATE batches SET owner = ?, state = 'running', finished_at = NULL,"
                 " updated_at = ? WHERE id = ?", (owner, now(), batch_id))


def set_state(conn: sqlite3.Connection, batch: Batch) -> None:
    """The batch's state and limits as they are now; a finished batch has no owner."""
    stamp = now()
    state = batch.state
    finished = stamp if state in (BatchState.DONE, BatchState.CANCELLED) else None
    owner_sql = ", owner = NULL" if state not in (BatchState.RUNNING, BatchState.PAUSED) else ""
    cur = conn.execute(
        f"UPDATE batches SET state = ?, finished_at = ?, updated_at = ?{owner_sql},"
        " concurrency = ?, per_provider = ? WHERE id = ?",
        (state.value, finished, stamp, batch.concurrency, batch.per_provider, batch.id))
    batch_id = batch.id
    if cur.rowcount == 0:
        raise NotFoundError(f"no batch with id {batch_id}")


def save_cell(conn: sqlite3.Connection, batch_id: int, cell: Cell) -> None:
    cur = conn.execute(
        "UPDATE batch_cells SET state = ?, response_id = ?, error_kind = ?, started_at = ?,"
        " finished_at = ?, checks = ?, updated_at = ?"
        " WHERE batch_id = ? AND position = ? AND slot = ? AND attempt = ?",
        (cell.state.value, cell.response_id, cell.error_kind, cell.started_at,
         cell.finished_at, _checks_json(cell.checks), now(), batch_id, cell.row, cell.col,
         cell.attempt))
    if cur.rowcount == 0:
        raise NotFoundError(f"batch {batch_id} has no cell ({cell.row}, {cell.col}) "
                            f"attempt {cell.attempt}")


def _row_turn(conn: sqlite3.Connection, batch_id: int, position: int) -> TurnId:
    """The row's turn in history, made anew if the user deleted the row's run."""
    found = conn.execute(
        "SELECT r.turn_id, t.id FROM batch_rows r LEFT JOIN turns t ON t.id = r.turn_id"
        " WHERE r.batch_id = ? AND r.position = ?", (batch_id, position)).fetchone()
    if found is None:
        raise NotFoundError(f"batch {batch_id} has no row {position}")
    if found[1] is not None:
        return TurnId(found[1])
    batch = load(conn, batch_id)
    run_id, turn_id = _new_row_run(conn, batch.rows[position], batch.columns,
                                   batch.collection_id, ())
    conn.execute("UPDATE batch_rows SET run_id = ?, turn_id = ? WHERE batch_id = ? AND"
                 " position = ?", (run_id, turn_id, batch_id, position))
    return turn_id


def _response(conn: sqlite3.Connection, batch_id: int, cell: Cell) -> tuple[TurnId, int]:
    """(turn, response attempt) of the cell's answer; a new answer when it was deleted."""
    if cell.response_id is not None:
        row = conn.execute("SELECT turn_id, attempt FROM responses WHERE id = ?",
                           (cell.response_id,)).fetchone()
        if row is not None:
            return TurnId(row[0]), int(row[1])
    turn_id = _row_turn(conn, batch_id, cell.row)
    response_id, attempt = runs.new_attempt(conn, turn_id, cell.col)
    cell.response_id = response_id
    return turn_id, attempt


def save_answer(conn: sqlite3.Connection, batch_id: int, cell: Cell,
                data: ResponseData) -> None:
    """The cell's answer into its history response, and the cell's new state."""
    turn_id, attempt = _response(conn, batch_id, cell)
    runs.save_response(conn, turn_id, cell.col, data, attempt=attempt)
    save_cell(conn, batch_id, cell)


def new_attempt(conn: sqlite3.Connection, batch_id: int, cell: Cell) -> None:
    """A new waiting attempt of a cell (and of its answer in history); the old ones stay."""
    turn_id = _row_turn(conn, batch_id, cell.row)
    response_id, _ = runs.new_attempt(conn, turn_id, cell.col)
    attempt = conn.execute(
        "SELECT ifnull(max(attempt) + 1, 0) FROM batch_cells WHERE batch_id = ? AND"
        " position = ? AND slot = ?", (batch_id, cell.row, cell.col)).fetchone()[0]
    conn.execute(
        "INSERT INTO batch_cells (batch_id, position, slot, attempt, state, response_id,"
        " updated_at) VALUES (?, ?, ?, ?, 'waiting', ?, ?)",
        (batch_id, cell.row, cell.col, attempt, response_id, now()))
    conn.execute("UPDATE batches SET updated_at = ? WHERE id = ?", (now(), batch_id))
    cell.attempt = int(attempt)
    cell.response_id = response_id


def set_screenshot(conn: sqlite3.Connection, cell: Cell, png: bytes,
                   thumbnail: bytes | None = None) -> None:
    if cell.response_id is not None:
        runs.set_screenshot(conn, ResponseId(cell.response_id), png)
        if thumbnail is not None:
            runs.set_thumbnail(conn, ResponseId(cell.response_id), thumbnail)


def attempts(conn: sqlite3.Connection, batch_id: int, position: int,
             slot: int) -> list[CellAttempt]:
    found = conn.execute("SELECT checks FROM batch_rows WHERE batch_id = ? AND position = ?",
                         (batch_id, position)).fetchone()
    asked = checks_from_json(json.loads(found[0])) if found is not None else ()
    return [CellAttempt(r[0], CellState(r[1]), r[2], _checks(r[3], asked), r[4], r[5])
            for r in conn.execute(
                "SELECT attempt, state, response_id, checks, started_at, finished_at"
                " FROM batch_cells WHERE batch_id = ? AND position = ? AND slot = ?"
                " ORDER BY attempt", (batch_id, position, slot))]


def ratings(conn: sqlite3.Connection, batch_id: int) -> dict[tuple[int, int], int | None]:
    """(row, column) → the rating of each cell's current answer."""
    return {(int(r[0]), int(r[1])): r[2] for r in conn.execute(
        "SELECT c.position, c.slot, r.rating FROM batch_cells c"
        " LEFT JOIN responses r ON r.id = c.response_id WHERE c.batch_id = ? AND c.attempt = ("
        "SELECT max(d.attempt) FROM batch_cells d WHERE d.batch_id = c.batch_id"
        " AND d.position = c.position AND d.slot = c.slot)", (batch_id,))}


def batch_of_run(conn: sqlite3.Connection, run_id: int) -> tuple[int, int] | None:
    """(batch id, row) of a run made by a batch, or None."""
    row = conn.execute("SELECT batch_id, position FROM batch_rows WHERE run_id = ?"
                       " ORDER BY batch_id DESC LIMIT 1", (run_id,)).fetchone()
    return (int(row[0]), int(row[1])) if row is not None else None


def delete(conn: sqlite3.Connection, batch_id: int) -> None:
    """Forget the batch; its runs stay in history."""
    if conn.execute("DELETE FROM batches WHERE id = ?", (batch_id,)).rowcount == 0:
        raise NotFoundError(f"no batch with id {batch_id}")
