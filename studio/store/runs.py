"""Writing runs as they happen: run, turns, answers, ratings, pages, screenshots.

Callers hold the transaction. Saving an answer is one upsert (plus one for its page), so it
can be done on the GUI thread every time a model finishes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from studio.core.attachments import Attachment
from studio.core.model_sets import ModelSetEntry
from studio.core.redact import redact
from studio.store import attachments as stored
from studio.store.common import clean_variables, dumps, loads_object, new_uuid, now
from studio.store.errors import NotFoundError, StoreError
from studio.store.models import (
    CollectionId,
    PromptId,
    ResponseData,
    ResponseId,
    RunId,
    TurnId,
)

HEAD: Literal["head"] = "head"


def start(conn: sqlite3.Connection, *, body: str, models: Sequence[ModelSetEntry],
          title: str = "", system: str | None = None,
          variables: Mapping[str, Any] | None = None,
          collection_id: CollectionId | None = None, prompt_id: PromptId | None = None,
          model_set_name: str | None = None, uuid: str | None = None,
          created_at: float | None = None) -> RunId:
    stamp = now() if created_at is None else created_at
    cur = conn.execute(
        "INSERT INTO runs (uuid, collection_id, prompt_id, title, body, system, variables,"
        " model_set_name, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (uuid or new_uuid(), collection_id, prompt_id, " ".join(title.split()), body,
         system or None, dumps(clean_variables(variables)), model_set_name, stamp, stamp))
    run_id = RunId(int(cur.lastrowid or 0))
    for entry in models:
        add_model(conn, run_id, entry)
    return run_id


def add_model(conn: sqlite3.Connection, run_id: RunId, entry: ModelSetEntry) -> int:
    """Give a model its own slot (pane) in the run; returns the slot number."""
    slot = conn.execute("SELECT ifnull(max(slot) + 1, 0) FROM run_models WHERE run_id = ?",
                        (run_id,)).fetchone()[0]
    conn.execute("INSERT INTO run_models (run_id, slot, model, settings) VALUES (?, ?, ?, ?)",
                 (run_id, slot, str(entry.ref), dumps(entry.settings.to_dict())))
    return int(slot)


def _slot_model(conn: sqlite3.Connection, run_id: int, slot: int) -> tuple[str, str]:
    row = conn.execute("SELECT model, settings FROM run_models WHERE run_id = ? AND slot = ?",
                       (run_id, slot)).fetchone()
    if row is None:
        raise NotFoundError(f"run {run_id} has no model in slot {slot}")
    return row[0], row[1]


def add_turn(conn: sqlite3.Connection, run_id: RunId, prompt: str, *,
             parent: TurnId | Literal["head"] | None = HEAD,
             slots: Sequence[int] | None = None, created_at: float | None = None,
             attachments: Sequence[Attachment] = (),
             own_attachments: Mapping[int, Sequence[Attachment]] | None = None) -> TurnId:
    """A user prompt in the thread. parent="head" continues the current branch; an earlier
    turn (or None for the very first level) starts a sibling branch. A waiting answer is
    created for each slot asked (default: every model of the run)."""
    row = conn.execute("SELECT head_turn_id FROM runs WHERE id = ?", (run_id,)).fetchone()
    if row is None:
        raise NotFoundError(f"no run with id {run_id}")
    parent_id = row[0] if parent == HEAD else parent
    depth = 0
    if parent_id is not None:
        found = conn.execute("SELECT depth, run_id FROM turns WHERE id = ?",
                             (parent_id,)).fetchone()
        if found is None or found[1] != run_id:
            raise NotFoundError(f"run {run_id} has no turn {parent_id}")
        depth = found[0] + 1
    stamp = now() if created_at is None else created_at
    cur = conn.execute(
        "INSERT INTO turns (run_id, parent_id, depth, prompt, created_at) VALUES (?, ?, ?, ?, ?)",
        (run_id, parent_id, depth, prompt, stamp))
    turn_id = TurnId(int(cur.lastrowid or 0))
    if attachments or own_attachments:
        stored.link_turn(conn, turn_id, attachments, own_attachments)
    conn.execute("UPDATE runs SET head_turn_id = ?, updated_at = ? WHERE id = ?",
                 (turn_id, stamp, run_id))
    if slots is None:
        slots = [r[0] for r in conn.execute(
            "SELECT slot FROM run_models WHERE run_id = ? ORDER BY slot", (run_id,))]
    for slot in slots:
        model, settings = _slot_model(conn, run_id, slot)
        conn.execute(
            "INSERT INTO responses (run_id, turn_id, slot, attempt, model, settings, state,"
            " created_at, updated_at) VALUES (?, ?, ?, 0, ?, ?, 'waiting', ?, ?)",
            (run_id, turn_id, slot, model, settings, stamp, stamp))
    return turn_id


def set_head(conn: sqlite3.Connection, run_id: RunId, turn_id: TurnId) -> None:
    """Remember which branch the user is looking at (reopening shows it)."""
    if conn.execute("SELECT 1 FROM turns WHERE id = ? AND run_id = ?",
                    (turn_id, run_id)).fetchone() is None:
        raise NotFoundError(f"run {run_id} has no turn {turn_id}")
    conn.execute("UPDATE runs SET head_turn_id = ? WHERE id = ?", (turn_id, run_id))


_UPSERT = """
INSERT INTO responses (run_id, turn_id, slot, attempt, model, settings, text, reasoning, state,
    stop_reason, error_kind, error_status, error_message, input_tokens, output_tokens, ttft_s,
    total_s, tokens_per_s, cost_usd, cached_input_tokens, cache_write_tokens, created_at,
    updated_at)
SELECT t.run_id, t.id, :slot,
    coalesce(:attempt, (SELECT max(attempt) FROM responses WHERE turn_id = t.id AND slot = :slot),
             0),
    :model, :settings, :text, :reasoning, :state, :stop_reason, :error_kind, :error_status,
    :error_message, :input_tokens, :output_tokens, :ttft_s, :total_s, :tokens_per_s, :cost_usd,
    :cached_input_tokens, :cache_write_tokens, :now, :now
FROM turns t WHERE t.id = :turn_id
ON CONFLICT (turn_id, slot, attempt) DO UPDATE SET
    model = excluded.model, settings = excluded.settings, text = excluded.text,
    reasoning = excluded.reasoning, state = excluded.state, stop_reason = excluded.stop_reason,
    error_kind = excluded.error_kind, error_status = excluded.error_status,
    error_message = excluded.error_message, input_tokens = excluded.input_tokens,
    output_tokens = excluded.output_tokens, ttft_s = excluded.ttft_s, total_s = excluded.total_s,
    tokens_per_s = excluded.tokens_per_s, cost_usd = excluded.cost_usd,
    cached_input_tokens = excluded.cached_input_tokens,
    cache_write_tokens = excluded.cache_write_tokens, updated_at = excluded.updated_at
RETURNING id
"""


def save_response(conn: sqlite3.Connection, turn_id: TurnId, slot: int, data: ResponseData, *,
                  attempt: int | None = None) -> ResponseId:
    """Insert or update one model's answer (default: its latest attempt for this turn)."""
    stamp = now()
    params = {
        "turn_id": turn_id, "slot": slot, "attempt": attempt, "model": data.model,
        "settings": dumps(dict(data.settings)), "text": data.text, "reasoning": data.reasoning,
        "state": data.state, "stop_reason": data.stop_reason, "error_kind": data.error_kind,
        "error_status": data.error_status,
        # Provider error bodies sometimes quote the key that was refused.
        "error_message": redact(data.error_message) if data.error_message else None,
        "input_tokens": data.input_tokens, "output_tokens": data.output_tokens,
        "ttft_s": data.ttft_s, "total_s": data.total_s, "tokens_per_s": data.tokens_per_s,
        "cost_usd": data.cost_usd, "cached_input_tokens": data.cached_input_tokens,
        "cache_write_tokens": data.cache_write_tokens, "now": stamp,
    }
    try:
        row = conn.execute(_UPSERT, params).fetchone()
    except sqlite3.IntegrityError as exc:
        raise StoreError(f"cannot save the answer of slot {slot}: {exc}") from exc
    if row is None:
        raise NotFoundError(f"no turn with id {turn_id}")
    response_id = ResponseId(row[0])
    if data.html is not None:
        conn.execute(
            "INSERT INTO page_revisions (response_id, revision, html, created_at)"
            " VALUES (?, 0, ?, ?) ON CONFLICT (response_id, revision)"
            " DO UPDATE SET html = excluded.html", (response_id, data.html, stamp))
    return response_id


def save_progress(conn: sqlite3.Connection, turn_id: TurnId, slot: int, text: str,
                  reasoning: str = "") -> None:
    """Cheap partial save while a model streams (the text is not searchable until final)."""
    cur = conn.execute(
        "UPDATE responses SET text = ?, reasoning = ?, state = 'streaming', updated_at = ?"
        " WHERE turn_id = ? AND slot = ? AND attempt = (SELECT max(attempt) FROM responses"
        " WHERE turn_id = ? AND slot = ?)", (text, reasoning, now(), turn_id, slot, turn_id, slot))
    if cur.rowcount == 0:
        row = conn.execute("SELECT run_id FROM turns WHERE id = ?", (turn_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no turn with id {turn_id}")
        model, settings = _slot_model(conn, row[0], slot)
        save_response(conn, turn_id, slot, ResponseData(
            model=model, settings=loads_object(settings), text=text, reasoning=reasoning,
            state="streaming"))


def new_attempt(conn: sqlite3.Connection, turn_id: TurnId, slot: int,
                entry: ModelSetEntry | None = None) -> tuple[ResponseId, int]:
    """Start regenerating one model's answer; the earlier attempts stay."""
    row = conn.execute("SELECT run_id FROM turns WHERE id = ?", (turn_id,)).fetchone()
    if row is None:
        raise NotFoundError(f"no turn with id {turn_id}")
    if entry is not None:
        model, settings = str(entry.ref), dumps(entry.settings.to_dict())
    else:
        model, settings = _slot_model(conn, row[0], slot)
    stamp = now()
    cur = conn.execute(
        "INSERT INTO responses (run_id, turn_id, slot, attempt, model, settings, state,"
        " created_at, updated_at) SELECT ?, ?, ?, ifnull(max(attempt) + 1, 0), ?, ?, 'waiting',"
        " ?, ? FROM responses WHERE turn_id = ? AND slot = ? RETURNING id, attempt",
        (row[0], turn_id, slot, model, settings, stamp, stamp, turn_id, slot))
    created = cur.fetchone()
    return ResponseId(created[0]), int(created[1])


def rate(conn: sqlite3.Connection, response_id: ResponseId, rating: int | None,
         note: str = "") -> None:
    if rating is not None and not (isinstance(rating, int) and 1 <= rating <= 5):
        raise StoreError("a rating is 1 to 5 stars (or none)")
    cur = conn.execute("UPDATE responses SET rating = ?, rating_note = ? WHERE id = ?",
                       (rating, note, response_id))
    if cur.rowcount == 0:
        raise NotFoundError(f"no answer with id {response_id}")


def ratings(conn: sqlite3.Connection, run_id: RunId) -> dict[ResponseId, tuple[int | None, str]]:
    """Every answer's rating and note in a run, without reading the answers themselves."""
    return {ResponseId(row[0]): (row[1], row[2] or "") for row in conn.execute(
        "SELECT id, rating, rating_note FROM responses WHERE run_id = ?", (run_id,))}


def _require_response(conn: sqlite3.Connection, response_id: ResponseId) -> None:
    if conn.execute("SELECT 1 FROM responses WHERE id = ?", (response_id,)).fetchone() is None:
        raise NotFoundError(f"no answer with id {response_id}")


def add_page_revision(conn: sqlite3.Connection, response_id: ResponseId, html: str,
                      note: str = "") -> int:
    """Keep an edited page as the next revision (edits start at 1; 0 is the extracted page)."""
    _require_response(conn, response_id)
    cur = conn.execute(
        "INSERT INTO page_revisions (response_id, revision, html, note, created_at)"
        " SELECT ?, max(ifnull(max(revision) + 1, 1), 1), ?, ?, ? FROM page_revisions"
        " WHERE response_id = ? RETURNING revision",
        (response_id, html, note, now(), response_id))
    return int(cur.fetchone()[0])


def set_screenshot(conn: sqlite3.Connection, response_id: ResponseId, png: bytes,
                   revision: int = 0) -> None:
    if not png.startswith(b"\x89PNG\r\n\x1a\n"):
        raise StoreError("a screenshot must be a PNG image")
    _require_response(conn, response_id)
    conn.execute("INSERT INTO screenshots (response_id, revision, png, created_at)"
                 " VALUES (?, ?, ?, ?) ON CONFLICT (response_id, revision)"
                 " DO UPDATE SET png = excluded.png, created_at = excluded.created_at",
                 (response_id, revision, png, now()))
    if revision == 0:  # the small picture of the page's screenshot no longer shows it
        conn.execute("DELETE FROM thumbnails WHERE response_id = ?", (response_id,))


def set_thumbnail(conn: sqlite3.Connection, response_id: ResponseId, png: bytes) -> None:
    """A small PNG of the answer's page screenshot (revision 0), for grids of pages."""
    if not png.startswith(b"\x89PNG\r\n\x1a\n"):
        raise StoreError("a thumbnail must be a PNG image")
    _require_response(conn, response_id)
    conn.execute("INSERT INTO thumbnails (response_id, png) VALUES (?, ?)"
                 " ON CONFLICT (response_id) DO UPDATE SET png = excluded.png",
                 (response_id, png))


def delete_run(conn: sqlite3.Connection, run_id: RunId) -> None:
    conn.execute("UPDATE runs SET head_turn_id = NULL WHERE id = ?", (run_id,))
    if conn.execute("DELETE FROM runs WHERE id = ?", (run_id,)).rowcount == 0:
        raise NotFoundError(f"no run with id {run_id}")
    stored.collect_garbage(conn)
