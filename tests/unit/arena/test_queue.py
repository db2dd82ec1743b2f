"""The battle queue without a display: ballots into votes, pairs planned, answers reused
from the history or asked for in one run per prompt (at the simulator), failures reported,
batch rows as prompts."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from studio.core.arena import VoteError, battles
from studio.core.batch import Batch, BatchRow
from studio.core.catalog import ModelRef, ProviderConfig
from studio.core.model_sets import ModelSetEntry
from studio.core.prices import PriceTable
from studio.core.request import GenerationSettings
from studio.core.runner import Engine, ModelTarget
from studio.core.secrets import KeyStore
from studio.store import PromptId, ResponseData, RunId, Store, VoteFilter
from studio.ui.arena.ballot import Ballot, Choice
from studio.ui.arena.battle_queue import (
    BattleQueue,
    Contestant,
    batch_prompts,
    collection_prompts,
)
from tests.support.memory_keyring import MemoryKeyring
from tests.support.simulator import Simulator, Status, Synthetic


def _engine() -> Engine:
    return Engine(keys=KeyStore(env={}, backend=MemoryKeyring()), prices=PriceTable.load(None))


def _target(sim: Simulator, model: str, **settings: object) -> ModelTarget:
    config = ProviderConfig("sim", "openai", sim.url("openai"), needs_key=False)
    return ModelTarget(ModelRef("sim", model), config,
                       GenerationSettings(**settings))  # type: ignore[arg-type]


def _store(home: Path) -> Store:
    return Store.open(home / "arena.sqlite3")


def _saved_answers(store: Store, texts: list[str]) -> tuple[RunId, list]:  # type: ignore[type-arg]
    entries = [ModelSetEntry(ModelRef("p", f"m{n}")) for n in range(len(texts))]
    run_id = store.start_run(body="Prompt", models=entries, first_turn="Prompt")
    turn = store.run(run_id).turns[0]
    for slot, text in enumerate(texts):
        store.save_response(turn.id, slot, ResponseData(f"p:m{slot}", text=text,
                                                        html="<p>" + text + "</p>"))
    return run_id, list(store.run(run_id).turns[0].current_responses())


def test_a_ballot_maps_what_was_picked_to_shown_positions(studio_home: Path) -> None:
    with _store(studio_home) as store:
        run_id, responses = _saved_answers(store, ["one", "two", "three", "four"])
        turn_id = store.run(run_id).turns[0].id
        # Shown: slot 2 at A, slot 0 at B, slot 3 at D (C's answer failed: not on the ballot).
        ballot = Ballot((responses[2], responses[0], responses[3]), (0, 1, 3), "pages",
                        int(run_id), int(turn_id))
        assert ballot.labels == ("A", "B", "D")
        best = ballot.vote(Choice.best_of(2))  # the third on the ballot: D
        assert [(e.position, e.slot, e.place) for e in best.entries] == [
            (0, 2, None), (1, 0, None), (3, 3, 1)]
        assert all(e.code_chars for e in best.entries)  # pages: the code's length
        ranking = ballot.vote(Choice.ranked([[2], [0, 1]]))
        assert {(b.a, b.b, b.outcome) for b in battles(ranking)} == {
            ("p:m2", "p:m0", "tie"), ("p:m2", "p:m3", "b"), ("p:m0", "p:m3", "b")}
        assert ballot.describe(Choice.ranked([[2], [0, 1]])) == "D > A = B"
        stored = store.votes()[0] if store.add_vote(ranking) else None
        assert stored is not None and ballot.choice_of(stored) == Choice.ranked([[2], [0, 1]])
        with pytest.raises(VoteError):
            ballot.vote(Choice.pair("a"))  # a pair verdict on three answers
        with pytest.raises(VoteError):
            ballot.vote(Choice.best_of(5))
        # Answers from several runs: no slot that would point into the wrong run.
        loose = Ballot((responses[0], responses[1]), (0, 1), prompt_id=None)
        assert [e.slot for e in loose.vote(Choice.pair("tie")).entries] == [None, None]


def test_saved_answers_are_reused_and_the_rest_asked_for_in_one_run(studio_home: Path) -> None:
    with Simulator() as sim, _store(studio_home) as store:
        for model, text in (("alpha", "Alpha's answer"), ("beta", "Beta's answer"),
                            ("gamma", "Gamma's answer")):
            sim.script(model, Synthetic([text]))
        targets = [_target(sim, "alpha"), _target(sim, "beta", temperature=0.5),
                   _target(sim, "gamma")]
        shapes = store.add_collection("Shapes")
        square = store.add_prompt(shapes.id, "Square", "Draw a {{shape}}",
                                  variables={"shape": "square"})
        store.add_prompt(shapes.id, "Loose", "Draw a {{thing}}")  # no default: left out
        # Alpha answered the square already, in the workspace.
        entry = ModelSetEntry(targets[0].ref)
        old = store.start_run(body=square.body, models=[entry], prompt_id=square.id,
                              variables={"shape": "square"}, first_turn="Draw a square")
        store.save_response(store.run(old).turns[0].id, 0,
                            ResponseData("sim:alpha", text="Alpha, earlier"))
        prompts, notes = collection_prompts(store, int(shapes.id))
        assert [p.text for p in prompts] == ["Draw a square"]
        assert notes == ["“Loose” is left out: {{thing}} has no default value"]

        async def scenario() -> list:  # type: ignore[type-arg]
            engine = _engine()
            queue = BattleQueue(store, engine, prompts, [Contestant.of(t) for t in targets])
            try:
                planned = await queue.plan(3, seed=1)
                ready = [await queue.prepare(n) for n in range(1, len(planned) + 1)]
            finally:
                await queue.aclose()
                await engine.aclose()
            return [queue, planned, ready]

        queue, planned, ready = asyncio.run(scenario())
        assert sim.errors == []
    assert len(planned) == 3
    assert {frozenset((b.first, b.second)) for b in planned} == {
        frozenset(p) for p in (("sim:alpha", "sim:beta (T 0.5)"), ("sim:alpha", "sim:gamma"),
                               ("sim:beta (T 0.5)", "sim:gamma"))}
    # Alpha's saved answer was shown; beta and gamma were asked once each, in one run.
    assert [r.json["model"] for r in sim.requests] in (["beta", "gamma"], ["gamma", "beta"])
    assert (queue.asked, queue.reused) == (2, 1)
    texts = {b.first.name: b.ballot.responses[0].text for b in ready}
    texts |= {b.second.name: b.ballot.responses[1].text for b in ready}
    assert texts == {"sim:alpha": "Alpha, earlier", "sim:beta (T 0.5)": "Beta's answer",
                     "sim:gamma": "Gamma's answer"}
    runs = {b.ballot.run_id for b in ready}
    beta_gamma = next(b for b in ready if "sim:alpha" not in (b.first.name, b.second.name))
    assert beta_gamma.ballot.run_id is not None and beta_gamma.ballot.run_id != old
    mixed = [b for b in ready if b is not beta_gamma]
    assert all(b.ballot.run_id is None and b.ballot.prompt_id == square.id for b in mixed)
    assert len(runs) == 2
    with _store(studio_home) as store:
        # The new run is a normal history run of the prompt, found again next time.
        assert store.reusable_answer(PromptId(square.id), "sim:gamma", {}) is not None
        vote = beta_gamma.ballot.vote(Choice.pair("a"))
        store.add_vote(vote)
        [stored] = store.votes(VoteFilter(prompt_id=square.id))
        assert stored.run_id == beta_gamma.ballot.run_id


def test_a_failed_answer_makes_a_battle_that_says_why(studio_home: Path) -> None:
    with Simulator() as sim, _store(studio_home) as store:
        sim.script("good", Synthetic(["fine"]))
        sim.script("broken", Status(401))
        shapes = store.add_collection("Shapes")
        store.add_prompt(shapes.id, "Square", "Draw a square")
        prompts, _notes = collection_prompts(store, int(shapes.id))
        who = [Contestant.of(_target(sim, "good")), Contestant.of(_target(sim, "broken"))]

        async def scenario() -> object:
            engine = _engine()
            queue = BattleQueue(store, engine, prompts, who)
            try:
                await queue.plan(1)
                return await queue.prepare(1)
            finally:
                await queue.aclose()
                await engine.aclose()

        battle = asyncio.run(scenario())
        assert sim.errors == []
    assert battle.ballot is None  # type: ignore[attr-defined]
    assert battle.problem.endswith("cannot be judged: auth")  # type: ignore[attr-defined]


def test_a_batch_shows_its_own_cells(studio_home: Path) -> None:
    with Simulator() as sim, _store(studio_home) as store:
        targets = [_target(sim, "alpha"), _target(sim, "beta")]
        columns = tuple(ModelSetEntry(t.ref) for t in targets)
        rows = (BatchRow("Snake", "Make {{game}}", "Make snake", variables={"game": "snake"},
                         variable_row=0),
                BatchRow("Pong", "Make {{game}}", "Make pong", variables={"game": "pong"},
                         variable_row=1))
        batch = store.batch_store().create(Batch(rows, columns, title="Games"))
        for row in batch.rows:  # every cell answered, in the row's own run
            turn = store.run(RunId(row.run_id or 0)).turns[0]
            for col in range(2):
                store.save_response(turn.id, col, ResponseData(
                    str(targets[col].ref), text=f"{row.title} by {col}"))
                # A newer attempt, regenerated in the workspace: not the grid's answer.
                _, attempt = store.new_attempt(turn.id, col)
                store.save_response(turn.id, col, ResponseData(
                    str(targets[col].ref), text="a newer try"), attempt=attempt)
        by_ref = {str(t.ref): t for t in targets}
        prompts, contestants = batch_prompts(
            store, int(batch.id or 0), lambda e: by_ref[str(e.ref)])
        assert [p.title for p in prompts] == ["Snake · game=snake", "Pong · game=pong"]
        assert not any(p.reusable for p in prompts)  # other variables than the prompt's

        async def scenario() -> list:  # type: ignore[type-arg]
            engine = _engine()
            queue = BattleQueue(store, engine, prompts, contestants)
            try:
                await queue.plan(2)
                return [await queue.prepare(1), await queue.prepare(2)]
            finally:
                await queue.aclose()
                await engine.aclose()

        ready = asyncio.run(scenario())
        assert sim.requests == []  # nothing asked: every cell was there
    assert {b.prompt.title for b in ready} == {"Snake · game=snake", "Pong · game=pong"}
    for b in ready:
        assert (b.ballot.run_id, b.ballot.turn_id) == (b.prompt.row_run, b.prompt.row_turn)
        first = b.prompt.row_slots[b.first.name]
        assert b.ballot.responses[0].text == f"{b.prompt.title.split(' ·')[0]} by {first}"
        assert [r.attempt for r in b.ballot.responses] == [0, 0]  # the cells' attempts
