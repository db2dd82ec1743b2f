"""Model sets: named lists of models with per-model settings (never keys)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from studio.core.catalog import CatalogError
from studio.core.model_sets import ModelSetEntry, ModelSetError
from studio.store.common import clean_name, dumps, new_uuid, now
from studio.store.errors import NotFoundError, StoreError
from studio.store.models import ModelSet, ModelSetId

_COLUMNS = "id, uuid, name, items, created_at, updated_at"
_LAST_KEY = "model_sets.last"


def entries_to_json(entries: Sequence[ModelSetEntry]) -> list[dict[str, Any]]:
    # Only the reference and GenerationSettings.to_dict(): nothing else can reach the file.
    return [{"model": str(e.ref), "settings": e.settings.to_dict()} for e in entries]


def entries_from_json(text: str) -> tuple[ModelSetEntry, ...]:
    raw = json.loads(text)
    try:
        return tuple(ModelSetEntry.from_json(item) for item in raw)
    except (ModelSetError, CatalogError) as exc:
        raise StoreError(f"a stored model set is unreadable: {exc}") from exc


def _row(row: tuple) -> ModelSet:
    return ModelSet(ModelSetId(row[0]), row[1], row[2], entries_from_json(row[3]),
                    row[4], row[5])


def save(conn: sqlite3.Connection, name: str, entries: Sequence[ModelSetEntry], *,
         uuid: str | None = None) -> tuple[ModelSetId, bool]:
    """Create or replace the set called `name`; returns (id, whether anything changed)."""
    name = clean_name(name, "model set")
    if not entries:
        raise StoreError("a model set needs at least one model")
    items = dumps(entries_to_json(entries))
    row = conn.execute("SELECT id, items FROM model_sets WHERE name = ?", (name,)).fetchone()
    stamp = now()
    if row is not None:
        if row[1] == items:
            return ModelSetId(row[0]), False
        conn.execute("UPDATE model_sets SET items = ?, updated_at = ? WHERE id = ?",
                     (items, stamp, row[0]))
        return ModelSetId(row[0]), True
    cur = conn.execute(
        "INSERT INTO model_sets (uuid, name, items, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?)", (uuid or new_uuid(), name, items, stamp, stamp))
    return ModelSetId(int(cur.lastrowid or 0)), True


def get(conn: sqlite3.Connection, model_set_id: ModelSetId) -> ModelSet:
    row = conn.execute(f"SELECT {_COLUMNS} FROM model_sets WHERE id = ?",
                       (model_set_id,)).fetchone()
    if row is None:
        raise NotFoundError(f"no model set with id {model_set_id}")
    return _row(row)


def find(conn: sqlite3.Connection, name: str) -> ModelSet | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM model_sets WHERE name = ?",
                       (name.strip(),)).fetchone()
    return _row(row) if row is not None else None


def list_all(conn: sqlite3.Connection) -> list[ModelSet]:
    return [_row(r) for r in conn.execute(
        f"SELECT {_COLUMNS} FROM model_sets ORDER BY name COLLATE NOCASE")]


def delete(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("DELETE FROM model_sets WHERE name = ?", (name.strip(),)).rowcount > 0


def last(conn: sqlite3.Connection) -> tuple[ModelSetEntry, ...]:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (_LAST_KEY,)).fetchone()
    return entries_from_json(row[0]) if row else ()


def set_last(conn: sqlite3.Connection, entries: Sequence[ModelSetEntry]) -> None:
    conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key)"
                 " DO UPDATE SET value = excluded.value",
                 (_LAST_KEY, dumps(entries_to_json(entries))))
