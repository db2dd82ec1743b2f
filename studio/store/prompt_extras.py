"""A prompt's variable rows and checks. Callers hold the transaction."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from studio.core.checks import Check, CheckError
from studio.store import attachments, prompts
from studio.store.common import clean_variables, dumps, loads_object
from studio.store.errors import StoreError
from studio.store.models import Prompt, PromptId

if TYPE_CHECKING:
    from studio.core.batch import PromptSource

log = logging.getLogger(__name__)

MAX_VARIABLE_ROWS = 1000
MAX_CHECKS = 100


def variable_rows(conn: sqlite3.Connection, prompt_id: PromptId) -> tuple[dict[str, str], ...]:
    return tuple({k: str(v) for k, v in loads_object(text).items()} for (text,) in conn.execute(
        "SELECT vars FROM prompt_variable_rows WHERE prompt_id = ? ORDER BY position",
        (prompt_id,)))


def set_variable_rows(conn: sqlite3.Connection, prompt_id: PromptId,
                      rows: Sequence[Mapping[str, Any]]) -> bool:
    """Replace the prompt's rows; True when they changed."""
    prompts.get(conn, prompt_id)
    if len(rows) > MAX_VARIABLE_ROWS:
        raise StoreError(f"a prompt has at most {MAX_VARIABLE_ROWS} variable rows")
    cleaned = [clean_variables(row) for row in rows]
    if [dict(r) for r in variable_rows(conn, prompt_id)] == cleaned:
        return False
    conn.execute("DELETE FROM prompt_variable_rows WHERE prompt_id = ?", (prompt_id,))
    conn.executemany("INSERT INTO prompt_variable_rows (prompt_id, position, vars)"
                     " VALUES (?, ?, ?)",
                     [(prompt_id, i, dumps(row)) for i, row in enumerate(cleaned)])
    return True


def checks(conn: sqlite3.Connection, prompt_id: PromptId) -> tuple[Check, ...]:
    found = []
    for position, text in conn.execute(
            "SELECT position, spec FROM prompt_checks WHERE prompt_id = ? ORDER BY position",
            (prompt_id,)):
        try:
            found.append(Check.from_json(json.loads(text)))
        except CheckError as exc:
            # A check this version cannot read (written by a later one) is left out.
            log.warning("prompt %s: check %s is not understood: %s", prompt_id, position, exc)
    return tuple(found)


def set_checks(conn: sqlite3.Connection, prompt_id: PromptId, items: Iterable[Check]) -> bool:
    """Replace the prompt's checks; True when they changed."""
    prompts.get(conn, prompt_id)
    new = [dumps(c.to_json()) for c in items]
    if len(new) > MAX_CHECKS:
        raise StoreError(f"a prompt has at most {MAX_CHECKS} checks")
    old = [r[0] for r in conn.execute(
        "SELECT spec FROM prompt_checks WHERE prompt_id = ? ORDER BY position", (prompt_id,))]
    if old == new:
        return False
    conn.execute("DELETE FROM prompt_checks WHERE prompt_id = ?", (prompt_id,))
    conn.executemany("INSERT INTO prompt_checks (prompt_id, position, spec) VALUES (?, ?, ?)",
                     [(prompt_id, i, spec) for i, spec in enumerate(new)])
    return True


def source(conn: sqlite3.Connection, prompt: Prompt) -> PromptSource:
    """A stored prompt as a batch plans it."""
    from studio.core.batch import PromptSource  # the engine is not needed to open a store

    return PromptSource(title=prompt.title, body=prompt.body, system=prompt.system,
                        variables=dict(prompt.variables),
                        variable_rows=variable_rows(conn, prompt.id),
                        checks=checks(conn, prompt.id), prompt_id=int(prompt.id),
                        attachments=attachments.load(conn, prompt.attachments))
