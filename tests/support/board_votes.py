"""Battles with a known answer for the leaderboard report, in LMArena's public format.

Two groups that never met: alpha, beta, gamma (alpha and gamma never met directly) and
delta, epsilon. Every count is known, and so is the second group's fit: for two models the
maximum of the likelihood with the board's ridge prior solves one equation (`two_model_gap`).
The answer shown first is `model_a`; the sides alternate so position bias is known too.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from studio.core.arena_fit import DEFAULT_PRIOR, SCALE

START = 1_719_792_000  # 2024-07-01 00:00 UTC; one battle an hour from there
# (first model, second model, first's wins, second's wins, ties, both bad)
PAIRS = [("alpha", "beta", 30, 10, 2, 2), ("beta", "gamma", 24, 8, 0, 0),
         ("delta", "epsilon", 9, 3, 0, 0)]
ORDER = ["alpha", "beta", "gamma", "delta", "epsilon"]  # board order: groups, then rating


def battle_lines() -> list[dict[str, object]]:
    lines: list[dict[str, object]] = []
    for x, y, x_wins, y_wins, ties, both_bad in PAIRS:
        outcomes = ([x] * x_wins + [y] * y_wins + ["tie"] * ties + ["both_bad"] * both_bad)
        for n, outcome in enumerate(outcomes):
            a, b = (x, y) if n % 2 == 0 else (y, x)
            winner = ("model_a" if outcome == a else "model_b" if outcome == b
                      else outcome)
            lines.append({"id": f"known-{len(lines)}", "model_a": a, "model_b": b,
                          "winner": winner, "tstamp": START + 3600 * len(lines),
                          "language": "English"})
    return lines


def write_battles(path: Path) -> Path:
    path.write_text("".join(json.dumps(line) + "\n" for line in battle_lines()),
                    encoding="utf-8")
    return path


def first_side_wins() -> tuple[int, int]:
    """(battles the answer shown first won, battles with a winner)."""
    lines = battle_lines()
    first = sum(1 for line in lines if line["winner"] == "model_a")
    decisive = sum(1 for line in lines if line["winner"] in ("model_a", "model_b"))
    return first, decisive


def two_model_gap(wins: int, losses: int, ties: int = 0,
                  prior: float = DEFAULT_PRIOR) -> float:
    """Half the rating gap of two models that met only each other, in points: with
    θ = ±t, the penalised likelihood is maximal where n·σ(2t) + λ·t = wins + ties / 2
    (solved here by bisection, independently of the board's optimiser)."""
    n, points = wins + losses + ties, wins + ties / 2

    def excess(t: float) -> float:
        return n / (1 + math.exp(-2 * t)) + prior * t - points

    low, high = -20.0, 20.0
    for _ in range(200):
        middle = (low + high) / 2
        if excess(middle) > 0:
            high = middle
        else:
            low = middle
    return SCALE * (low + high) / 2
