"""Arena votes in the database: writing, filtering, links, migration, collection files and
LMArena battle files."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from studio.core.arena import Entry, Vote, pair_vote, ranking_vote
from studio.core.arena_board import leaderboard
from studio.store import CollectionId, ImportFormatError, Store, StoreError, VoteFilter
from studio.store.battle_file import battle_lines, parse_battles
from studio.store.schema import MIGRATIONS
from studio.store.votes import entry_from_response

from .conftest import dump
from .test_io import _populate


def _run_votes(store: Store) -> tuple[Vote, Vote]:
    """Your vote on the answers and a judge's on the pages of the populated run's first turn."""
    run = store.run(store.history()[0].id)
    turn = run.turns[0]
    first, second = turn.current(1), turn.current(0)
    assert first is not None and second is not None
    mine = pair_vote(entry_from_response(first, 0), entry_from_response(second, 1), "b",
                     run_id=run.id, turn_id=turn.id, created_at=1_700_000_000.0)
    theirs = pair_vote(entry_from_response(second, 0, judged="pages"),
                       entry_from_response(first, 1, judged="pages"), "a", judged="pages",
                       voter_kind="judge", voter="openai:gpt-5", reason="A's page runs",
                       run_id=run.id, turn_id=turn.id, created_at=1_720_000_000.0)
    return mine, theirs


def test_votes_are_stored_with_their_run_prompt_and_collection(store: Store) -> None:
    _populate(store)
    mine, theirs = _run_votes(store)
    for vote in (mine, theirs):
        store.add_vote(vote)
    stored_mine, stored_theirs = store.votes()
    run = store.run(store.history()[0].id)
    assert stored_mine.key == mine.key and stored_mine.entries == mine.entries
    assert (stored_mine.run_id, stored_mine.turn_id) == (run.id, run.turns[0].id)
    assert stored_mine.prompt_id == run.prompt_id
    assert stored_mine.collection_id == run.collection_id
    assert (stored_theirs.voter_kind, stored_theirs.voter, stored_theirs.reason) == (
        "judge", "openai:gpt-5", "A's page runs")
    # The style covariates: each answer's length; on pages, the length of the page shown.
    gpt = stored_mine.entries[1]
    assert (gpt.model, gpt.slot, gpt.attempt, gpt.answer_chars, gpt.code_chars) == (
        "openai:gpt-4o", 0, 0, len("```html\n<p>a</p>```"), None)
    assert dict(gpt.settings) == {"temperature": 0.3}
    assert stored_theirs.entries[0].code_chars == len("<p>edited</p>")
    assert stored_theirs.entries[1].code_chars == 0  # the failed answer has no page


def test_filters_choose_the_votes_of_a_leaderboard(store: Store) -> None:
    games = _populate(store)
    mine, theirs = _run_votes(store)
    store.add_vote(mine)
    store.add_vote(theirs)
    other = store.add_collection("Other")
    loose = store.add_prompt(other.id, "Loose", "x", tags=["canvas"])
    store.add_vote(pair_vote(Entry(0, "p:x"), Entry(1, "p:y"), "tie", prompt_id=loose.id,
                             created_at=1_750_000_000.0))

    def keys(**filters: object) -> set[str]:
        return {v.key for v in store.votes(VoteFilter(**filters))}  # type: ignore[arg-type]

    physics = store.find_collection("Physics").id
    assert keys(collection_id=CollectionId(games)) == {mine.key, theirs.key}  # sub-collections
    assert keys(collection_id=physics) == {mine.key, theirs.key}
    assert len(keys(collection_id=other.id)) == 1
    assert keys(tag="physics") == {mine.key, theirs.key}
    assert len(keys(tag="canvas")) == 3
    assert keys(voter_kind="judge") == keys(voter="openai:gpt-5") == {theirs.key}
    assert keys(judged="pages") == {theirs.key}
    assert keys(since=1_740_000_000.0, until=1_760_000_000.0) == keys(
        collection_id=other.id)
    assert keys(turn_id=mine.turn_id) == {mine.key, theirs.key}


def test_a_vote_outlives_its_run(store: Store) -> None:
    _populate(store)
    mine, _ = _run_votes(store)
    store.add_vote(mine)
    store.delete_run(store.history()[0].id)
    [kept] = store.votes()
    assert (kept.run_id, kept.turn_id) == (None, None)
    assert kept.collection_id is not None  # filed under its collection still
    assert leaderboard([kept]).battles == 1


def test_bad_votes_are_refused_and_nothing_is_written(store: Store) -> None:
    before = dump(store)
    with pytest.raises(StoreError, match="two answers"):
        store.add_vote(Vote("a", (Entry(0, "p:x"), Entry(1, "p:y"), Entry(2, "p:z"))))
    with pytest.raises(StoreError, match="no run with id 99"):
        store.add_vote(pair_vote(Entry(0, "p:x"), Entry(1, "p:y"), "a", run_id=99))
    store.add_vote(pair_vote(Entry(0, "p:x"), Entry(1, "p:y"), "a", external_id="b-1"))
    with pytest.raises(StoreError, match="already stored"):
        store.add_vote(pair_vote(Entry(0, "p:x"), Entry(1, "p:y"), "b", external_id="b-1"))
    assert len(store.votes()) == 1
    store.delete_vote(store.votes()[0].id)  # type: ignore[arg-type]
    assert dump(store) == before


def test_an_older_database_gains_the_votes_table_and_keeps_its_data(db_path: Path) -> None:
    votes_at = next(i for i, m in enumerate(MIGRATIONS) if "CREATE TABLE votes" in m)
    from studio.store.db import _statements

    db_path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(db_path)
    for number, migration in enumerate(MIGRATIONS[:votes_at], start=1):
        for statement in _statements(migration):
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {number}")
    conn.execute("INSERT INTO collections (uuid, name, created_at, updated_at)"
                 " VALUES ('c1', 'Old', 0, 0)")
    conn.commit()
    conn.close()
    with Store.open(db_path) as store:
        assert store.schema_version == len(MIGRATIONS)
        assert store.find_collection("Old").uuid == "c1"
        store.add_vote(pair_vote(Entry(0, "p:x"), Entry(1, "p:y"), "a"))
        assert len(store.votes()) == 1


# ------------------------------------------------------------------------- collection files


def test_votes_travel_with_a_collection_export(store: Store, tmp_path: Path) -> None:
    games = _populate(store)
    mine, theirs = _run_votes(store)
    store.add_vote(mine)
    store.add_vote(theirs)
    run = store.run(store.history()[0].id)
    slots = [Entry(i, str(m.ref), m.settings.to_dict(), slot=i) for i, m in enumerate(run.models)]
    store.add_vote(ranking_vote([*slots, Entry(2, "p:third")], [2, [0, 1]],
                                run_id=run.id, turn_id=run.turns[-1].id,
                                created_at=1_750_000_000.0))
    exported = store.export([games], with_runs=True)  # type: ignore[list-item]
    assert [v["id"] for v in exported["votes"]] == [mine.key, theirs.key,
                                                    store.votes()[2].key]
    assert exported["votes"][1]["voter"] == "judge" and exported["votes"][2]["turn"] == 2
    path = tmp_path / "games.json"
    path.write_text(json.dumps(exported))
    with Store.open(tmp_path / "other.sqlite3") as other:
        report = other.import_file(path)
        assert (report.votes_added, report.votes_skipped) == (3, 0)
        assert "3 votes added" in report.summary()
        copied = other.votes()
        assert [(v.key, v.verdict, v.entries, v.voter, v.reason) for v in copied] == [
            (v.key, v.verdict, v.entries, v.voter, v.reason) for v in store.votes()]
        # Links resolve to the imported run and its turns.
        other_run = other.run(other.history()[0].id)
        assert copied[0].turn_id == other_run.turns[0].id
        assert copied[2].turn_id == other_run.turns[2].id
        assert copied[0].collection_id == other.find_collection("Physics").id
        again = other.export([other.find_collection("Games").id], with_runs=True)
        assert again["votes"] == exported["votes"]
        before = dump(other)
        report = other.import_file(path)
        assert (report.votes_added, report.votes_skipped) == (0, 3)
        assert dump(other) == before
    # Without its runs, a vote still travels (its run link is dropped on import).
    bare = store.export([games])  # type: ignore[list-item]
    with Store.open(tmp_path / "third.sqlite3") as third:
        third.import_data(bare)
        assert [v.run_id for v in third.votes()] == [None, None, None]
        assert leaderboard(third.votes()).battles == leaderboard(store.votes()).battles


def test_a_broken_vote_in_a_collection_file_names_the_entry(store: Store) -> None:
    document = {"format": "prompt-studio.collection", "version": 1, "collections": [],
                "votes": [{"id": "v1", "verdict": "a", "entries": [
                    {"position": 0, "model": "p:x"}, {"position": 1, "model": "p:y"},
                    {"position": 2, "model": "p:z"}]}]}
    with pytest.raises(ImportFormatError, match=r"votes\[0\]: .*two answers"):
        store.import_data(document)
    document["votes"][0]["entries"] = [{"position": 0}]  # type: ignore[index]
    with pytest.raises(ImportFormatError, match=r"votes\[0\]\.entries\[0\]\.model: missing"):
        store.import_data(document)
    assert store.votes() == []


# ----------------------------------------------------------------------- LMArena battle files

JSONL = "\n".join([
    '{"id": "b1", "model_a": "gpt-4o", "model_b": "claude", "winner": "model_a",'
    ' "tstamp": 1719900000.5, "conversation_a": []}',
    '{"id": 2, "model_a": "claude", "model_b": "llama", "winner": "tie"}',
    "",
    '{"model_a": "llama", "model_b": "gpt-4o", "winner": "tie (bothbad)",'
    ' "tstamp": "2024-07-01T12:00:00Z"}',
    '{"id": "b4", "model_a": "gpt-4o", "model_b": "llama", "winner": "both_bad",'
    ' "judge": "arena_user_1"}',
    '{"id": "b5", "model_a": "claude", "model_b": "gpt-4o", "winner": "model_b"}',
    ""])


def test_battle_files_in_either_form_give_the_same_votes() -> None:
    lines = [json.loads(x) for x in JSONL.splitlines() if x.strip()]
    as_array = "[\n" + ",\n".join(json.dumps(x) for x in lines) + "\n]\n"
    for text in (JSONL, as_array, "\ufeff" + as_array):
        parsed = parse_battles(text)
        assert [p.vote.verdict for p in parsed] == ["a", "tie", "both_bad", "both_bad", "b"]
        assert [p.vote.external_id for p in parsed] == ["b1", "2", None, "b4", "b5"]
        assert parsed[0].vote.created_at == 1719900000.5
        assert parsed[2].vote.created_at == 1719835200.0
        assert [e.model for e in parsed[4].vote.entries] == ["claude", "gpt-4o"]
        assert all(p.vote.voter_kind == "user" for p in parsed)
    assert [p.line for p in parse_battles(JSONL)] == [1, 2, 4, 5, 6]
    assert [p.line for p in parse_battles(as_array)] == [2, 3, 4, 5, 6]
    assert parse_battles("[]") == [] and parse_battles("") == []


@pytest.mark.parametrize(("text", "message"), [
    ('{"model_a": "x", "model_b": "y", "winner": "model_a"}\n{"model_a": "x",\n',
     "line 2: not valid JSON"),
    ('{"model_a": "x", "model_b": "y", "winner": "model_a"}\n'
     '{"model_a": "x", "model_b": "y", "winner": "a"}\n',
     "line 2: winner: 'a' is not one of model_a, model_b, tie, both_bad, tie (bothbad)"),
    ('[\n {"model_a": "x", "model_b": "y", "winner": "tie"},\n\n {"model_b": "y", '
     '"winner": "tie"}\n]', "line 4: model_a: missing"),
    ('[{"model_a": "x", "model_b": "y", "winner": "tie"} {"model_a": "x"}]',
     "line 1: not valid JSON: expected ',' or ']'"),
    ('[{"model_a": "x", "model_b": "y", "winner": "tie"}] trailing', "text after"),
    ('{"model_a": "x", "model_b": "x", "winner": "tie"}', "line 1: model_a and model_b"),
    ('{"id": "1", "model_a": "x", "model_b": "y", "winner": "tie"}\n'
     '{"id": 1, "model_a": "x", "model_b": "y", "winner": "tie"}',
     "line 2: the id '1' is used twice (also on line 1)"),
    ('{"model_a": "x", "model_b": "y", "winner": "tie", "tstamp": "yesterday"}',
     "line 1: tstamp: 'yesterday' is not an ISO 8601 time"),
    ('{"model_a": "x", "model_b": "y", "winner": "tie", "id": true}', "line 1: id: expected"),
    ('{"model_a": "x", "model_b": "y", "winner": "tie", "prompt_studio": {"voter": "judge"}}',
     "judge_model"),
    ("[1]", "line 1: expected an object, got a number"),
])
def test_a_broken_battle_names_its_line(text: str, message: str) -> None:
    with pytest.raises(ImportFormatError) as caught:
        parse_battles(text)
    assert message in str(caught.value)


def test_battle_import_is_all_or_nothing_and_skips_known_ids(store: Store,
                                                            tmp_path: Path) -> None:
    broken = tmp_path / "broken.jsonl"
    broken.write_text(JSONL + '{"model_a": "x"}\n')
    before = dump(store)
    with pytest.raises(ImportFormatError, match="line 7: model_b: missing"):
        store.import_battles(broken)
    assert dump(store) == before
    good = tmp_path / "good.jsonl"
    good.write_text(JSONL)
    assert store.import_battles(good) == (5, 0)
    after = dump(store)
    # Twice: the battles with an id are known; the one without an id cannot be recognised.
    assert store.import_battles(good) == (1, 4)
    assert len(store.votes()) == 6
    assert len(after) < len(dump(store))


def test_battle_export_round_trips_and_reimports_as_nothing(store: Store,
                                                           tmp_path: Path) -> None:
    _populate(store)
    mine, theirs = _run_votes(store)
    store.add_vote(mine)
    store.add_vote(theirs)
    store.add_vote(ranking_vote([Entry(0, "p:x", {"temperature": 0.9}), Entry(1, "p:y"),
                                 Entry(2, "p:z")], [1, 0, 2], created_at=1_750_000_000.0))
    lines = battle_lines(store.votes())
    assert len(lines) == 5
    assert lines[0] == {"id": mine.key, "model_a": "anthropic:claude-sonnet-4",
                        "model_b": "openai:gpt-4o (T 0.3)", "winner": "model_b",
                        "tstamp": 1_700_000_000.0,
                        "prompt_studio": {"judged": "answers", "voter": "you"}}
    assert lines[1]["prompt_studio"] == {"judged": "pages", "voter": "judge",
                                         "judge_model": "openai:gpt-5", "reason": "A's page runs"}
    ranking_key = store.votes()[2].key
    assert [x["id"] for x in lines[2:]] == [f"{ranking_key}/0-1", f"{ranking_key}/0-2",
                                            f"{ranking_key}/1-2"]
    path = tmp_path / "battles.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    before = dump(store)
    assert store.import_battles(path) == (0, 5)  # its own battles: all known
    assert dump(store) == before
    with Store.open(tmp_path / "elsewhere.sqlite3") as other:
        assert other.import_battles(path) == (5, 0)
        original = leaderboard(store.votes()).to_json()
        copied = leaderboard(other.votes()).to_json()
        for key in ("battles", "models", "pairs", "position_bias", "groups"):
            assert copied[key] == original[key], key
        judged = other.votes(VoteFilter(voter_kind="judge"))
        assert [(v.voter, v.judged, v.reason) for v in judged] == [
            ("openai:gpt-5", "pages", "A's page runs")]


def test_a_saved_answer_to_the_prompt_as_it_reads_now_is_reused(store: Store) -> None:
    from studio.core.model_sets import entries_from_refs
    from studio.store import ResponseData

    games = store.add_collection("Games")
    prompt = store.add_prompt(games.id, "Hexagon", "A ball", variables={"n": "1"})
    gpt = {"temperature": 0.3}
    assert store.reusable_answer(prompt.id, "openai:gpt-4o", gpt) is None

    def run(text: str, state: str = "done") -> tuple[int, int]:
        entries = entries_from_refs(["openai:gpt-4o", "p:other"])
        run_id = store.start_run(body=prompt.body, prompt_id=prompt.id, models=entries,
                                 variables={"n": "1"}, first_turn="A ball")
        turn = store.run(run_id).turns[0].id
        store.save_response(turn, 0, ResponseData(model="openai:gpt-4o", settings=gpt,
                                                  text=text, state=state))  # type: ignore[arg-type]
        return run_id, turn

    first = run("one")
    assert store.reusable_answer(prompt.id, "openai:gpt-4o", gpt) == (*first, 0)
    assert store.reusable_answer(prompt.id, "openai:gpt-4o", {}) is None  # other settings
    assert store.reusable_answer(prompt.id, "p:other", {}) is None  # never answered
    run("cut off", state="failed")
    assert store.reusable_answer(prompt.id, "openai:gpt-4o", gpt) == (*first, 0)
    store.update_prompt(prompt.id, body="A ball, now bouncing")
    assert store.reusable_answer(prompt.id, "openai:gpt-4o", gpt) is None  # prompt changed
