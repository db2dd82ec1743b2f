"""The leaderboard: ratings with 95 % intervals and rank ranges, counts, the pairwise table,
position bias, disconnected groups and (optionally) style control, from a list of votes.

    board = leaderboard(votes, BoardOptions(style_control=True))
    for row in board.models: row.model, row.rating, row.ci_low, row.ci_high, row.rank_range

Ratings are comparable only inside a group of contestants linked by battles; `groups`
lists them, and each group's ratings average 1000 (see `arena_fit`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from studio.core.arena import Battle, Vote, all_battles
from studio.core.arena_fit import (
    DEFAULT_PRIOR,
    SCALE,
    Z95,
    BattleData,
    FloatArray,
    IntArray,
    bootstrap,
    centred_ratings,
    components,
    core_members,
    fit,
    model_covariance,
    rating_contrasts,
    sandwich_covariance,
)

Interval = Literal["sandwich", "bootstrap"]
STYLE_FEATURES = ("answer_length", "code_length")


@dataclass(frozen=True, slots=True)
class BoardOptions:
    style_control: bool = False
    interval: Interval = "sandwich"
    rounds: int = 200  # bootstrap rounds
    seed: int = 0  # bootstrap resampling
    prior: float = DEFAULT_PRIOR
    merge_settings: bool = False  # one row per model, whatever its settings


@dataclass(frozen=True, slots=True)
class ModelRow:
    model: str
    rating: float
    ci_low: float
    ci_high: float
    rank: int  # 1 + the models whose interval lies wholly above this one's (LMArena's rank)
    rank_range: tuple[int, int]  # best and worst rank the intervals allow
    battles: int
    wins: int
    losses: int
    ties: int  # ties and "both bad" together
    both_bad: int
    group: int  # index into Leaderboard.groups
    separated: bool  # won (or lost) every battle against part of its group: rests on the prior


@dataclass(frozen=True, slots=True)
class PairRow:
    a: str  # the higher-rated of the two
    b: str
    battles: int
    a_wins: int
    b_wins: int
    ties: int  # ties and both bad
    predicted: float | None  # P(a beats b) from the fit; None across groups

    @property
    def win_fraction(self) -> float | None:
        """a's share of the decisive battles (ties left out, as LMArena's heat map does)."""
        decisive = self.a_wins + self.b_wins
        return self.a_wins / decisive if decisive else None


@dataclass(frozen=True, slots=True)
class PositionBias:
    """How often the answer shown first (left) won, among battles that had a winner."""

    decisive: int
    first_wins: int
    ties: int
    rate: float | None
    ci_low: float | None  # Wilson 95 % interval
    ci_high: float | None


@dataclass(frozen=True, slots=True)
class StyleEffect:
    """A style covariate's effect in logits per root-mean-square normalised difference
    (length difference over total length), and in rating points."""

    feature: str
    coef: float
    ci_low: float
    ci_high: float

    @property
    def points(self) -> float:
        return SCALE * self.coef


@dataclass(frozen=True, slots=True)
class Leaderboard:
    battles: int
    votes: int
    models: tuple[ModelRow, ...]  # highest rating first
    groups: tuple[tuple[str, ...], ...]  # contestants linked by battles, largest group first
    pairs: tuple[PairRow, ...]
    position_bias: PositionBias
    style: tuple[StyleEffect, ...] = ()
    interval: Interval = "sandwich"
    converged: bool = True
    notes: tuple[str, ...] = field(default=())

    def row(self, model: str) -> ModelRow:
        for row in self.models:
            if row.model == model:
                return row
        raise KeyError(model)

    def pair(self, x: str, y: str) -> PairRow | None:
        for p in self.pairs:
            if {p.a, p.b} == {x, y}:
                return p
        return None

    def win_matrix(self) -> list[list[float | None]]:
        """matrix[i][j]: how often models[i] beat models[j] in their decisive battles."""
        names = [r.model for r in self.models]
        out: list[list[float | None]] = [[None] * len(names) for _ in names]
        index = {n: i for i, n in enumerate(names)}
        for p in self.pairs:
            fraction = p.win_fraction
            if fraction is not None:
                out[index[p.a]][index[p.b]] = fraction
                out[index[p.b]][index[p.a]] = 1.0 - fraction
        return out

    def to_json(self) -> dict[str, Any]:
        def num(x: float | None) -> float | None:
            return None if x is None else round(x, 3)

        bias = self.position_bias
        return {
            "battles": self.battles,
            "votes": self.votes,
            "interval": self.interval,
            "models": [{
                "model": r.model, "rating": num(r.rating), "ci_low": num(r.ci_low),
                "ci_high": num(r.ci_high), "battles": r.battles, "wins": r.wins,
                "losses": r.losses, "ties": r.ties, "both_bad": r.both_bad, "rank": r.rank,
                "rank_range": list(r.rank_range), "group": r.group, "separated": r.separated,
            } for r in self.models],
            "groups": [list(g) for g in self.groups],
            "pairs": [{"model_a": p.a, "model_b": p.b, "battles": p.battles,
                       "a_wins": p.a_wins, "b_wins": p.b_wins, "ties": p.ties,
                       "win_fraction": num(p.win_fraction), "predicted": num(p.predicted)}
                      for p in self.pairs],
            "position_bias": {"decisive": bias.decisive, "first_wins": bias.first_wins,
                              "ties": bias.ties, "rate": num(bias.rate),
                              "ci_low": num(bias.ci_low), "ci_high": num(bias.ci_high)},
            "style": [{"feature": s.feature, "coef": num(s.coef), "ci_low": num(s.ci_low),
                       "ci_high": num(s.ci_high), "points": num(s.points)} for s in self.style],
            "converged": self.converged,
            "notes": list(self.notes),
        }


def wilson(successes: int, n: int) -> tuple[float, float]:
    """Wilson score 95 % interval of a proportion."""
    p, z2 = successes / n, Z95 * Z95
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def position_bias(fought: Sequence[Battle]) -> PositionBias:
    first = sum(1 for b in fought if b.outcome == "a")
    second = sum(1 for b in fought if b.outcome == "b")
    decisive = first + second
    if not decisive:
        return PositionBias(0, 0, len(fought), None, None, None)
    low, high = wilson(first, decisive)
    return PositionBias(decisive, first, len(fought) - decisive, first / decisive, low, high)


def _normalised_difference(x: int | None, y: int | None) -> float | None:
    if x is None or y is None:
        return None
    return (x - y) / (x + y + 1)


def _style_columns(fought: Sequence[Battle]) -> tuple[list[str], list[list[float]]]:
    """LMArena's style features: (a − b) / (a + b + 1) per covariate, divided by its root mean
    square. A battle without the lengths (an imported one) gets 0, "no difference", and a
    covariate no battle has is left out."""
    raw = [[_normalised_difference(b.entry_a.answer_chars, b.entry_b.answer_chars),
            _normalised_difference(b.entry_a.code_chars, b.entry_b.code_chars)]
           for b in fought]
    names: list[str] = []
    columns: list[list[float]] = []
    for s, feature in enumerate(STYLE_FEATURES):
        known = [v for row in raw if (v := row[s]) is not None]
        rms = math.sqrt(sum(v * v for v in known) / len(known)) if known else 0.0
        if rms > 0:
            names.append(feature)
            columns.append([(row[s] or 0.0) / rms for row in raw])
    return names, [list(r) for r in zip(*columns, strict=True)] if columns else [
        [] for _ in fought]


def _ranks(low: FloatArray, high: FloatArray, groups: IntArray
           ) -> list[tuple[int, int, int]]:
    out = []
    for k in range(len(low)):
        peers = np.flatnonzero(groups == groups[k])
        above = int(np.sum(low[peers] > high[k]))
        below = int(np.sum(high[peers] < low[k]))
        out.append((1 + above, 1 + above, len(peers) - below))
    return out


def leaderboard(votes: Sequence[Vote], options: BoardOptions | None = None) -> Leaderboard:
    options = options or BoardOptions()
    fought = all_battles(votes, merge_settings=options.merge_settings)
    if not fought:
        return Leaderboard(0, len(votes), (), (), (), position_bias(fought),
                           interval=options.interval)
    names = sorted({b.a for b in fought} | {b.b for b in fought})
    index = {n: i for i, n in enumerate(names)}
    keys = {k: i for i, k in enumerate(sorted({b.vote for b in fought}))}
    style_names, style = _style_columns(fought) if options.style_control else ([], None)
    data = BattleData.build(len(names), [index[b.a] for b in fought],
                            [index[b.b] for b in fought], [b.score_a for b in fought],
                            [keys[b.vote] for b in fought], style)
    each = data.battles
    weak = components(len(names), each.a, each.b)
    strong = components(len(names), each.a, each.b, strong=True, y=each.y)
    played = np.bincount(each.a, minlength=len(names)) + np.bincount(each.b,
                                                                     minlength=len(names))
    core = core_members(weak, strong, played)
    result = fit(data, prior=options.prior)
    ratings = centred_ratings(result.theta, weak)
    # Intervals measure each contestant against the core of its group. The ratings average
    # 1000 over everyone, but a contestant held only by the prior (one battle, lost) would
    # make that average — and so every interval — as vague as the prior itself.
    contrasts = rating_contrasts(weak, data.n_params, core)
    k = len(names)
    if options.interval == "bootstrap":
        draws = bootstrap(data, result, rounds=options.rounds, seed=options.seed,
                          prior=options.prior)
        shift = ratings - SCALE * (contrasts @ result.params)
        rated = shift + SCALE * draws @ contrasts.T  # each round's ratings
        low = np.percentile(rated, 2.5, axis=0)
        high = np.percentile(rated, 97.5, axis=0)
        gamma_low = np.percentile(draws[:, k:], 2.5, axis=0)
        gamma_high = np.percentile(draws[:, k:], 97.5, axis=0)
    else:
        robust, based = sandwich_covariance(result, data), model_covariance(result)
        # The robust (sandwich) variance, but never below the model-based one: with few
        # battles, or a contestant that won them all, the sandwich alone can be far too small.
        var = np.maximum(np.einsum("ij,jk,ik->i", contrasts, robust, contrasts),
                         np.einsum("ij,jk,ik->i", contrasts, based, contrasts))
        half = Z95 * SCALE * np.sqrt(var)
        low, high = ratings - half, ratings + half
        gvar = np.maximum(np.diag(robust), np.diag(based))[k:]
        gamma_low = result.gamma - Z95 * np.sqrt(gvar)
        gamma_high = result.gamma + Z95 * np.sqrt(gvar)
    return _assemble(fought, len(votes), names, ratings, low, high, weak, ~core, result.theta,
                     options, result.converged,
                     tuple(StyleEffect(n, float(result.gamma[s]), float(gamma_low[s]),
                                       float(gamma_high[s]))
                           for s, n in enumerate(style_names)))


def _assemble(fought: Sequence[Battle], n_votes: int, names: list[str], ratings: FloatArray,
              low: FloatArray, high: FloatArray, weak: IntArray,
              separated: NDArray[np.bool_], theta: FloatArray,
              options: BoardOptions, converged: bool,
              style: tuple[StyleEffect, ...]) -> Leaderboard:
    k = len(names)
    index = {n: i for i, n in enumerate(names)}
    counts = {n: [0, 0, 0, 0, 0] for n in names}  # battles, wins, losses, ties, both bad
    pair_counts: dict[tuple[str, str], list[int]] = {}
    for b in fought:
        for side, won in ((b.a, "a"), (b.b, "b")):
            c = counts[side]
            c[0] += 1
            if b.outcome == won:
                c[1] += 1
            elif b.outcome in ("a", "b"):
                c[2] += 1
            else:
                c[3] += 1
                c[4] += int(b.outcome == "both_bad")
        key = (b.a, b.b) if b.a < b.b else (b.b, b.a)
        pc = pair_counts.setdefault(key, [0, 0, 0, 0])  # battles, key[0] wins, key[1], ties
        pc[0] += 1
        winner = b.a if b.outcome == "a" else b.b if b.outcome == "b" else None
        if winner is None:
            pc[3] += 1
        else:
            pc[1 if winner == key[0] else 2] += 1
    order = sorted(range(k), key=lambda i: (-ratings[i], names[i]))
    position = {names[i]: p for p, i in enumerate(order)}
    # Groups: the one with the most battles first; the rows carry its index.
    sizes: dict[int, int] = {}
    for b in fought:
        g = int(weak[index[b.a]])
        sizes[g] = sizes.get(g, 0) + 1
    group_order = sorted(sizes, key=lambda g: (-sizes[g], min(
        position[names[i]] for i in range(k) if weak[i] == g)))
    group_index = {g: n for n, g in enumerate(group_order)}
    groups = tuple(tuple(names[i] for i in order if weak[i] == g) for g in group_order)
    ranks = _ranks(low, high, weak)
    rows = []
    for i in order:
        n, wins, losses, ties, both_bad = counts[names[i]]
        rows.append(ModelRow(
            names[i], float(ratings[i]), float(low[i]), float(high[i]), ranks[i][0],
            (ranks[i][1], ranks[i][2]), n, wins, losses, ties, both_bad,
            group_index[int(weak[i])], bool(separated[i])))
    pairs = []
    for (x, y), (n, x_wins, y_wins, ties) in pair_counts.items():
        if position[y] < position[x]:
            x, y, x_wins, y_wins = y, x, y_wins, x_wins
        same = weak[index[x]] == weak[index[y]]
        diff = float(theta[index[x]] - theta[index[y]])
        pairs.append(PairRow(x, y, n, x_wins, y_wins, ties,
                             1.0 / (1.0 + math.exp(-diff)) if same else None))
    pairs.sort(key=lambda p: (position[p.a], position[p.b]))
    notes = []
    if len(groups) > 1:
        notes.append(f"{len(groups)} groups of models never met each other: ratings are "
                     "comparable only inside a group")
    if any(separated):
        notes.append("some models won (or lost) every battle against part of their group: "
                     "their ratings rest on the prior and are marked")
    if not converged:
        notes.append("the fit did not converge: treat the ratings with care")
    return Leaderboard(len(fought), n_votes, tuple(rows), groups, tuple(pairs),
                       position_bias(fought), style, options.interval, converged, tuple(notes))
