"""Votes with a known answer: simulated from chosen strengths, or written by hand."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

from studio.core.arena import Entry, PairWinner, Vote, pair_vote
from studio.core.arena_fit import SCALE


def pair(a: str, b: str, winner: PairWinner, **meta: object) -> Vote:
    return pair_vote(Entry(0, a), Entry(1, b), winner, **meta)  # type: ignore[arg-type]


def repeat(a: str, b: str, wins: int, losses: int, ties: int = 0) -> list[Vote]:
    """`wins` battles a won, `losses` b won, `ties` tied; a always shown first."""
    return ([pair(a, b, "a") for _ in range(wins)] + [pair(a, b, "b") for _ in range(losses)]
            + [pair(a, b, "tie") for _ in range(ties)])


def simulate(strengths: dict[str, float], battles: int, *, seed: int, tie_rate: float = 0.0,
             schedule: Sequence[tuple[str, str]] | None = None,
             first_bonus: float = 0.0) -> list[Vote]:
    """Battles under the Bradley–Terry model with the given strengths (logits). A share
    `tie_rate` of battles are ties; `first_bonus` (logits) favours the answer shown first.
    Pairs are drawn uniformly, or in turn from `schedule`."""
    rng = random.Random(seed)
    names = sorted(strengths)
    votes = []
    for i in range(battles):
        if schedule is not None:
            a, b = schedule[i % len(schedule)]
            if rng.random() < 0.5:
                a, b = b, a
        else:
            a, b = rng.sample(names, 2)
        if rng.random() < tie_rate:
            votes.append(pair(a, b, "tie"))
            continue
        p = 1.0 / (1.0 + math.exp(-(strengths[a] - strengths[b] + first_bonus)))
        votes.append(pair(a, b, "a" if rng.random() < p else "b"))
    return votes


def true_ratings(strengths: dict[str, float]) -> dict[str, float]:
    """The generating strengths on the board's scale: mean 1000, 400 / ln 10 per logit."""
    mean = sum(strengths.values()) / len(strengths)
    return {m: 1000.0 + SCALE * (s - mean) for m, s in strengths.items()}
