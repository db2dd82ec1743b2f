"""Choosing the next battles for the queue: which two models, on which prompt, in which order.

Each candidate pair gets a priority

    uncertainty(i, j) / sqrt(1 + times i and j met, counting battles already planned)

where the uncertainty is the standard error of their rating difference on the current board
(from the two 95 % intervals), or the prior's spread when either has no rating yet or the
two are in groups that never met. So pairs the board is least sure of come first, pairs that
met less come first among equals, and every planned battle lowers its pair's priority for
the next pick: a long queue spreads over all pairs. The prompt is one this pair has not
been judged on yet, the least used one first; the model shown first (left) is the one that
was shown first less often in this pair. Ties are broken by a random order drawn from
`seed`: the same inputs always give the same queue.
"""

from __future__ import annotations

import math
import random
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from studio.core.arena import Vote, battles
from studio.core.arena_board import Leaderboard
from studio.core.arena_fit import DEFAULT_PRIOR, SCALE, Z95

P = TypeVar("P", bound=Hashable)


@dataclass(frozen=True, slots=True)
class PlannedBattle(Generic[P]):
    prompt: P
    first: str  # contestant shown first (left, label A)
    second: str


def _standard_errors(board: Leaderboard | None) -> tuple[dict[str, float], dict[str, int]]:
    if board is None:
        return {}, {}
    errors = {r.model: (r.ci_high - r.ci_low) / (2 * Z95) for r in board.models}
    return errors, {r.model: r.group for r in board.models}


def plan_battles(prompts: Sequence[P], models: Sequence[str], count: int, *,
                 votes: Sequence[Vote] = (), board: Leaderboard | None = None,
                 seed: int = 0, merge_settings: bool = False,
                 prior: float = DEFAULT_PRIOR) -> list[PlannedBattle[P]]:
    """Up to `count` battles among `models` (contestant names) over `prompts` (any keys, e.g.
    prompt ids; a vote's `prompt_id` is matched against them). `votes` are the battles so
    far; `board` the leaderboard fitted on them (optional: without it every pair is as
    uncertain as the prior says)."""
    names = list(dict.fromkeys(models))
    if len(names) < 2 or not prompts or count < 1:
        return []
    rng = random.Random(seed)
    unknown = SCALE / math.sqrt(prior)  # the prior's spread, in rating points
    errors, groups = _standard_errors(board)
    met: dict[frozenset[str], int] = {}
    on_prompt: dict[tuple[Hashable, frozenset[str]], int] = {}
    shown_first: dict[tuple[str, str], int] = {}
    prompt_use: dict[Hashable, int] = {p: 0 for p in prompts}
    for vote in votes:
        for battle in battles(vote, merge_settings=merge_settings):
            key = frozenset((battle.a, battle.b))
            met[key] = met.get(key, 0) + 1
            shown_first[(battle.a, battle.b)] = shown_first.get((battle.a, battle.b), 0) + 1
            if vote.prompt_id is not None:
                on_prompt[(vote.prompt_id, key)] = on_prompt.get((vote.prompt_id, key), 0) + 1
                if vote.prompt_id in prompt_use:
                    prompt_use[vote.prompt_id] += 1

    def uncertainty(x: str, y: str) -> float:
        if x not in errors or y not in errors or groups[x] != groups[y]:
            return unknown
        return math.hypot(errors[x], errors[y])

    pairs = [(x, y) for i, x in enumerate(names) for y in names[i + 1:]]
    tie_break = {pair: rng.random() for pair in pairs}
    prompt_order = {p: rng.random() for p in prompts}
    base = {pair: uncertainty(*pair) for pair in pairs}
    planned: list[PlannedBattle[P]] = []
    for _ in range(count):
        def priority(pair: tuple[str, str]) -> tuple[float, float]:
            return (base[pair] / math.sqrt(1 + met.get(frozenset(pair), 0)), tie_break[pair])

        x, y = max(pairs, key=priority)
        key = frozenset((x, y))
        prompt = min(prompts, key=lambda p: (on_prompt.get((p, key), 0), prompt_use[p],
                                             prompt_order[p]))
        # The one shown first less often in this pair goes first (a coin decides a tie).
        x_first, y_first = shown_first.get((x, y), 0), shown_first.get((y, x), 0)
        flip = rng.random() < 0.5
        if y_first < x_first or (y_first == x_first and flip):
            x, y = y, x
        planned.append(PlannedBattle(prompt, x, y))
        met[key] = met.get(key, 0) + 1
        on_prompt[(prompt, key)] = on_prompt.get((prompt, key), 0) + 1
        prompt_use[prompt] += 1
        shown_first[(x, y)] = shown_first.get((x, y), 0) + 1
    return planned
