"""A batch's progress read from its database file the way another program would: the
command line saves cells on a writer thread, so an answer done at the server may not be in
the file yet."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def done_cells(database: Path) -> int:
    """Cells in the state `done`, read through a read-only connection of its own."""
    conn = sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True, timeout=30)
    try:
        return int(conn.execute("SELECT count(*) FROM batch_cells WHERE state = 'done'")
                   .fetchone()[0])
    finally:
        conn.close()
