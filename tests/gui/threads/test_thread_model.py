"""The thread model and its mirror in the store, without widgets (real SQLite files)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from studio.core.catalog import ModelRef, ProviderConfig
from studio.core.events import ErrorKind, Failed
from studio.core.metrics import Metrics
from studio.core.model_sets import ModelSetEntry
from studio.core.request import GenerationSettings, Message
from studio.core.runner import ModelState, ModelTarget
from studio.core.thread import Answer, Thread, ThreadTurn, totals
from studio.store import Store
from studio.store.threads import INTERRUPTED, ThreadRecorder, default_title, thread_from_run

CONFIG = ProviderConfig("sim", "openai", "http://127.0.0.1:9/v1", needs_key=False)


def _target(model: str, **settings: object) -> ModelTarget:
    return ModelTarget(ModelRef("sim", model), CONFIG,
                       GenerationSettings(**settings))  # type: ignore[arg-type]


def _answer(thread: Thread, turn: ThreadTurn, slot: int, text: str, **figures: int) -> Answer:
    answer = thread.ask(turn, slot)
    answer._state = ModelState.DONE
    answer._text = text
    answer._metrics = Metrics(input_tokens=figures.get("tokens_in"),
                              output_tokens=figures.get("tokens_out"))
    return answer


def test_each_model_is_sent_the_shared_prompts_and_only_its_own_answers() -> None:
    thread = Thread([_target("a", temperature=0.1), _target("b")], system="Sys")
    first = thread.add_turn("one", None)
    _answer(thread, first, 0, "a1")
    _answer(thread, first, 1, "b1")
    second = thread.add_turn("two")
    _answer(thread, second, 0, "a2")  # b was left out of the second prompt
    third = thread.add_turn("three")
    assert thread.request(0, third).messages == (
        Message("user", "one"), Message("assistant", "a1"), Message("user", "two"),
        Message("assistant", "a2"), Message("user", "three"))
    request_b = thread.request(1, third)
    assert request_b.messages == (
        Message("user", "one"), Message("assistant", "b1"), Message("user", "two"),
        Message("user", "three"))
    assert request_b.system == "Sys" and request_b.settings == GenerationSettings()
    assert thread.request(0, third).settings.temperature == 0.1
    # A model joining now starts from the prompts alone.
    late = thread.add_model(_target("c"))
    assert [m.role for m in thread.request(late, third).messages] == ["user"] * 3


def test_branches_switch_to_the_latest_leaf_and_back() -> None:
    thread = Thread([_target("a")])
    root = thread.add_turn("root", None)
    left = thread.add_turn("left")
    left_deep = thread.add_turn("left deeper")
    right = thread.add_turn("right", root.key)
    assert [t.prompt for t in thread.branch()] == ["root", "right"]
    assert [t.key for t in thread.siblings(left.key)] == [left.key, right.key]
    assert thread.switch_branch(right.key, -1) == left_deep.key  # the end of that branch
    assert [t.prompt for t in thread.branch()] == ["root", "left", "left deeper"]
    assert thread.switch_branch(left.key, -1) is None
    assert thread.switch_branch(left.key, 1) == right.key
    entries = thread.entries(0)
    assert [(e.turn.prompt, e.branch, e.branches) for e in entries] == [
        ("root", 1, 1), ("right", 2, 2)]
    edited_first = thread.add_turn("root, edited", None)
    assert thread.entries(0)[0].branches == 2 and thread.branch() == [edited_first]
    with pytest.raises(KeyError):
        thread.add_turn("orphan", 999)


def test_totals_add_up_the_answers_of_the_branch() -> None:
    thread = Thread([_target("a")])
    one = thread.add_turn("one", None)
    _answer(thread, one, 0, "x", tokens_in=10, tokens_out=5)._metrics.cost_usd = 0.5
    two = thread.add_turn("two")
    _answer(thread, two, 0, "y", tokens_in=30, tokens_out=7)._metrics.cost_usd = 0.25
    result = totals(thread.entries(0))
    assert (result.answers, result.input_tokens, result.output_tokens) == (2, 40, 12)
    assert result.cost_usd == 0.75 and result.complete
    thread.add_turn("three")
    thread.ask(thread.turns[thread.head or 0], 0)  # still waiting: not counted
    assert totals(thread.entries(0)).answers == 2


@pytest.mark.parametrize("background", [False, True], ids=["here", "writer-thread"])
def test_a_recorded_thread_reads_back_as_it_was(tmp_path: Path, background: bool) -> None:
    with Store.open(tmp_path / "db.sqlite3") as store:
        thread = Thread([_target("a", temperature=0.2), _target("b")], system="S")
        recorder = ThreadRecorder(store, background=background)
        first = thread.add_turn("Hello {{name}}".replace("{{name}}", "Ada"), None)
        a1 = _answer(thread, first, 0, "Hi Ada", tokens_in=3, tokens_out=2)
        b1 = thread.ask(first, 1)
        b1._state = ModelState.FAILED
        b1._error = Failed(ErrorKind.RATE_LIMIT, 429, "slow down")
        run_id = recorder.start(thread, first, template="Hello {{name}}",
                                variables={"name": "Ada"})
        assert run_id is not None
        recorder.save(first.key, a1)
        recorder.save(first.key, b1)
        again = _answer(thread, first, 0, "Hello again")
        recorder.new_attempt(first.key, again)
        recorder.save(first.key, again)
        second = thread.add_turn("More")
        a2 = thread.ask(second, 0)
        a2._state = ModelState.STREAMING
        a2._text = "Partial"
        recorder.add_turn(second)
        recorder.progress(second.key, a2)
        branch = thread.add_turn("Other", first.key)
        recorder.add_turn(branch)
        recorder.set_head(second.key)
        assert recorder.warning is None

        run = store.run(run_id)
        assert run.title == default_title("Hello {{name}}") == "Hello {{name}}"
        assert run.variables == {"name": "Ada"} and run.system == "S"
        back = thread_from_run(run, lambda e: ModelTarget(e.ref, CONFIG, e.settings))
    assert [t.prompt for t in back.branch()] == ["Hello Ada", "More"]
    assert [t.prompt for t in back.children(back.branch()[0].key)] == ["More", "Other"]
    assert back.models[0].settings.temperature == 0.2 and back.system == "S"
    turn = back.branch()[0]
    assert [a.text for a in turn.attempts[0]] == ["Hi Ada", "Hello again"]
    assert turn.attempts[0][0].metrics.input_tokens == 3
    failed = turn.answer(1)
    assert failed is not None and failed.state is ModelState.FAILED
    assert failed.error == Failed(ErrorKind.RATE_LIMIT, 429, "slow down")
    cut = back.branch()[1].answer(0)
    assert cut is not None and cut.state is ModelState.CANCELLED and cut.text == "Partial"
    assert cut.error is not None and cut.error.message == INTERRUPTED
    assert back.branch()[1].answer(1) is None  # b was not asked "More"
    assert back.asked_in_head(0) and not back.asked_in_head(1)
    # An answer without reported usage shows the same estimate as while it streamed.
    assert cut.metrics.output_estimated and cut.metrics.output_tokens == 2


@pytest.mark.parametrize("background", [False, True], ids=["here", "writer-thread"])
def test_a_failing_store_stops_saving_with_a_message_and_nothing_else(
        tmp_path: Path, background: bool) -> None:
    with Store.open(tmp_path / "db.sqlite3") as store:
        thread = Thread([_target("a")])
        recorder = ThreadRecorder(store, background=background)
        first = thread.add_turn("one", None)
        answer = _answer(thread, first, 0, "x")
        run_id = recorder.start(thread, first, template="one")
        assert run_id is not None and recorder.active
        store.delete_run(run_id)  # pulled from under the recorder
        recorder.save(first.key, answer)
        recorder.flush()
        assert recorder.warning is not None and "not being saved" in recorder.warning
        assert not recorder.active
        second = thread.add_turn("two")
        recorder.add_turn(second)  # a no-op now, not an error
        recorder.add_model(_target("b"))
        assert store.history() == []


def test_entries_of_a_model_added_later(tmp_path: Path) -> None:
    with Store.open(tmp_path / "db.sqlite3") as store:
        thread = Thread([_target("a")])
        recorder = ThreadRecorder(store)
        first = thread.add_turn("one", None)
        a = _answer(thread, first, 0, "x")
        run_id = recorder.start(thread, first, template="one")
        recorder.save(first.key, a)
        slot = thread.add_model(_target("late", seed=3))
        recorder.add_model(thread.models[slot])
        late = _answer(thread, first, slot, "late answer")
        recorder.new_attempt(first.key, late)
        recorder.save(first.key, late)
        assert run_id is not None
        run = store.run(run_id)
    assert run.models[1] == ModelSetEntry(ModelRef("sim", "late"), GenerationSettings(seed=3))
    response = run.branch()[0].current(1)
    assert response is not None and (response.attempt, response.text) == (0, "late answer")


def test_an_earlier_attempt_can_be_shown_while_follow_ups_continue_from_the_latest() -> None:
    thread = Thread([_target("a"), _target("b")])
    turn = thread.add_turn("haiku", None)
    first = _answer(thread, turn, 0, "first try")
    _answer(thread, turn, 1, "steady")
    second = _answer(thread, turn, 0, "second try")
    assert thread.shown_attempt(0, turn.key) == 1
    assert not thread.show_attempt(0, turn.key, 1)  # nothing after the latest
    assert thread.show_attempt(0, turn.key, -1)
    assert thread.shown_attempt(0, turn.key) == 0
    assert thread.shown_answers() == [first, turn.answer(1)]
    assert thread.shown_entries(0)[0].answer is first
    assert thread.entries(0)[0].answer is second  # what the thread continues from
    follow = thread.add_turn("another")
    assert thread.request(0, follow).messages[1] == Message("assistant", "second try")
    # A new attempt is the one shown.
    third = thread.ask(turn, 0)
    assert thread.shown_answer(turn, 0) is third
    assert not thread.show_attempt(0, turn.key, -1)  # not while it runs


def test_an_earlier_prompt_shown_last_hides_its_follow_ups_and_says_how_many() -> None:
    thread = Thread([_target("a"), _target("b")])
    row = thread.add_turn("the row", None)
    first = _answer(thread, row, 0, "a's answer")
    _answer(thread, row, 1, "b's answer")
    _answer(thread, row, 1, "b again")
    fix = thread.add_turn("fix it")
    _answer(thread, fix, 0, "a fixed")
    again = thread.add_turn("and again")
    assert [(e.turn.key, e.later) for e in thread.entries(0)] == [
        (row.key, 0), (fix.key, 0), (again.key, 0)]
    thread.set_head(row.key)  # the row's prompt as it was sent
    assert thread.later(row.key) == 2 and thread.later(again.key) == 0
    assert [(e.turn.key, e.later) for e in thread.entries(1)] == [(row.key, 2)]
    assert thread.shown_answers() == [first, row.answer(1)]
    # Any attempt can be picked by its number; a later branch is counted from the latest.
    assert thread.show_attempt_at(1, row.key, 0)
    shown = thread.shown_answer(row, 1)
    assert shown is not None and shown.text == "b's answer"
    assert not thread.show_attempt_at(1, row.key, 2)
    assert thread.show_attempt_at(1, row.key, 1) and (row.key, 1) not in thread.shown_attempts
    thread.add_turn("another fix", row.key)
    thread.set_head(row.key)
    assert thread.later(row.key) == 1  # the newest continuation: one prompt
    thread.ask(row, 0)
    assert not thread.show_attempt_at(0, row.key, 0)  # not while an attempt runs


def _upserts_by_thread(conn: sqlite3.Connection) -> list[str]:
    """Names of the threads that run an answer's save (its upsert) on `conn`, as they run."""
    names: list[str] = []

    def trace(statement: str) -> None:
        if "ON CONFLICT (turn_id, slot, attempt) DO UPDATE" in statement:
            names.append(threading.current_thread().name)

    conn.set_trace_callback(trace)
    return names


def test_in_the_background_the_final_save_leaves_the_callers_connection_alone(
        tmp_path: Path) -> None:
    with Store.open(tmp_path / "db.sqlite3") as store:
        here = _upserts_by_thread(store.connection)
        thread = Thread([_target("a"), _target("b")])
        recorder = ThreadRecorder(store, background=True)
        written: list[str] = []
        recorder.on_written = lambda: written.append(threading.current_thread().name)
        first = thread.add_turn("one", None)
        run_id = recorder.start(thread, first, template="one")
        assert run_id is not None
        streaming = thread.ask(first, 0)
        streaming._state = ModelState.STREAMING
        for size in range(1, 40):  # progress saves queued before the final one
            streaming._text = "x" * size
            recorder.progress(first.key, streaming)
        streaming._text = "final " * 20_000
        streaming._state = ModelState.DONE
        recorder.save(first.key, streaming)
        b = _answer(thread, first, 1, "short")
        recorder.save(first.key, b)
        run = store.run(run_id)  # a read waits for the writer: never an earlier state
        assert here == []  # neither save ran on the caller's connection
        assert set(written) == {"store-writer"}
        answers = {r.slot: r for r in run.turns[0].responses}
        assert answers[0].state == "done" and answers[0].text == "final " * 20_000
        assert answers[1].text == "short"
        assert recorder.response_id((first.key, 0, streaming.attempt)) == answers[0].id
        assert [h.run_id for h in store.search("final")] == [run_id]
        assert recorder.warning is None


def test_closing_the_store_writes_what_is_left_and_ends_the_writer(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    store = Store.open(path)
    thread = Thread([_target("a")])
    recorder = ThreadRecorder(store, background=True)
    first = thread.add_turn("one", None)
    run_id = recorder.start(thread, first, template="one")
    assert run_id is not None
    assert "store-writer" in [t.name for t in threading.enumerate()]
    recorder.save(first.key, _answer(thread, first, 0, "kept " * 50_000))
    store.close()
    assert "store-writer" not in [t.name for t in threading.enumerate()]
    with Store.open(path) as again:
        saved = again.run(run_id).turns[0].responses[0]
    assert saved.state == "done" and saved.text == "kept " * 50_000
