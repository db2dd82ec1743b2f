"""Prompts and their tags. Callers hold the transaction."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from studio.store import attachments, collections
from studio.store.common import clean_tags, clean_variables, dumps, loads_object, new_uuid, now
from studio.store.errors import NotFoundError, StoreError
from studio.store.models import CollectionId, ModelSetId, Prompt, PromptId

_COLUMNS = """id, uuid, collection_id, title, body, system, variables, notes, tags_text,
    model_set_id, position, created_at, updated_at"""

MAX_TITLE = 500


def _row(row: tuple) -> Prompt:
    return Prompt(
        id=PromptId(row[0]), uuid=row[1], collection_id=CollectionId(row[2]), title=row[3],
        body=row[4], system=row[5], variables={k: str(v) for k, v in
                                               loads_object(row[6]).items()},
        notes=row[7], tags=tuple(t for t in row[8].split("\n") if t),
        model_set_id=ModelSetId(row[9]) if row[9] is not None else None,
        position=row[10], created_at=row[11], updated_at=row[12])


def _clean_title(title: str) -> str:
    cleaned = " ".join(title.split())
    if not cleaned:
        raise StoreError("a prompt needs a title")
    if len(cleaned) > MAX_TITLE:
        raise StoreError(f"prompt titles are limited to {MAX_TITLE} characters")
    return cleaned


def _write_tags(conn: sqlite3.Connection, prompt_id: PromptId, tags: tuple[str, ...]) -> None:
    conn.execute("DELETE FROM prompt_tags WHERE prompt_id = ?", (prompt_id,))
    conn.executemany("INSERT INTO prompt_tags (prompt_id, tag) VALUES (?, ?)",
                     [(prompt_id, t) for t in tags])


def add(conn: sqlite3.Connection, collection_id: CollectionId, title: str, body: str, *,
        system: str | None = None, variables: Mapping[str, Any] | None = None,
        notes: str = "", tags: Iterable[str] = (), model_set_id: ModelSetId | None = None,
        uuid: str | None = None, created_at: float | None = None,
        updated_at: float | None = None) -> PromptId:
    collections.require(conn, collection_id)
    title = _clean_title(title)
    clean = clean_tags(tags)
    stamp = now() if created_at is None else created_at
    position = conn.execute(
        "SELECT ifnull(max(position) + 1, 0) FROM prompts WHERE collection_id = ?"
        " AND trash_id IS NULL", (collection_id,)).fetchone()[0]
    cur = conn.execute(
        "INSERT INTO prompts (uuid, collection_id, title, body, system, variables, notes,"
        " tags_text, model_set_id, position, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (uuid or new_uuid(), collection_id, title, body, system or None,
         dumps(clean_variables(variables)), notes, "\n".join(clean), model_set_id, position,
         stamp, stamp if updated_at is None else updated_at))
    prompt_id = PromptId(int(cur.lastrowid or 0))
    _write_tags(conn, prompt_id, clean)
    return prompt_id


def _with_files(conn: sqlite3.Connection, found: list[Prompt]) -> list[Prompt]:
    if not found or not attachments.has_prompt_attachments(conn):
        return found
    files = attachments.prompt_refs(conn, (p.id for p in found))
    return [replace(p, attachments=files[p.id]) if p.id in files else p for p in found]


def get(conn: sqlite3.Connection, prompt_id: PromptId) -> Prompt:
    row = conn.execute(f"SELECT {_COLUMNS} FROM prompts WHERE id = ? AND trash_id IS NULL",
                       (prompt_id,)).fetchone()
    if row is None:
        raise NotFoundError(f"no prompt with id {prompt_id}")
    return _with_files(conn, [_row(row)])[0]


def list_prompts(conn: sqlite3.Connection, collection_ids: list[CollectionId] | None = None, *,
                 tag: str | None = None, limit: int | None = None,
                 offset: int = 0) -> list[Prompt]:
    where = ["trash_id IS NULL"]
    params: list[Any] = []
    if collection_ids is not None:
        where.append(f"collection_id IN ({','.join('?' * len(collection_ids))})")
        params.extend(collection_ids)
    if tag is not None:
        where.append("id IN (SELECT prompt_id FROM prompt_tags WHERE tag = ?)")
        params.append(tag)
    sql = (f"SELECT {_COLUMNS} FROM prompts WHERE {' AND '.join(where)}"
           " ORDER BY collection_id, position, id")
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params.extend((limit, offset))
    return _with_files(conn, [_row(r) for r in conn.execute(sql, params)])


def find_by_title(conn: sqlite3.Connection, collection_id: CollectionId,
                  title: str) -> list[Prompt]:
    return _with_files(conn, [_row(r) for r in conn.execute(
        f"SELECT {_COLUMNS} FROM prompts WHERE collection_id = ? AND title = ?"
        " AND trash_id IS NULL ORDER BY position, id",
        (collection_id, " ".join(title.split())))])


def update(conn: sqlite3.Connection, prompt_id: PromptId, *, title: str | None = None,
           body: str | None = None, system: str | None = None,
           variables: Mapping[str, Any] | None = None, notes: str | None = None,
           tags: Iterable[str] | None = None, model_set_id: ModelSetId | None = None,
           clear_model_set: bool = False) -> bool:
    """Change the given fields (None: keep; system "" clears it). True if anything changed."""
    current = get(conn, prompt_id)
    new_tags = clean_tags(tags) if tags is not None else current.tags
    values = {
        "title": _clean_title(title) if title is not None else current.title,
        "body": body if body is not None else current.body,
        "system": (system or None) if system is not None else current.system,
        "variables": dumps(clean_variables(variables) if variables is not None
                           else dict(current.variables)),
        "notes": notes if notes is not None else current.notes,
        "tags_text": "\n".join(new_tags),
        "model_set_id": None if clear_model_set else (
            model_set_id if model_set_id is not None else current.model_set_id),
    }
    old = {"title": current.title, "body": current.body, "system": current.system,
           "variables": dumps(dict(current.variables)), "notes": current.notes,
           "tags_text": "\n".join(current.tags), "model_set_id": current.model_set_id}
    if values == old:
        return False
    conn.execute(
        "UPDATE prompts SET title = :title, body = :body, system = :system,"
        " variables = :variables, notes = :notes, tags_text = :tags_text,"
        " model_set_id = :model_set_id, updated_at = :now WHERE id = :id",
        {**values, "now": now(), "id": prompt_id})
    if new_tags != current.tags:
        _write_tags(conn, prompt_id, new_tags)
    return True


def move(conn: sqlite3.Connection, prompt_id: PromptId, collection_id: CollectionId,
         position: int | None = None) -> None:
    get(conn, prompt_id)
    collections.require(conn, collection_id)
    if position is None:
        position = conn.execute(
            "SELECT ifnull(max(position) + 1, 0) FROM prompts WHERE collection_id = ?"
            " AND trash_id IS NULL", (collection_id,)).fetchone()[0]
    conn.execute("UPDATE prompts SET collection_id = ?, position = ?, updated_at = ?"
                 " WHERE id = ?", (collection_id, position, now(), prompt_id))


def trash(conn: sqlite3.Connection, prompt_id: PromptId, trash_id: int) -> None:
    get(conn, prompt_id)
    conn.execute("UPDATE prompts SET trash_id = ? WHERE id = ?", (trash_id, prompt_id))


def all_tags(conn: sqlite3.Connection) -> list[tuple[str, int]]:
    return [(r[0], r[1]) for r in conn.execute(
        "SELECT t.tag, count(*) FROM prompt_tags t JOIN prompts p ON p.id = t.prompt_id"
        " WHERE p.trash_id IS NULL GROUP BY t.tag ORDER BY t.tag COLLATE NOCASE")]
