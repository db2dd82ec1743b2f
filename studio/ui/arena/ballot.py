"""What a voter chose, and the vote it makes: pure Python, shared by the workspace's vote bar
and the battle queue.

A `Choice` is what was picked on screen, in shown positions (0 = A, the first answer); a
`Ballot` is the answers it was picked among, in the order they were shown, with the run and
turn they belong to. `Ballot.vote(choice)` is the stored `Vote` (studio.core.arena checks
it; nonsense raises VoteError).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from studio.core.arena import (
    Entry,
    Judged,
    PairWinner,
    Vote,
    VoteError,
    best_vote,
    blind_labels,
    pair_vote,
    ranking_vote,
)
from studio.store.models import Response
from studio.store.votes import entry_from_response

ChoiceKind = Literal["pair", "best", "ranking"]

PAIR_TEXT: dict[PairWinner, str] = {"a": "A is better", "b": "B is better", "tie": "a tie",
                                    "both_bad": "both are bad"}


@dataclass(frozen=True, slots=True)
class Choice:
    """What was picked: a verdict on two answers, the best of several, or a ranking (from
    best to worst; a group shares its place). Answers are counted as the ballot lists them
    (0 = the first shown), whatever their shown positions."""

    kind: ChoiceKind
    winner: PairWinner | None = None
    best: int | None = None
    ranking: tuple[tuple[int, ...], ...] = ()

    @classmethod
    def pair(cls, winner: PairWinner) -> Choice:
        return cls("pair", winner=winner)

    @classmethod
    def best_of(cls, position: int) -> Choice:
        return cls("best", best=position)

    @classmethod
    def ranked(cls, ranking: Sequence[Sequence[int]]) -> Choice:
        return cls("ranking", ranking=tuple(tuple(group) for group in ranking))

    def describe(self, labels: Sequence[str]) -> str:
        """In words, with the labels shown: "A is better", "C is the best", "C > A = B"."""
        if self.kind == "pair" and self.winner is not None:
            return PAIR_TEXT[self.winner]
        if self.kind == "best" and self.best is not None:
            return f"{labels[self.best]} is the best"
        return " > ".join(" = ".join(labels[p] for p in group) for group in self.ranking)


@dataclass(frozen=True, slots=True)
class Ballot:
    """The answers one vote is cast among, in shown order (`positions[i]` is the shown
    position of `responses[i]`), and what they are: the same run's turn, or answers to
    one prompt gathered from several runs (`run_id`/`turn_id` None)."""

    responses: tuple[Response, ...]
    positions: tuple[int, ...]
    judged: Judged = "answers"
    run_id: int | None = None
    turn_id: int | None = None
    prompt_id: int | None = None
    labels: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if len(self.responses) != len(self.positions):
            raise VoteError("one shown position per answer")
        if not self.labels:
            every = blind_labels(max(self.positions, default=-1) + 1)
            object.__setattr__(self, "labels", tuple(every[p] for p in self.positions))

    def label_at(self, position: int) -> str:
        return self.labels[self.positions.index(position)]

    def entries(self) -> list[Entry]:
        entries = [entry_from_response(r, p, judged=self.judged)
                   for r, p in zip(self.responses, self.positions, strict=True)]
        if self.run_id is None:
            # Answers from several runs: a slot number would point into the wrong run.
            entries = [replace(e, slot=None, attempt=None) for e in entries]
        return entries

    def describe(self, choice: Choice) -> str:
        return choice.describe(self.labels)

    def vote(self, choice: Choice, **meta: object) -> Vote:
        """The vote `choice` makes; `meta` adds voter fields (a judge's) to the links."""
        links = {"run_id": self.run_id, "turn_id": self.turn_id, "prompt_id": self.prompt_id,
                 "judged": self.judged, **meta}
        entries = self.entries()
        at = self.positions
        try:
            if choice.kind == "pair":
                if len(entries) != 2 or choice.winner is None:
                    raise VoteError("A/B/tie/both bad is a verdict on two answers")
                return pair_vote(entries[0], entries[1], choice.winner, **links)
            if choice.kind == "best":
                if choice.best is None:
                    raise VoteError("no answer was picked as the best")
                return best_vote(entries, at[choice.best], **links)
            return ranking_vote(entries, [[at[i] for i in group] for group in choice.ranking],
                                **links)
        except IndexError:
            raise VoteError("the choice names an answer that is not on the ballot") from None

    def choice_of(self, vote: Vote) -> Choice | None:
        """The choice a stored vote on these answers records; None if it is on others."""
        index = {p: i for i, p in enumerate(self.positions)}
        shown = {(e.position, e.slot, e.attempt) for e in self.entries()}
        if {(e.position, e.slot, e.attempt) for e in vote.entries} != shown:
            return None
        if vote.verdict in ("a", "b", "tie", "both_bad"):
            return Choice.pair(vote.verdict)
        if vote.verdict == "best":
            return Choice.best_of(index[next(e.position for e in vote.entries
                                             if e.place == 1)])
        places = sorted({e.place or 0 for e in vote.entries})
        return Choice.ranked([[index[e.position] for e in vote.entries
                               if (e.place or 0) == place] for place in places])
