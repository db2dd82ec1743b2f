"""Attached files in the database: bytes stored once by SHA-256, listed per turn and prompt.

Callers hold the transaction. Reading a run or a prompt lists its attachments without their
bytes (`AttachmentRef`); `load` fetches the bytes when a thread is rebuilt, a follow-up is
sent or a file is exported.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence

from studio.core.attachments import Attachment
from studio.store.common import now
from studio.store.errors import StoreError
from studio.store.models import AttachmentRef, PromptId, RunId, TurnId


def put(conn: sqlite3.Connection, attachment: Attachment) -> str:
    """Keep the bytes (once: the same file attached again adds no row)."""
    conn.execute("INSERT INTO blobs (sha256, media_type, size, created_at, data)"
                 " VALUES (?, ?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING",
                 (attachment.sha256, attachment.media_type, attachment.size, now(),
                  attachment.data))
    return attachment.sha256


def link_turn(conn: sqlite3.Connection, turn_id: TurnId, attachments: Sequence[Attachment],
              own: Mapping[int, Sequence[Attachment]] | None = None) -> None:
    """A turn's shared files, and `own`: slot → the files for that model only."""
    conn.execute("DELETE FROM turn_attachments WHERE turn_id = ?", (turn_id,))
    groups = [(-1, attachments), *sorted((own or {}).items())]
    for slot, files in groups:
        for position, attachment in enumerate(files):
            put(conn, attachment)
            conn.execute("INSERT INTO turn_attachments (turn_id, slot, position, name, sha256)"
                         " VALUES (?, ?, ?, ?, ?)",
                         (turn_id, slot, position, attachment.name, attachment.sha256))


def link_prompt(conn: sqlite3.Connection, prompt_id: PromptId,
                attachments: Sequence[Attachment]) -> None:
    conn.execute("DELETE FROM prompt_attachments WHERE prompt_id = ?", (prompt_id,))
    for position, attachment in enumerate(attachments):
        put(conn, attachment)
        conn.execute("INSERT INTO prompt_attachments (prompt_id, position, name, sha256)"
                     " VALUES (?, ?, ?, ?)",
                     (prompt_id, position, attachment.name, attachment.sha256))


_REF_COLUMNS = "a.name, b.media_type, a.sha256, b.size"


def _ref(row: tuple) -> AttachmentRef:
    return AttachmentRef(row[0], row[1], row[2], row[3])


def turn_refs(conn: sqlite3.Connection, run_id: RunId
              ) -> dict[int, dict[int, tuple[AttachmentRef, ...]]]:
    """Every turn of a run that has files → slot (-1: shared) → its files in order."""
    found: dict[int, dict[int, list[AttachmentRef]]] = {}
    for row in conn.execute(
            f"SELECT a.turn_id, a.slot, {_REF_COLUMNS} FROM turn_attachments a"
            " JOIN blobs b ON b.sha256 = a.sha256 JOIN turns t ON t.id = a.turn_id"
            " WHERE t.run_id = ? ORDER BY a.turn_id, a.slot, a.position", (run_id,)):
        found.setdefault(row[0], {}).setdefault(row[1], []).append(_ref(row[2:]))
    return {turn: {slot: tuple(refs) for slot, refs in slots.items()}
            for turn, slots in found.items()}


def prompt_refs(conn: sqlite3.Connection,
                prompt_ids: Iterable[int]) -> dict[int, tuple[AttachmentRef, ...]]:
    ids = list(prompt_ids)
    found: dict[int, list[AttachmentRef]] = {}
    # in slices: SQLite caps the number of parameters of one statement
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for row in conn.execute(
                f"SELECT a.prompt_id, {_REF_COLUMNS} FROM prompt_attachments a"
                " JOIN blobs b ON b.sha256 = a.sha256"
                f" WHERE a.prompt_id IN ({','.join('?' * len(chunk))})"
                " ORDER BY a.prompt_id, a.position", chunk):
            found.setdefault(row[0], []).append(_ref(row[1:]))
    return {k: tuple(v) for k, v in found.items()}


def has_prompt_attachments(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM prompt_attachments LIMIT 1").fetchone() is not None


def load(conn: sqlite3.Connection, refs: Iterable[AttachmentRef]) -> tuple[Attachment, ...]:
    """The files themselves, in the order given."""
    result = []
    for ref in refs:
        row = conn.execute("SELECT media_type, data FROM blobs WHERE sha256 = ?",
                           (ref.sha256,)).fetchone()
        if row is None:
            raise StoreError(f"the stored file {ref.name} is missing from the database")
        result.append(Attachment(ref.name, row[0], bytes(row[1]), ref.sha256))
    return tuple(result)


def shared_files(conn: sqlite3.Connection, turn_ids: Iterable[int]
                 ) -> dict[int, tuple[Attachment, ...]]:
    """The files sent to every model with each of these turns (bytes included), by turn."""
    ids = list(dict.fromkeys(turn_ids))
    found: dict[int, list[Attachment]] = {}
    for start in range(0, len(ids), 500):  # SQLite caps a statement's parameters
        chunk = ids[start:start + 500]
        for turn_id, name, media_type, sha256, data in conn.execute(
                "SELECT a.turn_id, a.name, b.media_type, a.sha256, b.data"
                " FROM turn_attachments a JOIN blobs b ON b.sha256 = a.sha256"
                f" WHERE a.slot = -1 AND a.turn_id IN ({','.join('?' * len(chunk))})"
                " ORDER BY a.turn_id, a.position", chunk):
            found.setdefault(turn_id, []).append(
                Attachment(name, media_type, bytes(data), sha256))
    return {turn: tuple(files) for turn, files in found.items()}


def blob(conn: sqlite3.Connection, sha256: str) -> bytes | None:
    row = conn.execute("SELECT data FROM blobs WHERE sha256 = ?", (sha256,)).fetchone()
    return bytes(row[0]) if row is not None else None


def collect_garbage(conn: sqlite3.Connection) -> int:
    """Delete the bytes of files no turn or prompt names any more."""
    cur = conn.execute(
        "DELETE FROM blobs WHERE NOT EXISTS"
        " (SELECT 1 FROM turn_attachments t WHERE t.sha256 = blobs.sha256)"
        " AND NOT EXISTS (SELECT 1 FROM prompt_attachments p WHERE p.sha256 = blobs.sha256)")
    return cur.rowcount
