"""Runs as threads: turns, branches, regenerated answers, ratings, pages and screenshots."""

from __future__ import annotations

import sqlite3

import pytest

from studio.core.catalog import ModelRef, ProviderConfig
from studio.core.events import ErrorKind, Failed, TextDelta, Usage
from studio.core.model_sets import ModelSetEntry, entries_from_refs
from studio.core.request import GenerationSettings, single_turn
from studio.core.runner import ModelRun, ModelState, ModelTarget
from studio.store import NotFoundError, ResponseData, RunId, Store, StoreError, TurnId

from .conftest import finished_run

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
MODELS = ("openai:gpt-4o", "anthropic:claude-sonnet-4", "gemini:gemini-2.5-pro")


def _run(store: Store) -> tuple[RunId, TurnId]:
    run_id = store.start_run(body="A ball in a {{shape}}", title="Bouncing ball",
                             system="Answer with one HTML file", variables={"shape": "hexagon"},
                             models=entries_from_refs(list(MODELS)), model_set_name="trio")
    return run_id, store.add_turn(run_id, "A ball in a hexagon")


def test_a_turn_starts_with_a_waiting_answer_per_model(store: Store) -> None:
    run_id, turn = _run(store)
    run = store.run(run_id)
    assert [str(m.ref) for m in run.models] == list(MODELS)
    assert run.head_turn_id == turn and dict(run.variables) == {"shape": "hexagon"}
    assert [(r.slot, r.model, r.state) for r in run.turn(turn).current_responses()] == [
        (0, MODELS[0], "waiting"), (1, MODELS[1], "waiting"), (2, MODELS[2], "waiting")]


def test_saving_answers_as_they_finish_then_reopening(store: Store) -> None:
    run_id, turn = _run(store)
    store.save_progress(turn, 0, "Here is", "thinking")
    assert store.run(run_id).turn(turn).current(0).state == "streaming"  # type: ignore[union-attr]
    store.save_response(turn, 0, ResponseData(
        model=MODELS[0], settings={"temperature": 0.5}, text="```html\n<canvas></canvas>\n```",
        reasoning="thinking", input_tokens=12, output_tokens=40, ttft_s=0.4, total_s=2.5,
        tokens_per_s=16.0, cost_usd=0.0012, stop_reason="stop", html="<canvas></canvas>"))
    store.save_response(turn, 1, ResponseData(
        model=MODELS[1], state="failed", text="partial", error_kind="overloaded",
        error_status=529, error_message="Overloaded"))
    answer = store.run(run_id).turn(turn).current(0)
    assert answer is not None
    assert (answer.text, answer.reasoning, answer.state) == (
        "```html\n<canvas></canvas>\n```", "thinking", "done")
    assert (answer.input_tokens, answer.output_tokens, answer.ttft_s, answer.total_s,
            answer.tokens_per_s, answer.cost_usd) == (12, 40, 0.4, 2.5, 16.0, 0.0012)
    assert dict(answer.settings) == {"temperature": 0.5} and answer.html == "<canvas></canvas>"
    failed = store.run(run_id).turn(turn).current(1)
    assert failed is not None and failed.error is not None
    assert (failed.state, failed.text, failed.error.kind, failed.error.status) == (
        "failed", "partial", "overloaded", 529)
    assert store.run(run_id).turn(turn).current(2).state == "waiting"  # type: ignore[union-attr]


def test_error_messages_are_saved_without_keys(store: Store) -> None:
    _, turn = _run(store)
    key = "sk-proj-" + "Q" * 40
    store.save_response(turn, 0, ResponseData(
        model=MODELS[0], state="failed", error_kind="auth", error_status=401,
        error_message=f"Incorrect API key provided: {key}"))
    rows = "\n".join(store.connection.iterdump())
    assert key not in rows


def test_branching_keeps_the_old_branch(store: Store) -> None:
    run_id, first = _run(store)
    second = store.add_turn(run_id, "make it 10 balls")
    third = store.add_turn(run_id, "add a score counter")
    edited = store.add_turn(run_id, "make it 20 balls", parent=first)
    run = store.run(run_id)
    assert run.head_turn_id == edited
    assert [t.prompt for t in run.branch()] == ["A ball in a hexagon", "make it 20 balls"]
    assert [t.id for t in run.branch(third)] == [first, second, third]
    assert [t.id for t in run.children(first)] == [second, edited]
    assert {t.id for t in run.leaves()} == {third, edited}
    store.set_head(run_id, third)
    assert store.run(run_id).branch()[-1].id == third
    other = store.start_run(body="x", models=entries_from_refs(["openai:gpt-4o"]))
    with pytest.raises(NotFoundError):
        store.add_turn(other, "follow-up", parent=first)
    with pytest.raises(sqlite3.IntegrityError, match="another run"):
        store.connection.execute(  # the schema itself refuses a cross-run parent
            "INSERT INTO turns (run_id, parent_id, depth, prompt, created_at)"
            " VALUES (?, ?, 1, 'x', 0)", (other, first))


def test_conversation_gives_each_model_its_own_history(store: Store) -> None:
    run_id, first = _run(store)
    store.save_response(first, 0, ResponseData(model=MODELS[0], text="page A"))
    store.save_response(first, 1, ResponseData(model=MODELS[1], text="page B"))
    follow = store.add_turn(run_id, "make it 10 balls", slots=[0])
    store.save_response(follow, 0, ResponseData(model=MODELS[0], text="page A2"))
    run = store.run(run_id)
    assert run.conversation(0) == [("A ball in a hexagon", "page A"),
                                   ("make it 10 balls", "page A2")]
    assert run.conversation(1) == [("A ball in a hexagon", "page B"),
                                   ("make it 10 balls", None)]
    assert [r.slot for r in run.turn(follow).responses] == [0]


def test_a_model_can_join_a_thread_later(store: Store) -> None:
    run_id, first = _run(store)
    slot = store.add_model(run_id, ModelSetEntry(ModelRef("deepseek", "deepseek-chat"),
                                                 GenerationSettings(temperature=0.0)))
    assert slot == 3
    follow = store.add_turn(run_id, "now with gravity")
    run = store.run(run_id)
    assert str(run.models[3].ref) == "deepseek:deepseek-chat"
    assert run.turn(follow).current(3) is not None and run.turn(first).current(3) is None


def test_regenerating_keeps_earlier_attempts(store: Store) -> None:
    run_id, turn = _run(store)
    store.save_response(turn, 2, ResponseData(model=MODELS[2], text="first try"))
    _, attempt = store.new_attempt(turn, 2)
    assert attempt == 1
    store.save_response(turn, 2, ResponseData(model=MODELS[2], text="second try"))
    run = store.run(run_id)
    assert run.turn(turn).current(2).text == "second try"  # type: ignore[union-attr]
    assert [r.text for r in run.turn(turn).attempts(2)] == ["first try", "second try"]
    assert [h.response_id for h in store.search("first try")] != []


def test_a_runs_ratings_are_read_without_its_answers(store: Store) -> None:
    run_id, turn = _run(store)
    first = store.save_response(turn, 0, ResponseData(model=MODELS[0], text="x" * 100_000))
    second = store.save_response(turn, 1, ResponseData(model=MODELS[1], text="y"))
    store.rate(first, 5, "the best")
    _, _attempt = store.new_attempt(turn, 1)
    newer = store.save_response(turn, 1, ResponseData(model=MODELS[1], text="z"))
    store.rate(newer, 2)
    other_run = finished_run(store)
    ratings = store.ratings(run_id)
    assert (ratings[first], ratings[second], ratings[newer]) == ((5, "the best"), (None, ""),
                                                                 (2, ""))
    # What the whole run says of every answer on screen, and nothing of another run.
    whole = {r.id: (r.rating, r.rating_note)
             for t in store.run(run_id).turns for r in t.responses}
    assert whole.items() <= ratings.items()
    assert not set(store.ratings(other_run)) & set(whole)
    assert store.ratings(RunId(10_000)) == {}


def test_ratings_pages_and_screenshots(store: Store) -> None:
    run_id = finished_run(store)
    answer = store.run(run_id).turns[0].current(0)
    assert answer is not None and answer.html == "<p>openai:gpt-4o</p>"
    store.rate(answer.id, 4, "smooth animation")
    with pytest.raises(StoreError, match="1 to 5"):
        store.rate(answer.id, 6)
    assert store.add_page_revision(answer.id, "<p>edited</p>", "bigger balls") == 1
    assert store.add_page_revision(answer.id, "<p>edited again</p>") == 2
    store.set_screenshot(answer.id, PNG)
    store.set_screenshot(answer.id, PNG + b"1", revision=2)
    with pytest.raises(StoreError, match="PNG"):
        store.set_screenshot(answer.id, b"GIF89a")
    reopened = store.run(run_id).turns[0].current(0)
    assert reopened is not None
    assert (reopened.rating, reopened.rating_note) == (4, "smooth animation")
    assert [(p.revision, p.html, p.note) for p in reopened.pages] == [
        (0, "<p>openai:gpt-4o</p>", ""), (1, "<p>edited</p>", "bigger balls"),
        (2, "<p>edited again</p>", "")]
    assert reopened.html == "<p>openai:gpt-4o</p>" and reopened.latest_html == "<p>edited again</p>"
    assert reopened.screenshot_revisions == (0, 2)
    assert store.screenshot(answer.id) == PNG and store.screenshot(answer.id, 2) == PNG + b"1"
    store.rate(answer.id, None)
    assert store.run(run_id).turns[0].current(0).rating is None  # type: ignore[union-attr]


def test_saving_the_final_answer_again_updates_the_original_page(store: Store) -> None:
    run_id = finished_run(store)
    turn = store.run(run_id).turns[0]
    store.save_response(turn.id, 0, ResponseData(model=MODELS[0], text="v2", html="<p>v2</p>"))
    assert [p.html for p in store.run(run_id).turns[0].current(0).pages] == ["<p>v2</p>"]  # type: ignore[union-attr]


def test_deleting_a_run_removes_everything_of_it(store: Store) -> None:
    run_id = finished_run(store)
    answer = store.run(run_id).turns[0].responses[0]
    store.add_page_revision(answer.id, "<p>x</p>")
    store.set_screenshot(answer.id, PNG)
    store.delete_run(run_id)
    for table in ("runs", "run_models", "turns", "responses", "page_revisions", "screenshots"):
        assert store.connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0
    assert store.search("page") == []
    assert store.check_integrity() == []


def test_unknown_ids_are_reported(store: Store) -> None:
    with pytest.raises(NotFoundError):
        store.run(999)  # type: ignore[arg-type]
    with pytest.raises(NotFoundError):
        store.save_response(999, 0, ResponseData(model="openai:gpt-4o"))  # type: ignore[arg-type]
    _, turn = _run(store)
    with pytest.raises(StoreError):
        store.save_response(turn, 7, ResponseData(model="openai:gpt-4o"))


def test_engine_model_run_is_saved_as_is(store: Store) -> None:
    config = ProviderConfig("openai", "openai", "https://api.openai.com/v1")
    target = ModelTarget(ModelRef("openai", "gpt-4o"), config, GenerationSettings(seed=7))
    model_run = ModelRun(0, target, single_turn("gpt-4o", "hi"))
    model_run._append(TextDelta("```html\n<b>hi</b>\n```"))
    model_run.usage = Usage(3, 5)
    model_run.metrics.output_tokens = 5
    model_run.metrics.total_s = 1.5
    model_run.state = ModelState.FAILED
    model_run.error = Failed(ErrorKind.TIMEOUT, None, "read timeout")
    run_id = store.start_run(body="hi", models=[ModelSetEntry(target.ref, target.settings)],
                             first_turn="hi")
    turn = store.run(run_id).turns[0]
    store.save_model_run(turn.id, model_run)
    saved = store.run(run_id).turns[0].current(0)
    assert saved is not None and saved.error is not None
    assert (saved.state, saved.error.kind, saved.error.message, saved.output_tokens,
            saved.total_s, dict(saved.settings)) == (
        "failed", "timeout", "read timeout", 5, 1.5, {"seed": 7})
    assert saved.text == "```html\n<b>hi</b>\n```" and saved.html is not None


def test_saving_the_same_answer_again_replaces_it(store: Store) -> None:
    # How fast this is lives in bench/store_bench.py (target: 5 ms median).
    run_id, turn = _run(store)
    text = "<!DOCTYPE html><canvas></canvas><script>/* game */</script>\n" * 300  # ~18 kB
    for i in range(60):
        data = ResponseData(model=MODELS[i % 3], text=f"{i} {text}", html=text, total_s=1.0)
        store.save_response(turn, i % 3, data)
    current = store.run(run_id).turn(turn).current(2)
    assert current is not None and current.text.startswith("59 ")
    assert len(store.run(run_id).turn(turn).attempts(2)) == 1
