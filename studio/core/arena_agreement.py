"""How often a judge model agreed with you on the same pairs.

Two votes are on the same pair when they judged the same turn's answers of the same two
slots (and attempts), on the same thing (answers or pages). A vote on answers gathered from
several runs (the battle queue shows a saved answer beside a new one) names no turn: it is
on the same pair as another such vote on the same prompt, the same two contestants, the
same thing. Each pair's verdict is read
as one of three outcomes — the lower slot won, the higher slot won, or no winner (tie or
both bad) — whatever order the answers were shown in; a vote on several answers gives a
verdict for each pair it implies. When a voter judged a pair more than once, the latest
verdict counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from studio.core.arena import Battle, Vote, battles

Side = tuple[int | str, int | None]  # (slot, attempt), or (contestant, None)
PairKey = tuple[str, int, str, Side, Side]  # ("turn" | "prompt", its id, judged, low, high)


@dataclass(frozen=True, slots=True)
class Agreement:
    judge: str  # the judge model
    pairs: int  # pairs both you and the judge decided
    agreed: int
    decisive: int  # pairs where both of you named a winner
    decisive_agreed: int
    kappa: float | None  # Cohen's kappa over the three outcomes; None when undefined

    @property
    def rate(self) -> float | None:
        return self.agreed / self.pairs if self.pairs else None

    @property
    def decisive_rate(self) -> float | None:
        return self.decisive_agreed / self.decisive if self.decisive else None


def _verdicts(votes: Sequence[Vote]) -> dict[PairKey, str]:
    """Latest outcome per pair: "low" (the lower slot won), "high", or "draw"."""
    found: dict[PairKey, tuple[float, str]] = {}
    for vote in votes:
        for battle in battles(vote):
            key, outcome = _pair(vote, battle)
            if key is None:
                continue
            if key not in found or found[key][0] <= vote.created_at:
                found[key] = (vote.created_at, outcome)
    return {k: v[1] for k, v in found.items()}


def _pair(vote: Vote, battle: Battle) -> tuple[PairKey | None, str]:
    x, y = battle.entry_a, battle.entry_b
    sx: Side
    sy: Side
    if x.slot is not None and y.slot is not None and vote.turn_id is not None:
        where, ident = "turn", vote.turn_id
        sx, sy = (x.slot, x.attempt), (y.slot, y.attempt)
        low_first = x.slot < y.slot
    elif vote.turn_id is None and vote.prompt_id is not None:
        where, ident = "prompt", vote.prompt_id
        sx, sy = (battle.a, None), (battle.b, None)
        low_first = battle.a < battle.b
    else:
        return None, ""
    key: PairKey = (where, ident, vote.judged, *((sx, sy) if low_first else (sy, sx)))
    if battle.outcome in ("tie", "both_bad"):
        return key, "draw"
    first_won = battle.outcome == "a"
    return key, "low" if first_won == low_first else "high"


def judge_agreement(votes: Sequence[Vote]) -> list[Agreement]:
    """One entry per judge model that voted on pairs you voted on too, by judge name."""
    mine = _verdicts([v for v in votes if v.voter_kind == "user"])
    judges = sorted({v.voter for v in votes if v.voter_kind == "judge"})
    out = []
    for judge in judges:
        theirs = _verdicts([v for v in votes if v.voter_kind == "judge" and v.voter == judge])
        shared = sorted(set(mine) & set(theirs))
        if not shared:
            continue
        agreed = sum(mine[k] == theirs[k] for k in shared)
        decisive = [k for k in shared if "draw" not in (mine[k], theirs[k])]
        out.append(Agreement(judge, len(shared), agreed, len(decisive),
                             sum(mine[k] == theirs[k] for k in decisive),
                             _kappa([mine[k] for k in shared], [theirs[k] for k in shared])))
    return out


def _kappa(x: list[str], y: list[str]) -> float | None:
    n = len(x)
    observed = sum(a == b for a, b in zip(x, y, strict=True)) / n
    expected = sum((x.count(c) / n) * (y.count(c) / n) for c in ("low", "high", "draw"))
    if expected >= 1.0:
        return None
    return (observed - expected) / (1.0 - expected)
