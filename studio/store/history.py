"""Reading runs back: a whole thread for reopening, and the filtered history list."""

from __future__ import annotations

import sqlite3
from typing import Any

from studio.core.catalog import CatalogError, parse_model_ref
from studio.core.model_sets import ModelSetEntry
from studio.core.request import GenerationSettings
from studio.store import attachments, collections
from studio.store.common import loads_object
from studio.store.errors import NotFoundError, StoreError
from studio.store.models import (
    CollectionId,
    ErrorInfo,
    HistoryFilter,
    PageRevision,
    PromptId,
    Response,
    ResponseId,
    Run,
    RunId,
    RunSummary,
    Turn,
    TurnId,
)

_RESPONSE_COLUMNS = """id, run_id, turn_id, slot, attempt, model, settings, text, reasoning,
    state, stop_reason, error_kind, error_status, error_message, input_tokens, output_tokens,
    ttft_s, total_s, tokens_per_s, cost_usd, rating, rating_note, created_at, updated_at,
    cached_input_tokens, cache_write_tokens"""


def entry(model: str, settings_json: str) -> ModelSetEntry:
    try:
        ref = parse_model_ref(model)
    except CatalogError as exc:
        raise StoreError(f"a stored model reference is unreadable: {exc}") from exc
    return ModelSetEntry(ref, GenerationSettings.from_dict(loads_object(settings_json)))


def _response(row: tuple, pages: tuple[PageRevision, ...],
              shots: tuple[int, ...]) -> Response:
    error = ErrorInfo(row[11], row[12], row[13] or "") if row[11] else None
    return Response(
        id=ResponseId(row[0]), run_id=RunId(row[1]), turn_id=TurnId(row[2]), slot=row[3],
        attempt=row[4], model=row[5], settings=loads_object(row[6]), text=row[7],
        reasoning=row[8], state=row[9], stop_reason=row[10], error=error,
        input_tokens=row[14], output_tokens=row[15], ttft_s=row[16], total_s=row[17],
        tokens_per_s=row[18], cost_usd=row[19], rating=row[20], rating_note=row[21],
        pages=pages, screenshot_revisions=shots, created_at=row[22], updated_at=row[23],
        cached_input_tokens=row[24], cache_write_tokens=row[25])


def load_run(conn: sqlite3.Connection, run_id: RunId) -> Run:
    row = conn.execute(
        "SELECT id, uuid, created_at, updated_at, title, body, system, variables,"
        " collection_id, prompt_id, model_set_name, head_turn_id FROM runs WHERE id = ?",
        (run_id,)).fetchone()
    if row is None:
        raise NotFoundError(f"no run with id {run_id}")
    models = tuple(entry(m, s) for m, s in conn.execute(
        "SELECT model, settings FROM run_models WHERE run_id = ? ORDER BY slot", (run_id,)))
    pages: dict[int, list[PageRevision]] = {}
    for rid, revision, html, note, created in conn.execute(
            "SELECT p.response_id, p.revision, p.html, p.note, p.created_at"
            " FROM page_revisions p JOIN responses r ON r.id = p.response_id"
            " WHERE r.run_id = ? ORDER BY p.response_id, p.revision", (run_id,)):
        pages.setdefault(rid, []).append(
            PageRevision(ResponseId(rid), revision, html, note, created))
    shots: dict[int, list[int]] = {}
    for rid, revision in conn.execute(
            "SELECT s.response_id, s.revision FROM screenshots s"
            " JOIN responses r ON r.id = s.response_id WHERE r.run_id = ?"
            " ORDER BY s.response_id, s.revision", (run_id,)):
        shots.setdefault(rid, []).append(revision)
    by_turn: dict[int, list[Response]] = {}
    for r in conn.execute(f"SELECT {_RESPONSE_COLUMNS} FROM responses WHERE run_id = ?"
                          " ORDER BY turn_id, slot, attempt", (run_id,)):
        by_turn.setdefault(r[2], []).append(
            _response(r, tuple(pages.get(r[0], ())), tuple(shots.get(r[0], ()))))
    files = attachments.turn_refs(conn, run_id)
    turns = tuple(
        Turn(TurnId(t[0]), RunId(run_id), TurnId(t[1]) if t[1] is not None else None, t[2],
             t[3], t[4], tuple(by_turn.get(t[0], ())), files.get(t[0], {}).get(-1, ()),
             {slot: refs for slot, refs in files.get(t[0], {}).items() if slot >= 0})
        for t in conn.execute("SELECT id, parent_id, depth, prompt, created_at FROM turns"
                              " WHERE run_id = ? ORDER BY id", (run_id,)))
    return Run(
        id=RunId(row[0]), uuid=row[1], created_at=row[2], updated_at=row[3], title=row[4],
        body=row[5], system=row[6],
        variables={k: str(v) for k, v in loads_object(row[7]).items()},
        collection_id=CollectionId(row[8]) if row[8] is not None else None,
        prompt_id=PromptId(row[9]) if row[9] is not None else None,
        model_set_name=row[10], models=models, turns=turns,
        head_turn_id=TurnId(row[11]) if row[11] is not None else None)


def resolve_run(conn: sqlite3.Connection, ref: str | int) -> RunId:
    """A run by its number or its uuid (as in an export file)."""
    text = str(ref).strip()
    if text.isdigit():
        row = conn.execute("SELECT id FROM runs WHERE id = ?", (int(text),)).fetchone()
    else:
        row = conn.execute("SELECT id FROM runs WHERE uuid = ?", (text,)).fetchone()
    if row is None:
        raise NotFoundError(f"no run {text!r}")
    return RunId(row[0])


def list_runs(conn: sqlite3.Connection, filters: HistoryFilter | None = None, *,
              limit: int = 50, offset: int = 0) -> list[RunSummary]:
    """Newest first."""
    filters = filters or HistoryFilter()
    where: list[str] = []
    params: list[Any] = []
    if filters.model is not None:
        where.append("r.id IN (SELECT run_id FROM run_models WHERE model = ?)")
        params.append(filters.model)
    if filters.collection_id is not None:
        ids = collections.subtree_ids(conn, filters.collection_id)
        where.append(f"r.collection_id IN ({','.join('?' * len(ids))})")
        params.extend(ids)
    if filters.prompt_id is not None:
        where.append("r.prompt_id = ?")
        params.append(filters.prompt_id)
    if filters.since is not None:
        where.append("r.created_at >= ?")
        params.append(filters.since)
    if filters.until is not None:
        where.append("r.created_at < ?")
        params.append(filters.until)
    if filters.min_rating is not None:
        where.append("r.id IN (SELECT run_id FROM responses WHERE rating >= ?)")
        params.append(filters.min_rating)
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    # The page is chosen first, so the per-run counts below are computed for its rows only.
    rows = conn.execute(
        "SELECT r.id, r.uuid, r.created_at, r.title, r.body, r.collection_id, c.name,"
        " (SELECT count(*) FROM turns t WHERE t.run_id = r.id),"
        " (SELECT max(rating) FROM responses x WHERE x.run_id = r.id AND rating IS NOT NULL)"
        f" FROM (SELECT r.id FROM runs r {clause}"
        "        ORDER BY r.created_at DESC, r.id DESC LIMIT ? OFFSET ?) page"
        " JOIN runs r ON r.id = page.id LEFT JOIN collections c ON c.id = r.collection_id"
        " ORDER BY r.created_at DESC, r.id DESC",
        (*params, limit, offset)).fetchall()
    models: dict[int, list[str]] = {}
    if rows:
        ids = [r[0] for r in rows]
        for run_id, model in conn.execute(
                f"SELECT run_id, model FROM run_models WHERE run_id IN"
                f" ({','.join('?' * len(ids))}) ORDER BY run_id, slot", ids):
            models.setdefault(run_id, []).append(model)
    return [RunSummary(RunId(r[0]), r[1], r[2], r[3], r[4],
                       CollectionId(r[5]) if r[5] is not None else None, r[6],
                       tuple(models.get(r[0], ())), r[7], r[8]) for r in rows]


def count_runs(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT count(*) FROM runs").fetchone()[0])


def screenshot(conn: sqlite3.Connection, response_id: ResponseId,
               revision: int = 0) -> bytes | None:
    row = conn.execute("SELECT png FROM screenshots WHERE response_id = ? AND revision = ?",
                       (response_id, revision)).fetchone()
    return bytes(row[0]) if row else None


def thumbnail(conn: sqlite3.Connection, response_id: ResponseId) -> bytes | None:
    row = conn.execute("SELECT png FROM thumbnails WHERE response_id = ?",
                       (response_id,)).fetchone()
    return bytes(row[0]) if row else None
