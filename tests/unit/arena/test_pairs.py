"""Pair selection for the battle queue: balanced, uncertainty-first, repeatable."""

from __future__ import annotations

from collections import Counter

from studio.core.arena import Entry, pair_vote
from studio.core.arena_board import leaderboard
from studio.core.arena_pairs import plan_battles

from .sim import simulate

MODELS = ["p:a", "p:b", "p:c", "p:d"]


def test_without_votes_every_pair_meets_equally_often() -> None:
    plan = plan_battles([1, 2, 3], MODELS, 12, seed=1)
    pairs = Counter(frozenset((p.first, p.second)) for p in plan)
    assert len(pairs) == 6 and set(pairs.values()) == {2}
    # Each pair gets two different prompts, and the prompts are used evenly.
    for pair in pairs:
        assert len({p.prompt for p in plan if frozenset((p.first, p.second)) == pair}) == 2
    assert set(Counter(p.prompt for p in plan).values()) == {4}
    # And each model of a pair is shown first once.
    for pair in pairs:
        firsts = [p.first for p in plan if frozenset((p.first, p.second)) == pair]
        assert len(set(firsts)) == 2


def test_the_same_inputs_give_the_same_queue_and_the_seed_changes_it() -> None:
    votes = simulate({m: 0.0 for m in MODELS}, 40, seed=2)
    board = leaderboard(votes)
    first = plan_battles(list(range(5)), MODELS, 10, votes=votes, board=board, seed=3)
    assert first == plan_battles(list(range(5)), MODELS, 10, votes=votes, board=board, seed=3)
    others = {tuple(plan_battles(list(range(5)), MODELS, 10, seed=s)) for s in range(6)}
    assert len(others) > 1


def test_pairs_the_board_is_least_sure_of_come_first() -> None:
    # a, b, c met a lot; d met only c, once.
    votes = simulate({"p:a": 0.2, "p:b": 0.0, "p:c": -0.2}, 600, seed=4)
    votes.append(pair_vote(Entry(0, "p:d"), Entry(1, "p:c"), "tie"))
    board = leaderboard(votes)
    plan = plan_battles([1], MODELS, 4, votes=votes, board=board, seed=0)
    assert all("p:d" in (p.first, p.second) for p in plan)
    # First the two pairs that never met; c, which d met once, comes after them.
    assert {frozenset((p.first, p.second)) for p in plan[:2]} == {
        frozenset(("p:d", "p:a")), frozenset(("p:d", "p:b"))}


def test_a_model_new_to_the_board_is_brought_in() -> None:
    votes = simulate({"p:a": 0.2, "p:b": 0.0, "p:c": -0.2}, 300, seed=5)
    plan = plan_battles(["q"], MODELS, 3, votes=votes, board=leaderboard(votes), seed=0)
    assert all("p:d" in (p.first, p.second) for p in plan)


def test_nothing_to_plan() -> None:
    assert plan_battles([1], ["p:a"], 5) == []
    assert plan_battles([], MODELS, 5) == []
    assert plan_battles([1], MODELS, 0) == []
