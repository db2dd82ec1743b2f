"""Fixtures for the store tests: a real SQLite file under the test's PROMPT_STUDIO_HOME."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from studio.core.model_sets import entries_from_refs
from studio.core.paths import studio_paths
from studio.store import ResponseData, RunId, Store


@pytest.fixture
def db_path(studio_home: Path) -> Path:
    return studio_paths().database


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    opened = Store.open(studio_paths())
    yield opened
    opened.close()


def database_before(db_path: Path, marker: str) -> sqlite3.Connection:
    """A new database file with the schema as it was just before the first migration whose
    text holds `marker` (numbers are not written down: migrations may be renumbered), and
    run 1 with turn 1 in it."""
    from studio.store.schema import MIGRATIONS

    before = next(i for i, m in enumerate(MIGRATIONS) if marker in m)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(db_path)
    for migration in MIGRATIONS[:before]:
        conn.executescript(migration)
    conn.execute(f"PRAGMA user_version = {before}")
    # one run of one model with one prompt, as every schema since the first can hold it
    conn.executescript("""
        INSERT INTO runs (id, uuid, title, body, created_at, updated_at)
            VALUES (1, 'r-1', 'Old', 'old prompt', 2, 2);
        INSERT INTO run_models VALUES (1, 0, 'openai:gpt-4o', '{}');
        INSERT INTO turns (id, run_id, depth, prompt, created_at)
            VALUES (1, 1, 0, 'old prompt', 2);
    """)
    return conn


def dump(store: Store) -> list[str]:
    """Every row of every table (search index included), as SQL text."""
    return list(store.connection.iterdump())


def finished_run(store: Store, text: str = "Here is the page", *, models: tuple[str, ...] = (
        "openai:gpt-4o", "anthropic:claude-sonnet-4"), title: str = "Hexagon",
        collection_id: int | None = None) -> RunId:
    """A run with one turn and a finished answer per model, saved the way the app saves."""
    run_id = store.start_run(body=f"{title} prompt", title=title,
                             models=entries_from_refs(list(models)),
                             collection_id=collection_id)  # type: ignore[arg-type]
    turn = store.add_turn(run_id, f"{title} prompt")
    for slot, model in enumerate(models):
        store.save_response(turn, slot, ResponseData(
            model=model, text=f"{text} from {model}", state="done", total_s=1.0 + slot,
            html=f"<p>{model}</p>"))
    return run_id
