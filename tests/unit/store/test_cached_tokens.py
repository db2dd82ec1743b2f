"""Prompt-cache counts of an answer: saved, reopened, shown, exported and imported."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from studio.core.catalog import ModelRef, ProviderConfig
from studio.core.events import Usage
from studio.core.model_sets import ModelSetEntry, entries_from_refs
from studio.core.request import single_turn
from studio.core.runner import ModelRun, ModelState, ModelTarget
from studio.store import ImportFormatError, ResponseData, Store
from studio.store.io_format import FORMAT_NAME
from studio.store.schema import SCHEMA_VERSION
from studio.store.threads import answer_of

from .conftest import database_before, dump

CACHED = ResponseData(model="anthropic:claude-sonnet-4-5", text="ok", input_tokens=1_112,
                      output_tokens=10, cached_input_tokens=1_000, cache_write_tokens=100,
                      cost_usd=0.000861)


def _saved(store: Store, data: ResponseData = CACHED) -> int:
    games = store.add_collection("Games")  # runs are exported with their collection
    run_id = store.start_run(body="hi", models=entries_from_refs([data.model]),
                             first_turn="hi", collection_id=games.id)
    store.save_response(store.run(run_id).turns[0].id, 0, data)
    return int(run_id)


def test_cache_counts_are_saved_and_reopened(store: Store) -> None:
    run = store.run(_saved(store))  # type: ignore[arg-type]
    answer = run.turns[0].current(0)
    assert answer is not None
    assert (answer.input_tokens, answer.cached_input_tokens, answer.cache_write_tokens) == (
        1_112, 1_000, 100)
    # reopened in the workspace, the pane shows them as it did live
    config = ProviderConfig("anthropic", "anthropic", "https://api.anthropic.com/v1")
    target = ModelTarget(ModelRef("anthropic", "claude-sonnet-4-5"), config)
    shown = answer_of(answer, target).metrics
    assert (shown.cached_input_tokens, shown.cache_write_tokens, shown.cost_usd) == (
        1_000, 100, 0.000861)


def test_an_engine_run_is_saved_with_its_cache_counts(store: Store) -> None:
    config = ProviderConfig("openai", "openai", "https://api.openai.com/v1")
    target = ModelTarget(ModelRef("openai", "gpt-5"), config)
    model_run = ModelRun(0, target, single_turn("gpt-5", "hi"))
    model_run.usage = Usage(1_169, 88, cached_input_tokens=1_165)
    model_run.state = ModelState.DONE
    model_run.refresh_metrics()
    run_id = store.start_run(body="hi", models=[ModelSetEntry(target.ref, target.settings)],
                             first_turn="hi")
    store.save_model_run(store.run(run_id).turns[0].id, model_run)
    saved = store.run(run_id).turns[0].current(0)
    assert saved is not None
    assert (saved.cached_input_tokens, saved.cache_write_tokens) == (1_165, None)


def test_history_json_export_and_import_carry_them(store: Store, tmp_path: Path) -> None:
    run_id = _saved(store)
    usage = {"input_tokens": 1_112, "output_tokens": 10, "cached_input_tokens": 1_000,
             "cache_write_tokens": 100}
    shown = store.run_json(run_id)  # type: ignore[arg-type]  # history show --json
    assert shown["turns"][0]["responses"][0]["usage"] == usage
    document = store.export(None, with_runs=True)
    assert document["runs"][0]["turns"][0]["responses"][0]["usage"] == usage
    with Store.open(tmp_path / "other.sqlite3") as other:
        other.import_data(json.loads(json.dumps(document)))
        answer = other.run(other.history()[0].id).turns[0].current(0)
        assert answer is not None
        assert (answer.cached_input_tokens, answer.cache_write_tokens) == (1_000, 100)
        assert other.export(None, with_runs=True)["runs"] == document["runs"]


def _file_with_usage(usage: dict[str, Any]) -> dict[str, Any]:
    return {"format": FORMAT_NAME, "version": 1, "collections": [], "runs": [{
        "id": "run-1", "body": "hi", "models": [{"model": "openai:gpt-5"}],
        "turns": [{"prompt": "hi", "responses": [
            {"slot": 0, "model": "openai:gpt-5", "text": "ok", "usage": usage}]}]}]}


def test_files_from_before_the_cache_counts_still_import(store: Store) -> None:
    store.import_data(_file_with_usage({"input_tokens": 5, "output_tokens": 9}))
    answer = store.run(store.history()[0].id).turns[0].current(0)
    assert answer is not None
    assert (answer.input_tokens, answer.cached_input_tokens, answer.cache_write_tokens) == (
        5, None, None)


@pytest.mark.parametrize(("usage", "where"), [
    ({"input_tokens": 5, "cached_input_tokens": -1}, "usage.cached_input_tokens"),
    ({"input_tokens": 5, "cache_write_tokens": "many"}, "usage.cache_write_tokens"),
])
def test_bad_cache_counts_are_refused(store: Store, usage: dict[str, Any], where: str) -> None:
    before = dump(store)
    with pytest.raises(ImportFormatError) as caught:
        store.import_data(_file_with_usage(usage))
    assert caught.value.where == f"runs[0].turns[0].responses[0].{where}"
    assert dump(store) == before


def test_a_database_from_before_the_columns_gains_them_and_keeps_its_answers(
        db_path: Path) -> None:
    # the schema as it was just before the migration that adds the cache counts
    conn = database_before(db_path, "cached_input_tokens")
    conn.executescript("""
        INSERT INTO responses (run_id, turn_id, slot, model, text, state, input_tokens,
            output_tokens, created_at, updated_at)
            VALUES (1, 1, 0, 'openai:gpt-4o', 'an old answer', 'done', 7, 3, 2, 2);
    """)
    conn.commit()
    conn.close()
    with Store.open(db_path) as store:
        assert store.schema_version == SCHEMA_VERSION
        answer = store.run(store.resolve_run(1)).turns[0].current(0)
        assert answer is not None
        assert (answer.text, answer.input_tokens, answer.cached_input_tokens) == (
            "an old answer", 7, None)
        assert [h.response_id for h in store.search("answer")] == [answer.id]
        assert store.check_integrity() == []
        with pytest.raises(sqlite3.IntegrityError):
            store.connection.execute(
                "UPDATE responses SET cached_input_tokens = -3 WHERE id = ?", (answer.id,))
