"""Opening the SQLite file: pragmas, schema migrations, damaged and too-new files, transactions."""

from __future__ import annotations

import contextlib
import filecmp
import shutil
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

from studio.store.errors import CorruptDatabaseError, NewerSchemaError, StoreError
from studio.store.schema import MIGRATIONS, SCHEMA_VERSION

BUSY_TIMEOUT_MS = 5000

# Primary result codes (the low byte of sqlite_errorcode) that mean "this file is damaged".
_SQLITE_CORRUPT = 11
_SQLITE_NOTADB = 26


def is_corruption(exc: BaseException) -> bool:
    if not isinstance(exc, sqlite3.DatabaseError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in (_SQLITE_CORRUPT, _SQLITE_NOTADB)
    text = str(exc).lower()
    return "malformed" in text or "not a database" in text


def _stamp() -> str:
    return time.strftime("%Y%m%d-%H%M%S")


def _free_name(base: Path) -> Path:
    candidate, n = base, 1
    while candidate.exists():
        candidate = base.with_name(f"{base.name}.{n}")
        n += 1
    return candidate


def backup_damaged(path: Path) -> Path | None:
    """Copy the file (and its WAL, which may hold committed data) next to it; never move it."""
    if not path.exists():
        return None
    previous = _identical_backup(path)
    if previous is not None:
        return previous  # opening the same damaged file again must not pile up copies
    target = _free_name(path.with_name(f"{path.name}.damaged-{_stamp()}"))
    shutil.copy2(path, target)
    wal = path.with_name(path.name + "-wal")
    if wal.exists():
        shutil.copy2(wal, target.with_name(target.name + "-wal"))
    return target


def _identical_backup(path: Path) -> Path | None:
    wal = path.with_name(path.name + "-wal")
    for candidate in sorted(path.parent.glob(f"{path.name}.damaged-*")):
        if candidate.name.endswith("-wal"):
            continue
        candidate_wal = candidate.with_name(candidate.name + "-wal")
        if (filecmp.cmp(candidate, path, shallow=False)
                and wal.exists() == candidate_wal.exists()
                and (not wal.exists() or filecmp.cmp(candidate_wal, wal, shallow=False))):
            return candidate
    return None


def set_aside(path: Path) -> Path | None:
    """Rename a damaged database out of the way (the user chose to start afresh)."""
    if not path.exists():
        return None
    target = _free_name(path.with_name(f"{path.name}.set-aside-{_stamp()}"))
    path.rename(target)
    for suffix in ("-wal", "-shm"):
        extra = path.with_name(path.name + suffix)
        if extra.exists():
            extra.rename(target.with_name(target.name + suffix))
    return target


def _statements(script: str) -> Iterator[str]:
    """Split a migration into statements; complete_statement knows trigger bodies."""
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            statement = pending.strip()
            pending = ""
            if statement and not all(
                    ln.strip().startswith("--") or not ln.strip()
                    for ln in statement.splitlines()):
                yield statement
    if pending.strip() and any(
            ln.strip() and not ln.strip().startswith("--") for ln in pending.splitlines()):
        raise StoreError("internal error: incomplete statement in a migration")


def _migrate(conn: sqlite3.Connection) -> None:
    for target in range(1, SCHEMA_VERSION + 1):
        # Re-read the version under the write lock: another process may have migrated.
        conn.execute("BEGIN IMMEDIATE")
        try:
            current = int(conn.execute("PRAGMA user_version").fetchone()[0])
            if current < target:
                for statement in _statements(MIGRATIONS[target - 1]):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {target}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def _enable_wal(conn: sqlite3.Connection) -> None:
    # Switching a file to WAL takes an exclusive lock, and SQLite returns "database is
    # locked" there at once, without its busy handler: two processes creating the database
    # together (the app and a CLI run, say) would see one fail. So wait here, as long as
    # busy_timeout would anywhere else.
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(0.01)


def connect(path: Path, *, migrate: bool = True) -> sqlite3.Connection:
    """Open (creating if needed) the database at `path`, ready for use.

    Raises NewerSchemaError before anything is written when the file is from a newer
    version, and CorruptDatabaseError (after copying the file aside) when it is damaged.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    # isolation_level=None: transactions are explicit (BEGIN IMMEDIATE in `transaction`),
    # so a writer takes the lock up front and busy_timeout applies instead of a deadlock
    # on a read-to-write upgrade.
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        found = schema_version(conn)  # reads the header only; nothing is written yet
        if found > SCHEMA_VERSION:
            raise NewerSchemaError(path, found, SCHEMA_VERSION)
        conn.execute("SELECT count(*) FROM sqlite_schema").fetchone()
        _enable_wal(conn)
        # In WAL mode NORMAL syncs only at checkpoints. A crashed or killed process loses
        # nothing it committed (the WAL is in the OS before COMMIT returns) and the file
        # cannot be corrupted; only a power cut may roll back the last few commits. That
        # trade keeps saving an answer well under a millisecond of disk wait.
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA temp_store = MEMORY")
        if migrate:
            _migrate(conn)
    except NewerSchemaError:
        conn.close()
        raise
    except sqlite3.DatabaseError as exc:
        conn.close()
        if is_corruption(exc):
            raise CorruptDatabaseError(path, backup_damaged(path), str(exc)) from exc
        if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
            raise StoreError(f"{path} is locked by another program; try again") from exc
        raise StoreError(f"cannot open {path}: {exc}") from exc
    return conn


class Transactions:
    """BEGIN IMMEDIATE … COMMIT around a block; nested blocks join the outer transaction."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._depth = 0

    @contextlib.contextmanager
    def __call__(self) -> Iterator[sqlite3.Connection]:
        if self._depth:
            self._depth += 1
            try:
                yield self._conn
            finally:
                self._depth -= 1
            return
        self._conn.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield self._conn
        except BaseException:
            self._depth = 0
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            raise
        self._depth = 0
        try:
            self._conn.execute("COMMIT")
        except BaseException:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            raise
