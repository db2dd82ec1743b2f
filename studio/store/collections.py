"""Collections: a tree of named folders holding prompts. Callers hold the transaction."""

from __future__ import annotations

import sqlite3

from studio.store.common import clean_name, new_uuid, now
from studio.store.errors import ConflictError, NotFoundError
from studio.store.models import Collection, CollectionId

_COLUMNS = """c.id, c.uuid, c.name, c.parent_id, c.position,
    (SELECT count(*) FROM prompts p WHERE p.collection_id = c.id AND p.trash_id IS NULL),
    c.created_at, c.updated_at"""


def _row(row: sqlite3.Row | tuple) -> Collection:
    return Collection(CollectionId(row[0]), row[1], row[2],
                      CollectionId(row[3]) if row[3] is not None else None,
                      row[4], row[5], row[6], row[7])


def _check_free(conn: sqlite3.Connection, name: str, parent_id: CollectionId | None,
                exclude: CollectionId | None = None) -> None:
    clash = conn.execute(
        "SELECT id FROM collections WHERE name = ? AND parent_id IS ? AND trash_id IS NULL"
        " AND id IS NOT ?", (name, parent_id, exclude)).fetchone()
    if clash is not None:
        where = f" in {path_of(conn, parent_id)!r}" if parent_id is not None else ""
        raise ConflictError(f"a collection named {name!r} already exists{where}")


def add(conn: sqlite3.Connection, name: str, parent_id: CollectionId | None = None, *,
        uuid: str | None = None, created_at: float | None = None) -> CollectionId:
    name = clean_name(name, "collection")
    if parent_id is not None:
        get(conn, parent_id)
    _check_free(conn, name, parent_id)
    stamp = now() if created_at is None else created_at
    position = conn.execute(
        "SELECT ifnull(max(position) + 1, 0) FROM collections WHERE parent_id IS ?",
        (parent_id,)).fetchone()[0]
    cur = conn.execute(
        "INSERT INTO collections (uuid, parent_id, name, position, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (uuid or new_uuid(), parent_id, name, position, stamp, stamp))
    return CollectionId(int(cur.lastrowid or 0))


def require(conn: sqlite3.Connection, collection_id: CollectionId) -> None:
    """Raise NotFoundError unless the collection exists (cheaper than `get`: no counting)."""
    if conn.execute("SELECT 1 FROM collections WHERE id = ? AND trash_id IS NULL",
                    (collection_id,)).fetchone() is None:
        raise NotFoundError(f"no collection with id {collection_id}")


def get(conn: sqlite3.Connection, collection_id: CollectionId) -> Collection:
    row = conn.execute(f"SELECT {_COLUMNS} FROM collections c WHERE c.id = ?"
                       " AND c.trash_id IS NULL", (collection_id,)).fetchone()
    if row is None:
        raise NotFoundError(f"no collection with id {collection_id}")
    return _row(row)


def list_tree(conn: sqlite3.Connection) -> list[Collection]:
    """Every live collection, parents before children, siblings by position then name."""
    rows = [_row(r) for r in conn.execute(
        f"SELECT {_COLUMNS} FROM collections c WHERE c.trash_id IS NULL"
        " ORDER BY c.position, c.name COLLATE NOCASE, c.id")]
    by_parent: dict[CollectionId | None, list[Collection]] = {}
    for c in rows:
        by_parent.setdefault(c.parent_id, []).append(c)
    ordered: list[Collection] = []

    def visit(parent: CollectionId | None) -> None:
        for child in by_parent.get(parent, []):
            ordered.append(child)
            visit(child.id)

    visit(None)
    return ordered


def path_of(conn: sqlite3.Connection, collection_id: CollectionId) -> str:
    names: list[str] = []
    current: int | None = collection_id
    while current is not None:
        row = conn.execute("SELECT name, parent_id FROM collections WHERE id = ?",
                           (current,)).fetchone()
        if row is None:
            break
        names.append(row[0])
        current = row[1]
    return "/".join(reversed(names))


def find(conn: sqlite3.Connection, name: str) -> Collection:
    """By name, or by a 'Parent/Child' path when several collections share a name."""
    wanted = name.strip()
    rows = conn.execute("SELECT id FROM collections WHERE name = ? AND trash_id IS NULL",
                        (wanted,)).fetchall()
    if len(rows) == 1:
        return get(conn, CollectionId(rows[0][0]))
    if "/" in wanted:
        parent: CollectionId | None = None
        for part in wanted.split("/"):
            row = conn.execute(
                "SELECT id FROM collections WHERE name = ? AND parent_id IS ?"
                " AND trash_id IS NULL", (part.strip(), parent)).fetchone()
            if row is None:
                break
            parent = CollectionId(row[0])
        else:
            if parent is not None:
                return get(conn, parent)
    if len(rows) > 1:
        paths = ", ".join(sorted(path_of(conn, CollectionId(r[0])) for r in rows))
        raise NotFoundError(f"several collections are named {wanted!r} ({paths}); "
                            "write the path, e.g. Parent/Child")
    raise NotFoundError(f"no collection named {wanted!r}")


def find_child(conn: sqlite3.Connection, name: str,
               parent_id: CollectionId | None) -> CollectionId | None:
    row = conn.execute("SELECT id FROM collections WHERE name = ? AND parent_id IS ?"
                       " AND trash_id IS NULL", (name.strip(), parent_id)).fetchone()
    return CollectionId(row[0]) if row else None


def subtree_ids(conn: sqlite3.Connection, collection_id: CollectionId) -> list[CollectionId]:
    """The collection and all its live descendants."""
    return [CollectionId(r[0]) for r in conn.execute(
        "WITH RECURSIVE tree(id) AS (SELECT ? UNION ALL SELECT c.id FROM collections c"
        " JOIN tree ON c.parent_id = tree.id WHERE c.trash_id IS NULL) SELECT id FROM tree",
        (collection_id,))]


def rename(conn: sqlite3.Connection, collection_id: CollectionId, name: str) -> None:
    current = get(conn, collection_id)
    name = clean_name(name, "collection")
    _check_free(conn, name, current.parent_id, exclude=collection_id)
    conn.execute("UPDATE collections SET name = ?, updated_at = ? WHERE id = ?",
                 (name, now(), collection_id))


def move(conn: sqlite3.Connection, collection_id: CollectionId,
         parent_id: CollectionId | None, position: int | None = None) -> None:
    current = get(conn, collection_id)
    if parent_id is not None:
        get(conn, parent_id)
        if parent_id in subtree_ids(conn, collection_id):
            raise ConflictError("a collection cannot be moved into itself or its own"
                                " sub-collection")
    _check_free(conn, current.name, parent_id, exclude=collection_id)
    if position is None:
        position = conn.execute(
            "SELECT ifnull(max(position) + 1, 0) FROM collections WHERE parent_id IS ?",
            (parent_id,)).fetchone()[0]
    conn.execute("UPDATE collections SET parent_id = ?, position = ?, updated_at = ?"
                 " WHERE id = ?", (parent_id, position, now(), collection_id))


def trash(conn: sqlite3.Connection, collection_id: CollectionId, trash_id: int) -> None:
    """Hide the collection, its sub-collections and their prompts under one trash batch."""
    get(conn, collection_id)
    ids = subtree_ids(conn, collection_id)
    marks = ",".join("?" * len(ids))
    conn.execute(f"UPDATE prompts SET trash_id = ? WHERE collection_id IN ({marks})"
                 " AND trash_id IS NULL", (trash_id, *ids))
    conn.execute(f"UPDATE collections SET trash_id = ? WHERE id IN ({marks})",
                 (trash_id, *ids))
