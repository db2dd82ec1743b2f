"""History listing with filters, and full-text search (including hostile queries)."""

from __future__ import annotations

from typing import get_args

from hypothesis import given, settings
from hypothesis import strategies as st

from studio.core.model_sets import entries_from_refs
from studio.store import HistoryFilter, ResponseData, Store
from studio.store.models import SEARCH_KINDS, SearchKind
from studio.store.search import MARK_END, MARK_START, parse_query

from .conftest import finished_run


def _at(store: Store, run_id: int, when: float) -> None:
    store.connection.execute("UPDATE runs SET created_at = ? WHERE id = ?", (when, run_id))


def test_history_is_newest_first_and_paginated(store: Store) -> None:
    ids = [finished_run(store, title=f"Run {i}") for i in range(7)]
    for i, run_id in enumerate(ids):
        _at(store, run_id, 1000 + i)
    newest = store.history(limit=3)
    assert [r.id for r in newest] == ids[::-1][:3]
    assert [r.id for r in store.history(limit=3, offset=3)] == ids[::-1][3:6]
    assert [r.id for r in store.history(limit=3, offset=6)] == ids[:1]
    summary = newest[0]
    assert summary.title == "Run 6" and summary.body == "Run 6 prompt"
    assert summary.models == ("openai:gpt-4o", "anthropic:claude-sonnet-4")
    assert summary.turn_count == 1 and summary.best_rating is None


def test_history_filters(store: Store) -> None:
    games = store.add_collection("Games")
    physics = store.add_collection("Physics", games.id)
    pages = store.add_collection("Pages")
    a = finished_run(store, title="A", collection_id=physics.id, models=("openai:gpt-4o",))
    b = finished_run(store, title="B", collection_id=pages.id,
                     models=("openai:gpt-4o", "kimi:kimi-k2"))
    c = finished_run(store, title="C", models=("kimi:kimi-k2",))
    for run_id, when in ((a, 100.0), (b, 200.0), (c, 300.0)):
        _at(store, run_id, when)
    store.rate(store.run(b).turns[0].responses[1].id, 5)
    store.rate(store.run(c).turns[0].responses[0].id, 2)

    def ids(**kw: object) -> list[int]:
        return [r.id for r in store.history(HistoryFilter(**kw))]  # type: ignore[arg-type]

    assert ids(model="kimi:kimi-k2") == [c, b]
    assert ids(collection_id=games.id) == [a]  # sub-collections included
    assert ids(collection_id=pages.id) == [b]
    assert ids(since=150.0) == [c, b]
    assert ids(since=150.0, until=300.0) == [b]
    assert ids(min_rating=4) == [b]
    assert ids(min_rating=2) == [c, b]
    assert ids(model="openai:gpt-4o", min_rating=1) == [b]
    assert store.history(HistoryFilter(collection_id=pages.id))[0].collection_name == "Pages"


def test_prompts_and_finished_answers_are_searchable(store: Store) -> None:
    c = store.add_collection("Games")
    hexagon = store.add_prompt(c.id, "Spinning hexagon", "A ball bounces inside a shape",
                               tags=["physics"])
    pagoda = store.add_prompt(c.id, "Pagoda", "A voxel pagoda with a hexagon roof")
    store.add_prompt(c.id, "Landing", "A launch page for a café")
    hits = store.search("hexagon")
    # Title matches first, then the others; prompts before answers.
    assert [(h.kind, h.prompt_id) for h in hits] == [("prompt", hexagon.id),
                                                     ("prompt", pagoda.id)]
    assert f"{MARK_START}hexagon{MARK_END}" in hits[1].snippet
    assert [h.prompt_id for h in store.search("physics")] == [hexagon.id]  # tags
    assert [h.title for h in store.search("hexa")] == ["Spinning hexagon", "Pagoda"]  # prefix
    assert [h.title for h in store.search("cafe")] == ["Landing"]  # accents folded
    assert [h.title for h in store.search("CAFÉ")] == ["Landing"]

    run_id = finished_run(store, text="requestAnimationFrame loop")
    hit = store.search("requestanimationframe")
    assert [h.kind for h in hit] == ["response", "response"]
    assert hit[0].run_id == run_id and hit[0].model is not None and hit[0].turn_id is not None
    assert store.search("bounces", kinds=["response"]) == []


def test_answers_become_searchable_only_when_final(store: Store) -> None:
    run_id = store.start_run(body="p", models=entries_from_refs(["openai:gpt-4o"]),
                             first_turn="p")
    turn = store.run(run_id).turns[0].id
    store.save_progress(turn, 0, "half written zeppelin")
    assert store.search("zeppelin") == []
    store.save_response(turn, 0, ResponseData(model="openai:gpt-4o", text="final zeppelin"))
    assert len(store.search("zeppelin")) == 1
    store.save_response(turn, 0, ResponseData(model="openai:gpt-4o", text="rewritten airship"))
    assert store.search("zeppelin") == [] and len(store.search("airship")) == 1
    assert store.check_integrity() == []


def test_edits_and_deletions_keep_the_index_in_step(store: Store) -> None:
    c = store.add_collection("C")
    p = store.add_prompt(c.id, "Old title", "old body", tags=["oldtag"])
    store.update_prompt(p.id, title="New title", body="new body", tags=["newtag"])
    assert store.search("old") == [] and store.search("oldtag") == []
    assert [h.prompt_id for h in store.search("newtag")] == [p.id]
    store.delete_prompt(p.id)
    store.purge_trash()
    assert store.search("new") == []
    assert store.check_integrity() == []


HOSTILE = [
    '"', '""', "'", "*", "-", "^", "(", ")", "()", ":", "NEAR(", "a OR", "AND", "NOT x",
    "title:hexagon", '"unterminated', "x*y*", "\x00", "a\x00b", "\u202e\u202d", "🙂", "{{n}}",
    "'; DROP TABLE prompts; --", "%", "_", "\\", "a" * 5000, "NEAR(a b, 2)", "col : x", "+",
    "\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace"), "\t\n ", "",
]


def test_hostile_queries_never_fail_and_never_match_by_syntax(store: Store) -> None:
    c = store.add_collection("C")
    store.add_prompt(c.id, "Hexagon", "A ball in a hexagon OR a square NOT a circle")
    for query in HOSTILE:
        hits = store.search(query)
        assert all(h.title == "Hexagon" for h in hits), query
    # Operators are words, not syntax: "OR" finds the literal word.
    assert len(store.search("hexagon OR")) == 1
    assert store.search("hexagon OR zebra") == []
    assert store.check_integrity() == []


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_any_typed_text_is_a_valid_query(text: str) -> None:
    import sqlite3

    query = parse_query(text)
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(x)")
    conn.execute("INSERT INTO t VALUES ('some words here')")
    if query is not None:
        conn.execute("SELECT rowid FROM t WHERE t MATCH ?", (query.match,)).fetchall()
    conn.close()


def test_one_letter_is_not_a_prefix_search(store: Store) -> None:
    c = store.add_collection("C")
    store.add_prompt(c.id, "Hexagon", "a b c")
    assert parse_query("h") is not None and not parse_query("h").prefix  # type: ignore[union-attr]
    assert store.search("h") == []
    assert len(store.search("b")) == 1  # still found as a whole word


def test_every_prompt_sent_in_a_run_is_searchable_and_names_its_turn(store: Store) -> None:
    run_id = store.start_run(body="Draw a {{shape}}", title="Shapes",
                             models=entries_from_refs(["openai:gpt-4o"]))
    first = store.add_turn(run_id, "Draw a hexagon with bouncing marbles")
    follow = store.add_turn(run_id, "Now make the marbles glow", parent=first)
    hits = store.search("marbles")
    assert [(h.kind, h.turn_id) for h in hits] == [("turn", follow), ("turn", first)]
    assert all(h.run_id == run_id and h.title == "Shapes" for h in hits)
    assert f"{MARK_START}marbles{MARK_END}" in hits[0].snippet
    assert [h.turn_id for h in store.search("glo")] == [follow]  # as you type
    assert store.search("marbles", kinds=["prompt", "response"]) == []
    assert store.check_integrity() == []
    store.delete_run(run_id)
    assert store.search("marbles") == []
    assert store.check_integrity() == []


def test_library_prompts_come_before_sent_prompts_and_sent_prompts_before_answers(
        store: Store) -> None:
    c = store.add_collection("Games")
    prompt = store.add_prompt(c.id, "Pagoda", "A voxel pagoda")
    run_id = finished_run(store, text="a voxel pagoda in three.js", title="Voxels")
    assert [h.kind for h in store.search("pagoda")] == ["prompt", "response", "response"]
    store.add_turn(run_id, "Make the pagoda taller", parent=store.run(run_id).turns[0].id)
    kinds = [(h.kind, h.prompt_id if h.kind == "prompt" else h.run_id)
             for h in store.search("pagoda")]
    assert kinds == [("prompt", prompt.id), ("turn", run_id), ("response", run_id),
                     ("response", run_id)]


def test_the_parsers_list_of_search_kinds_is_the_stores_type() -> None:
    # `search --kind` takes its choices from studio.core.constants, which imports nothing;
    # the type checker knows the kinds from SearchKind.
    assert get_args(SearchKind) == SEARCH_KINDS
