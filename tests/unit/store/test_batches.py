"""Batches in SQLite: migration, creation with history runs, cells as they change, attempts,
interrupted batches, variable rows and checks with their import and export."""

from __future__ import annotations

import json
import socket
import subprocess
from pathlib import Path
from typing import Any

import pytest

from studio.core import process_owner
from studio.core.batch import Batch, BatchState, CellState, PromptSource, plan_rows
from studio.core.checks import Check, CheckResult, JudgeSpend, JudgingCost, judging_cost
from studio.core.model_sets import entries_from_refs
from studio.store import ConflictError, ImportFormatError, NotFoundError, ResponseData, Store
from studio.store import batches as batch_sql
from studio.store.schema import SCHEMA_VERSION

from .conftest import database_before

MODELS = entries_from_refs(["o:gpt-x", "a:claude-x", "g:gem-x"])


def _planned(store: Store) -> Batch:
    games = store.add_collection("Games")
    hexagon = store.add_prompt(games.id, "Hexagon", "A ball in a {{shape}}",
                               variables={"shape": "hexagon"})
    store.set_variable_rows(hexagon.id, [{"shape": "square"}, {"shape": "triangle"}])
    store.set_checks(hexagon.id, [Check("contains", "{{shape}}"), Check("has-page", row=1)])
    store.add_prompt(games.id, "Pagoda", "A voxel pagoda", system="One file")
    sources = store.batch_store().prompt_sources(games.id)
    return Batch(tuple(plan_rows(sources)), MODELS, title="Games", concurrency=2,
                 per_provider=1, judge="o:judge", collection_id=int(games.id))


def test_a_database_from_before_batches_migrates_and_keeps_its_data(db_path: Path) -> None:
    conn = database_before(db_path, "CREATE TABLE batches")
    conn.executescript("""
        INSERT INTO collections (id, uuid, name, created_at, updated_at)
            VALUES (1, 'c-1', 'Games', 1, 1);
        INSERT INTO prompts (id, uuid, collection_id, title, body, created_at, updated_at)
            VALUES (1, 'p-1', 1, 'Hexagon', 'A ball', 1, 1);
    """)
    conn.commit()
    conn.close()
    with Store.open(db_path) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert store.prompt(1).title == "Hexagon"  # type: ignore[arg-type]
        assert store.variable_rows(1) == () and store.checks(1) == ()  # type: ignore[arg-type]
        assert store.batch_store().summaries() == []
        tables = {r[0] for r in store.connection.execute(
            "SELECT name FROM sqlite_schema WHERE type = 'table'")}
        assert {"batches", "batch_rows", "batch_cells", "prompt_variable_rows",
                "prompt_checks"} <= tables
        assert store.check_integrity() == []


def test_creating_a_batch_saves_one_history_run_per_row(store: Store) -> None:
    batch = store.batch_store().create(_planned(store))
    assert batch.id is not None and len(batch.rows) == 3 and len(batch.cells) == 9
    assert all(c.state is CellState.WAITING and c.response_id for c in batch.cells)
    first = store.run(batch.rows[0].run_id)  # type: ignore[arg-type]
    assert first.title == "Hexagon · shape=square"
    assert first.body == "A ball in a {{shape}}" and first.variables == {"shape": "square"}
    assert [str(m.ref) for m in first.models] == ["o:gpt-x", "a:claude-x", "g:gem-x"]
    assert first.turns[0].prompt == "A ball in a square"
    assert [r.state for r in first.turns[0].responses] == ["waiting"] * 3
    assert store.run(batch.rows[2].run_id).system == "One file"  # type: ignore[arg-type]
    assert len(store.history()) == 3
    loaded = store.batch_store().load(batch.id)
    assert loaded.rows == batch.rows and loaded.columns == MODELS
    assert (loaded.concurrency, loaded.per_provider, loaded.judge, loaded.title) == (
        2, 1, "o:judge", "Games")
    assert [c.label for c in loaded.rows[1].checks] == ["contains 'triangle'", "has-page"]
    assert store.batch_store().batch_of_run(batch.rows[1].run_id) == (  # type: ignore[arg-type]
        batch.id, 1)


def _answer(store: Store, batch: Batch, row: int, col: int, text: str,
            state: str = "done") -> None:
    cell = batch.cell(row, col)
    cell.state = CellState.DONE if state == "done" else CellState.FAILED
    with store._write() as conn:
        assert batch.id is not None
        batch_sql.save_answer(conn, batch.id, cell, ResponseData(
            model=str(MODELS[col].ref), text=text, state=state,  # type: ignore[arg-type]
            html=f"<p>{text}</p>" if state == "done" else None, cost_usd=0.01, ttft_s=0.5,
            error_kind="rate_limit" if state == "failed" else None,
            error_status=429 if state == "failed" else None,
            error_message="slow down" if state == "failed" else None))


def test_cells_answers_and_checks_are_saved_and_loaded(store: Store) -> None:
    batches = store.batch_store()
    batch = batches.create(_planned(store))
    assert batch.id is not None
    _answer(store, batch, 0, 0, "square!")
    _answer(store, batch, 0, 1, "", state="failed")
    cell = batch.cell(0, 0)
    cell.checks = (CheckResult("contains 'square'", True, None, "found"),)
    with store._write() as conn:
        batch_sql.save_cell(conn, batch.id, cell)
        batch_sql.set_screenshot(conn, cell, b"\x89PNG\r\n\x1a\nxx")
    store.rate(cell.response_id, 4)  # type: ignore[arg-type]
    loaded = batches.load(batch.id)
    done, failed, waiting = loaded.cell(0, 0), loaded.cell(0, 1), loaded.cell(0, 2)
    assert done.state is CellState.DONE and done.result is not None
    assert (done.result.text, done.result.html, done.result.cost_usd) == (
        "square!", "<p>square!</p>", 0.01)
    assert done.checks == cell.checks and done.has_screenshot and done.rating == 4
    assert failed.state is CellState.FAILED and failed.result is not None
    assert failed.result.error is not None and failed.result.error.kind.value == "rate_limit"
    assert failed.error_kind == "rate_limit"
    assert waiting.state is CellState.WAITING and waiting.result is None
    # The answers are ordinary history answers, searchable like any other (and so is the
    # row's prompt as sent, like any sent prompt).
    hits = store.search("square")
    assert [h.response_id for h in hits if h.kind == "response"] == [done.response_id]
    assert [h.run_id for h in hits if h.kind == "turn"] == [batch.rows[0].run_id]
    (summary,) = batches.summaries()
    assert summary.counts[CellState.DONE] == 1 and summary.counts[CellState.FAILED] == 1
    assert summary.counts[CellState.WAITING] == 7 and (summary.rows, summary.columns) == (3, 3)


def test_a_new_attempt_keeps_the_old_one(store: Store) -> None:
    batches = store.batch_store()
    batch = batches.create(_planned(store))
    assert batch.id is not None
    _answer(store, batch, 1, 2, "", state="failed")
    cell = batch.cell(1, 2)
    old_response = cell.response_id
    with store._write() as conn:
        batch_sql.new_attempt(conn, batch.id, cell)
    assert cell.attempt == 1 and cell.response_id != old_response
    _answer(store, batch, 1, 2, "second try")
    loaded = batches.load(batch.id).cell(1, 2)
    assert loaded.attempt == 1 and loaded.result is not None
    assert loaded.result.text == "second try"
    attempts = batches.attempts(batch.id, 1, 2)
    assert [(a.attempt, a.state) for a in attempts] == [(0, CellState.FAILED),
                                                        (1, CellState.DONE)]
    turn = store.run(batch.rows[1].run_id).turns[0]  # type: ignore[arg-type]
    assert [(r.attempt, r.state) for r in turn.attempts(2)] == [(0, "failed"), (1, "done")]


def test_a_deleted_row_run_is_made_again_when_its_cell_is_saved(store: Store) -> None:
    batches = store.batch_store()
    batch = batches.create(_planned(store))
    assert batch.id is not None
    old = store.run(batch.rows[2].run_id).uuid  # type: ignore[arg-type]
    store.delete_run(batch.rows[2].run_id)  # type: ignore[arg-type]
    _answer(store, batch, 2, 0, "pagoda")
    loaded = batches.load(batch.id)
    assert loaded.rows[2].run_id is not None
    assert store.run(loaded.rows[2].run_id).uuid != old
    assert loaded.cell(2, 0).result is not None
    run = store.run(loaded.rows[2].run_id)  # type: ignore[arg-type]
    assert run.turns[0].prompt == "A voxel pagoda"
    assert [r.text for r in run.turns[0].responses] == ["pagoda"]


def test_a_batch_whose_process_ended_is_found_interrupted(store: Store) -> None:
    batches = store.batch_store()
    batch = batches.create(_planned(store))
    assert batch.id is not None
    assert batches.mark_interrupted() == []  # this process runs it
    child = subprocess.Popen(["sleep", "30"])
    try:
        owner = (f"{socket.gethostname()}:{child.pid}:"
                 f"{process_owner._start_token(child.pid)}")
        store.connection.execute("UPDATE batches SET owner = ? WHERE id = ?", (owner, batch.id))
        assert batches.mark_interrupted() == []
        with pytest.raises(ConflictError, match=f"pid {child.pid}"):
            batches.claim(batch.id)
    finally:
        child.kill()
        child.wait()
    assert batches.mark_interrupted() == [batch.id]
    assert batches.load(batch.id).state is BatchState.INTERRUPTED
    claimed = batches.claim(batch.id)
    assert claimed.state is BatchState.RUNNING
    assert batches.mark_interrupted() == []
    with pytest.raises(NotFoundError):
        batches.claim(batch.id + 100)


def test_finished_batches_have_no_owner_and_states_are_kept(store: Store) -> None:
    batches = store.batch_store()
    batch = batches.create(_planned(store))
    assert batch.id is not None
    for state in (BatchState.PAUSED, BatchState.CANCELLED, BatchState.DONE):
        batch.state = state
        with store._write() as conn:
            batch_sql.set_state(conn, batch)
        assert batches.load(batch.id).state is state
    owner = store.connection.execute("SELECT owner, finished_at FROM batches").fetchone()
    assert owner[0] is None and owner[1] is not None
    batches.delete(batch.id)
    assert batches.summaries() == [] and len(store.history()) == 3  # the runs stay


def test_variable_rows_and_checks_of_a_prompt(store: Store) -> None:
    games = store.add_collection("Games")
    prompt = store.add_prompt(games.id, "Game", "Write {{game}}")
    store.set_variable_rows(prompt.id, [{"game": "snake"}, {"game": "pong"}])
    store.set_checks(prompt.id, [Check("regex", r"<canvas"), Check("judge", "fun?",
                                                                     model="o:j")])
    assert store.variable_rows(prompt.id) == ({"game": "snake"}, {"game": "pong"})
    assert [c.kind for c in store.checks(prompt.id)] == ["regex", "judge"]
    with pytest.raises(Exception, match="invalid variable name"):
        store.set_variable_rows(prompt.id, [{"bad name": "x"}])
    assert store.variable_rows(prompt.id) == ({"game": "snake"}, {"game": "pong"})
    sources = store.batch_store().prompt_sources(games.id)
    assert sources == [PromptSource(title="Game", body="Write {{game}}", system=None,
                                    variables={}, variable_rows=store.variable_rows(prompt.id),
                                    checks=store.checks(prompt.id), prompt_id=int(prompt.id))]


def test_variable_rows_and_checks_travel_with_collection_files(store: Store,
                                                               tmp_path: Path) -> None:
    games = store.add_collection("Games")
    prompt = store.add_prompt(games.id, "Game", "Write {{game}}", variables={"game": "snake"})
    store.set_variable_rows(prompt.id, [{"game": "pong"}])
    checks = (Check("icontains", "{{game}}"), Check("max-latency", limit=30.0, row=0))
    store.set_checks(prompt.id, checks)
    exported = store.export([games.id])
    entry = exported["collections"][0]["prompts"][0]
    assert entry["variable_rows"] == [{"game": "pong"}]
    assert entry["checks"] == [{"kind": "icontains", "value": "{{game}}"},
                               {"kind": "max-latency", "limit": 30.0, "row": 0}]
    other = Store.open(tmp_path / "other.sqlite3")
    report = other.import_data(json.loads(json.dumps(exported)))
    assert report.prompts_added == 1
    (copy,) = other.prompts()
    assert other.variable_rows(copy.id) == ({"game": "pong"},)
    assert other.checks(copy.id) == checks
    # Re-importing changes nothing; a changed check updates the prompt.
    assert other.import_data(exported).prompts_unchanged == 1
    entry["checks"][0]["value"] = "canvas"
    assert other.import_data(exported).prompts_updated == 1
    assert other.checks(copy.id)[0].value == "canvas"
    # An older file without the fields leaves them as they are.
    del entry["checks"], entry["variable_rows"]
    other.import_data(exported)
    assert other.variable_rows(copy.id) == ({"game": "pong"},)
    assert len(other.checks(copy.id)) == 2
    other.close()


@pytest.mark.parametrize(("field", "value", "where", "problem"), [
    ("checks", [{"kind": "regex", "value": "("}], "collections[0].prompts[0].checks[0]",
     "invalid regular expression"),
    ("checks", [{"kind": "nope"}], "collections[0].prompts[0].checks[0].kind", "not one of"),
    ("checks", {"kind": "contains"}, "collections[0].prompts[0].checks", "expected an array"),
    ("variable_rows", [{"game": 3}], "collections[0].prompts[0].variable_rows[0].game",
     "expected a string"),
    ("variable_rows", ["snake"], "collections[0].prompts[0].variable_rows[0]",
     "expected an object"),
])
def test_bad_rows_or_checks_in_a_file_import_nothing(store: Store, field: str, value: object,
                                                     where: str, problem: str) -> None:
    document = {"format": "prompt-studio.collection", "version": 1, "collections": [
        {"name": "Games", "prompts": [{"title": "Game", "body": "Write {{game}}",
                                       field: value}]}]}
    with pytest.raises(ImportFormatError) as caught:
        store.import_data(document)
    assert caught.value.where == where and problem in caught.value.problem
    assert store.collections() == []


def _finished_run(text: str) -> Any:
    from studio.core.catalog import ModelRef, ProviderConfig
    from studio.core.events import TextDelta
    from studio.core.request import single_turn
    from studio.core.runner import ModelRun, ModelState, ModelTarget

    config = ProviderConfig("o", "openai", "http://127.0.0.1:1/v1", needs_key=False)
    run = ModelRun(0, ModelTarget(ModelRef("o", "gpt-x"), config), single_turn("gpt-x", "x"))
    run._append(TextDelta(text))
    run.state = ModelState.DONE
    return run


def test_the_writer_thread_saves_in_order_and_follows_a_recreated_run(store: Store) -> None:
    from studio.store.batch_recorders import BackgroundBatchRecorder

    batch = store.batch_store().create(_planned(store))
    assert batch.id is not None
    store.delete_run(batch.rows[2].run_id)  # type: ignore[arg-type]
    writer = BackgroundBatchRecorder(store.path)
    try:
        cell = batch.cell(2, 0)
        cell.state = CellState.CHECKING
        writer.cell_answer(batch, cell, _finished_run("<p>pagoda</p>"))
        cell.state = CellState.DONE
        cell.checks = (CheckResult("has-page", True, None, "the answer holds a page"),)
        writer.cell_checks(batch, cell)
        writer.cell_screenshot(batch, cell, b"\x89PNG\r\n\x1a\nthumb")
        batch.state = BatchState.PAUSED
        writer.batch_state(batch)
        other = batch.cell(0, 1)
        writer.new_attempt(batch, other)  # waits for its ids
        assert other.attempt == 1 and other.response_id is not None
        writer.flush()
        loaded = store.batch_store().load(batch.id)
        saved = loaded.cell(2, 0)
        assert saved.state is CellState.DONE and saved.checks == cell.checks
        assert saved.result is not None and saved.result.text == "<p>pagoda</p>"
        assert saved.has_screenshot  # on the answer made anew, not the deleted one
        assert loaded.state is BatchState.PAUSED
        assert loaded.cell(0, 1).attempt == 1
        assert writer.warning is None
    finally:
        writer.close()
    writer.close()  # a second close does nothing


def test_the_writer_thread_reports_a_store_it_cannot_open(tmp_path: Path) -> None:
    from studio.store.batch_recorders import BackgroundBatchRecorder

    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    writer = BackgroundBatchRecorder(blocker / "studio.sqlite3")
    try:
        assert writer.warning is not None and "not saved" in writer.warning
        planned = Batch(tuple(plan_rows([PromptSource("t", "p")])), MODELS)
        writer.new_attempt(planned, planned.cells[0])  # no ids from a store: counted here
        assert planned.cells[0].attempt == 1
    finally:
        writer.close()


def test_judge_costs_are_kept_with_the_checks_and_older_rows_read_as_unknown(
        store: Store) -> None:
    checks = (Check("judge", "Is it a game?"), Check("contains", "x"),
              Check("judge", "Never asked"))
    planned = Batch(tuple(plan_rows([PromptSource("Game", "Write a game", checks=checks)])),
                    MODELS[:1])
    batches = store.batch_store()
    batch = batches.create(planned)
    assert batch.id is not None
    cell = batch.cell(0, 0)
    cell.state = CellState.DONE
    cell.checks = (
        CheckResult("judge", True, 0.9, "fine", JudgeSpend(0.00123, 410, 25)),
        CheckResult("contains 'x'", False, None, "'x' is not in the answer"),
        CheckResult("judge", None, None, "not run: no judge model"))
    with store._write() as conn:
        batch_sql.save_cell(conn, batch.id, cell)
    loaded = batches.load(batch.id).cell(0, 0)
    assert loaded.checks == cell.checks
    assert loaded.judging == JudgingCost(asked=1, cost_usd=0.00123, unknown=0)
    # Saved before the judges' costs were kept: the judge that answered was asked, at a cost
    # not known now; the checks that asked no model have none.
    older = [{k: v for k, v in c.to_json().items() if k not in ("cost_usd", "usage")}
             for c in cell.checks]
    with store._write() as conn:
        conn.execute("UPDATE batch_cells SET checks = ? WHERE batch_id = ?",
                     (json.dumps(older), batch.id))
    for checks_read in (batches.load(batch.id).cell(0, 0).checks,
                        batches.attempts(batch.id, 0, 0)[0].checks):
        assert [c.spend for c in checks_read] == [JudgeSpend(None), None, None]
        assert judging_cost(checks_read).text() == "judging cost unknown"
