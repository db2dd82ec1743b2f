"""Votes → battles, checks on votes, contestant names, blind order, and judge agreement."""

from __future__ import annotations

import pytest

from studio.core.arena import (
    BlindSlate,
    Entry,
    Vote,
    VoteError,
    battles,
    best_vote,
    blind_labels,
    check_vote,
    contestant,
    pair_vote,
    ranking_vote,
    shuffle_slate,
)
from studio.core.arena_agreement import judge_agreement


def four() -> list[Entry]:
    return [Entry(i, m, slot=s) for i, (m, s) in enumerate(
        [("p:w", 2), ("p:x", 0), ("p:y", 3), ("p:z", 1)])]


def outcomes(vote: Vote) -> list[tuple[str, str, str]]:
    return [(b.a, b.b, b.outcome) for b in battles(vote)]


@pytest.mark.parametrize("winner", ["a", "b", "tie", "both_bad"])
def test_a_vote_on_two_answers_is_one_battle(winner: str) -> None:
    vote = pair_vote(Entry(0, "p:x"), Entry(1, "p:y"), winner)  # type: ignore[arg-type]
    [battle] = battles(vote)
    assert (battle.a, battle.b, battle.outcome) == ("p:x", "p:y", winner)
    assert battle.score_a == {"a": 1.0, "b": 0.0}.get(winner, 0.5)
    assert battle.vote == vote.key


def test_pair_vote_orders_its_answers_by_shown_position() -> None:
    vote = pair_vote(Entry(1, "p:y"), Entry(0, "p:x"), "a")
    assert outcomes(vote) == [("p:x", "p:y", "a")]


def test_picking_the_best_of_four_implies_three_battles() -> None:
    vote = best_vote(four(), best_position=2)
    assert outcomes(vote) == [("p:w", "p:y", "b"), ("p:x", "p:y", "b"), ("p:y", "p:z", "a")]
    assert [e.place for e in vote.entries] == [None, None, 1, None]


def test_a_full_ranking_implies_every_pair_with_its_ties() -> None:
    # Positions best to worst: 3 first, then 0 and 2 tied, then 1.
    vote = ranking_vote(four(), [3, [0, 2], 1])
    assert outcomes(vote) == [
        ("p:w", "p:x", "a"), ("p:w", "p:y", "tie"), ("p:w", "p:z", "b"),
        ("p:x", "p:y", "b"), ("p:x", "p:z", "b"), ("p:y", "p:z", "b")]
    assert [e.place for e in vote.entries] == [2, 3, 2, 1]


def test_the_same_contestant_on_both_sides_is_no_battle() -> None:
    vote = ranking_vote([Entry(0, "p:x"), Entry(1, "p:x", {"seed": 2}), Entry(2, "p:y")],
                        [0, 1, 2])
    assert outcomes(vote) == [("p:x", "p:y", "a"), ("p:x", "p:y", "a")]
    hot = pair_vote(Entry(0, "p:x", {"temperature": 0.2}),
                    Entry(1, "p:x", {"temperature": 0.9}), "b")
    assert outcomes(hot) == [("p:x (T 0.2)", "p:x (T 0.9)", "b")]
    assert battles(hot, merge_settings=True) == []


def test_contestant_names_carry_the_settings_that_matter() -> None:
    assert contestant("p:m") == contestant("p:m", {}) == contestant("p:m", {"seed": 4}) == "p:m"
    assert contestant("p:m", {"temperature": 0.9, "max_tokens": 500, "reasoning": "high",
                              "system_override": "be brief"}) == (
        "p:m (T 0.9, max 500, reasoning high, own system prompt)")


@pytest.mark.parametrize(("build", "message"), [
    (lambda: pair_vote(Entry(0, "p:x"), Entry(0, "p:y"), "a"), "each position once"),
    (lambda: Vote("a", (Entry(0, "p:x"), Entry(1, "p:y"), Entry(2, "p:z"))), "two answers"),
    (lambda: Vote("a", (Entry(0, "p:x"),)), "at least two"),
    (lambda: best_vote(four(), best_position=9), "no answer is shown at position 9"),
    (lambda: ranking_vote(four(), [0, 1, 2]), "every answer"),
    (lambda: ranking_vote(four(), [0, 1, 2, 2]), "ranked twice"),
    (lambda: Vote("ranking", tuple(four())), "place"),
    (lambda: pair_vote(Entry(0, " "), Entry(1, "p:y"), "a"), "its model"),
    (lambda: pair_vote(Entry(0, "p:x"), Entry(1, "p:y"), "a", voter_kind="judge"),
     "judge model"),
    (lambda: pair_vote(Entry(0, "p:x"), Entry(1, "p:y"), "a", judged="screens"),
     "answers or pages"),
])
def test_nonsense_votes_are_refused_with_a_reason(build: object, message: str) -> None:
    with pytest.raises(VoteError, match=message):
        check_vote(build())  # type: ignore[operator]


def test_blind_labels_and_a_repeatable_shuffle() -> None:
    assert blind_labels(3) == ["A", "B", "C"]
    assert blind_labels(28)[25:] == ["Z", "AA", "AB"]
    slate = shuffle_slate([0, 1, 2, 3], seed=7, key="run 5 / turn 9")
    assert slate == shuffle_slate([0, 1, 2, 3], seed=7, key="run 5 / turn 9")
    assert sorted(slate.order) == [0, 1, 2, 3]
    orders = {shuffle_slate([0, 1, 2, 3], seed=7, key=k).order for k in range(40)}
    assert len(orders) > 10  # shuffled per prompt, not one fixed order
    slot = slate.slot_at(0)
    assert slate.position_of(slot) == 0 and slate.label_of(slot) == "A"
    assert BlindSlate((2, 0, 1)).label_of(1) == "C"


# -------------------------------------------------------------------------------- agreement


def _on(turn: int, first: tuple[int, str], second: tuple[int, str], winner: str,
        judge: str | None = None, when: float = 1.0) -> Vote:
    meta: dict[str, object] = {"turn_id": turn, "created_at": when}
    if judge:
        meta |= {"voter_kind": "judge", "voter": judge}
    return pair_vote(Entry(0, first[1], slot=first[0]), Entry(1, second[1], slot=second[0]),
                     winner, **meta)  # type: ignore[arg-type]


def test_agreement_matches_pairs_whatever_order_they_were_shown_in() -> None:
    x, y, z = (0, "p:x"), (1, "p:y"), (2, "p:z")
    mine = [_on(1, x, y, "a"), _on(2, x, y, "b"), _on(3, y, z, "tie"), _on(4, x, z, "a"),
            _on(5, x, y, "a")]
    judge = "p:judge"
    theirs = [_on(1, y, x, "b", judge),  # same verdict, shown the other way round
              _on(2, x, y, "a", judge),  # disagrees
              _on(3, z, y, "both_bad", judge),  # no winner either: agrees
              _on(4, x, z, "a", judge, when=1.0), _on(4, x, z, "b", judge, when=2.0),  # latest
              _on(9, x, y, "a", judge)]  # a pair you did not judge
    [found] = judge_agreement(mine + theirs)
    assert (found.judge, found.pairs, found.agreed) == (judge, 4, 2)
    assert found.rate == 0.5
    assert (found.decisive, found.decisive_agreed) == (3, 1)
    # Cohen's kappa by hand: outcomes (low, high, draw): you (low, high, draw, low),
    # judge (low, low, draw, high): p_o = 2/4; p_e = (2/4)(2/4) + (1/4)(1/4) + (1/4)(1/4).
    expected = (0.5 - 0.375) / (1 - 0.375)
    assert found.kappa == pytest.approx(expected)


def test_agreement_needs_the_same_turn_and_slots() -> None:
    mine = [pair_vote(Entry(0, "p:x"), Entry(1, "p:y"), "a")]  # imported: no turn, no slots
    theirs = [pair_vote(Entry(0, "p:x"), Entry(1, "p:y"), "a", voter_kind="judge",
                        voter="p:j")]
    assert judge_agreement(mine + theirs) == []


def test_answers_from_several_runs_agree_on_the_same_prompt_and_contestants() -> None:
    # The battle queue showed a saved answer beside a new one: no turn, the prompt named.
    def on(prompt: int, first: str, second: str, winner: str, **meta: object) -> Vote:
        return pair_vote(Entry(0, first), Entry(1, second), winner, prompt_id=prompt,
                         **meta)  # type: ignore[arg-type]

    judge = {"voter_kind": "judge", "voter": "p:j"}
    mine = [on(7, "p:x", "p:y", "a"), on(8, "p:x", "p:y", "b"), on(9, "p:y", "p:z", "a")]
    theirs = [on(7, "p:y", "p:x", "b", **judge),  # x won, shown the other way round
              on(8, "p:x", "p:y", "a", **judge),  # disagrees
              on(9, "p:y", "p:x", "a", **judge)]  # another pair on that prompt
    [found] = judge_agreement(mine + theirs)
    assert (found.pairs, found.agreed) == (2, 1)
