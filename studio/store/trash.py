"""Deletions that can be undone: rows are marked with a trash batch, purged later."""

from __future__ import annotations

import sqlite3

from studio.store.common import now
from studio.store.errors import ConflictError, NotFoundError
from studio.store.models import TrashId


def create(conn: sqlite3.Connection, label: str) -> TrashId:
    cur = conn.execute("INSERT INTO trash (label, created_at) VALUES (?, ?)", (label, now()))
    return TrashId(int(cur.lastrowid or 0))


def restore(conn: sqlite3.Connection, trash_id: TrashId) -> None:
    if conn.execute("SELECT 1 FROM trash WHERE id = ?", (trash_id,)).fetchone() is None:
        raise NotFoundError(f"nothing to restore (trash entry {trash_id} is gone)")
    try:
        conn.execute("UPDATE collections SET trash_id = NULL WHERE trash_id = ?", (trash_id,))
    except sqlite3.IntegrityError:
        raise ConflictError("cannot undo the deletion: a collection with the same name was "
                            "created since; rename it first") from None
    conn.execute("UPDATE prompts SET trash_id = NULL WHERE trash_id = ?", (trash_id,))
    conn.execute("DELETE FROM trash WHERE id = ?", (trash_id,))


def purge(conn: sqlite3.Connection, older_than: float | None = None) -> int:
    """Delete for good what was trashed before `older_than` (UNIX seconds; None: all)."""
    cutoff = now() + 1 if older_than is None else older_than
    cur = conn.execute("DELETE FROM trash WHERE created_at < ?", (cutoff,))
    return cur.rowcount
