"""Blind votes and the pairwise battles they imply; blind labels and the shown order.

A *vote* is one judgement of the answers (or pages) shown for one prompt: for two of them
A better / B better / tie / both bad; for more, the best one, or a full ranking. The
leaderboard is fitted on *battles*, the pairs a vote implies:

- two answers: one battle with its outcome;
- "pick the best" of n: the best beats each of the n − 1 others (nothing is said about the
  others among themselves);
- a ranking of n (places 1, 2, …; equal places are ties): all n (n − 1) / 2 pairs.

A battle's side `a` is always the answer shown first (further left / higher up), so
position bias can be read straight from the battles. Both sides of a battle being the same
contestant (the same model with the same settings) says nothing about strength: such
pairs are dropped.

Pure Python: the window, the store and the CLI share these types. The fit lives in
`arena_fit`, the table in `arena_board`, pair selection in `arena_pairs`, the judge model
in `arena_judge`.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

PairWinner = Literal["a", "b", "tie", "both_bad"]
Verdict = Literal["a", "b", "tie", "both_bad", "best", "ranking"]
Judged = Literal["answers", "pages"]
VoterKind = Literal["user", "judge"]
Outcome = Literal["a", "b", "tie", "both_bad"]

PAIR_WINNERS: tuple[PairWinner, ...] = ("a", "b", "tie", "both_bad")
VERDICTS: tuple[Verdict, ...] = ("a", "b", "tie", "both_bad", "best", "ranking")
JUDGED: tuple[Judged, ...] = ("answers", "pages")
VOTER_KINDS: tuple[VoterKind, ...] = ("user", "judge")

# Settings that do not make another contestant: a different seed is the same model run again.
_IDENTITY_IGNORES = ("seed",)
_NAMED = ("temperature", "max_tokens", "reasoning", "system_override")


class VoteError(ValueError):
    """A vote that does not make sense (wrong number of answers, unknown place…)."""


def contestant(model: str, settings: Mapping[str, Any] | None = None) -> str:
    """The name a model has on the leaderboard: the model, plus its settings when they are
    not the defaults ("local:smollm2-135m (T 0.9)"), so one model at two temperatures is two
    contestants. The seed is not part of it."""
    settings = settings or {}
    parts: list[str] = []
    if settings.get("temperature") is not None:
        parts.append(f"T {float(settings['temperature']):g}")
    if settings.get("max_tokens") is not None:
        parts.append(f"max {settings['max_tokens']}")
    if settings.get("reasoning") is not None:
        parts.append(f"reasoning {settings['reasoning']}")
    if settings.get("system_override"):
        parts.append("own system prompt")
    parts.extend(f"{key} {settings[key]}" for key in sorted(settings)
                 if key not in (*_NAMED, *_IDENTITY_IGNORES) and settings[key] is not None)
    return f"{model} ({', '.join(parts)})" if parts else model


@dataclass(frozen=True, slots=True)
class Entry:
    """One answer as it was shown in a vote."""

    position: int  # shown position: 0 = left / first (label A), 1 = B, …
    model: str  # "provider:model", or any name for imported battles
    settings: Mapping[str, Any] = field(default_factory=dict)
    slot: int | None = None  # the model's slot in the run, when the vote is on a run
    place: int | None = None  # "best": 1 for the best; "ranking": 1 = best, equal = tied
    answer_chars: int | None = None  # style covariates, measured when the vote was cast
    code_chars: int | None = None  # length of the page's code (votes on pages)
    attempt: int | None = None  # which attempt of the slot's answer was shown

    def contestant(self, *, merge_settings: bool = False) -> str:
        return self.model if merge_settings else contestant(self.model, self.settings)


@dataclass(frozen=True, slots=True)
class Vote:
    """One judgement. `key` identifies it everywhere (database, files, bootstrap clusters)."""

    verdict: Verdict
    entries: tuple[Entry, ...]  # by position
    judged: Judged = "answers"
    voter_kind: VoterKind = "user"
    voter: str = ""  # the judge model ("provider:model"); "" for the user
    reason: str = ""
    created_at: float = 0.0
    key: str = field(default_factory=lambda: str(uuid.uuid4()))
    run_id: int | None = None
    turn_id: int | None = None
    prompt_id: int | None = None
    collection_id: int | None = None
    external_id: str | None = None  # the `id` of an imported battle
    id: int | None = None  # the database row, once stored

    def shown(self, position: int) -> Entry:
        for entry in self.entries:
            if entry.position == position:
                return entry
        raise KeyError(position)


def check_vote(vote: Vote) -> Vote:
    """The vote itself, or VoteError saying what is wrong with it."""
    entries = vote.entries
    if vote.verdict not in VERDICTS:
        raise VoteError(f"unknown verdict {vote.verdict!r}")
    if vote.judged not in JUDGED:
        raise VoteError(f"a vote is on answers or pages, not {vote.judged!r}")
    if vote.voter_kind not in VOTER_KINDS:
        raise VoteError(f"unknown voter {vote.voter_kind!r}")
    if vote.voter_kind == "judge" and not vote.voter.strip():
        raise VoteError("a judge's vote needs the judge model")
    if len(entries) < 2:
        raise VoteError("a vote needs at least two answers")
    positions = [e.position for e in entries]
    if sorted(positions) != positions or len(set(positions)) != len(positions):
        raise VoteError("answers must be in shown order, each position once")
    if any(p < 0 for p in positions):
        raise VoteError("a shown position is 0 or more")
    if any(not e.model.strip() for e in entries):
        raise VoteError("every answer needs its model")
    places = [e.place for e in entries]
    if vote.verdict in PAIR_WINNERS:
        if len(entries) != 2:
            raise VoteError(f"{vote.verdict!r} is a verdict on two answers, not {len(entries)}")
        if any(p is not None for p in places):
            raise VoteError("a vote on two answers gives no places")
    elif vote.verdict == "best":
        if sorted(places, key=lambda p: p is None) != [1] + [None] * (len(places) - 1):
            raise VoteError("'best' marks exactly one answer with place 1 and no others")
    elif any(p is None or p < 1 for p in places):
        raise VoteError("a ranking gives every answer a place of 1 or more")
    return vote


def pair_vote(first: Entry, second: Entry, winner: PairWinner, **meta: Any) -> Vote:
    """A vote on two answers; `first` was shown at the left (A)."""
    return check_vote(Vote(winner, _ordered((first, second)), **meta))


def best_vote(entries: Sequence[Entry], best_position: int, **meta: Any) -> Vote:
    """"Pick the best" among several answers."""
    marked = tuple(_with_place(e, 1 if e.position == best_position else None)
                   for e in _ordered(entries))
    if all(e.place is None for e in marked):
        raise VoteError(f"no answer is shown at position {best_position}")
    return check_vote(Vote("best", marked, **meta))


def ranking_vote(entries: Sequence[Entry], order: Sequence[int | Sequence[int]],
                 **meta: Any) -> Vote:
    """A ranking: `order` lists shown positions from best to worst; a group of positions
    (a list) shares its place, i.e. they are tied."""
    places: dict[int, int] = {}
    for place, item in enumerate(order, start=1):
        for position in ([item] if isinstance(item, int) else item):
            if position in places:
                raise VoteError(f"position {position} is ranked twice")
            places[position] = place
    ordered = _ordered(entries)
    if set(places) != {e.position for e in ordered}:
        raise VoteError("a ranking must place every answer shown, and only those")
    return check_vote(Vote("ranking", tuple(_with_place(e, places[e.position])
                                            for e in ordered), **meta))


def _ordered(entries: Sequence[Entry]) -> tuple[Entry, ...]:
    return tuple(sorted(entries, key=lambda e: e.position))


def _with_place(entry: Entry, place: int | None) -> Entry:
    return Entry(entry.position, entry.model, entry.settings, entry.slot, place,
                 entry.answer_chars, entry.code_chars, entry.attempt)


@dataclass(frozen=True, slots=True)
class Battle:
    """One pairwise comparison implied by a vote; `a` was shown before `b`."""

    a: str  # contestant names
    b: str
    outcome: Outcome
    vote: str  # the vote's key: battles of one vote are resampled together
    entry_a: Entry
    entry_b: Entry
    judged: Judged = "answers"
    voter_kind: VoterKind = "user"
    voter: str = ""
    created_at: float = 0.0
    turn_id: int | None = None

    @property
    def score_a(self) -> float:
        """1 when a won, 0 when b won, ½ for a tie or both bad (half a win each)."""
        return {"a": 1.0, "b": 0.0}.get(self.outcome, 0.5)


def battles(vote: Vote, *, merge_settings: bool = False) -> list[Battle]:
    """The pairwise battles a vote implies (see the module's docstring)."""
    entries = vote.entries
    found: list[Battle] = []

    def add(x: Entry, y: Entry, outcome: Outcome) -> None:
        a, b = x.contestant(merge_settings=merge_settings), y.contestant(
            merge_settings=merge_settings)
        if a != b:
            found.append(Battle(a, b, outcome, vote.key, x, y, vote.judged, vote.voter_kind,
                                vote.voter, vote.created_at, vote.turn_id))

    if vote.verdict in PAIR_WINNERS:
        add(entries[0], entries[1], vote.verdict)
    elif vote.verdict == "best":
        best = next(e for e in entries if e.place == 1)
        for other in entries:
            if other is not best:
                first, second = sorted((best, other), key=lambda e: e.position)
                add(first, second, "a" if first is best else "b")
    else:
        for i, x in enumerate(entries):
            for y in entries[i + 1:]:
                px, py = x.place or 0, y.place or 0
                add(x, y, "a" if px < py else "b" if py < px else "tie")
    return found


def all_battles(votes: Sequence[Vote], *, merge_settings: bool = False) -> list[Battle]:
    return [b for v in votes for b in battles(v, merge_settings=merge_settings)]


# ------------------------------------------------------------------------------ blind order


def blind_labels(count: int) -> list[str]:
    """A, B, … Z, then AA, AB, …: the names answers get while the judging is blind."""
    labels = []
    for n in range(count):
        label = ""
        n += 1
        while n:
            n, rest = divmod(n - 1, 26)
            label = chr(ord("A") + rest) + label
        labels.append(label)
    return labels


@dataclass(frozen=True, slots=True)
class BlindSlate:
    """The shown order of one prompt's answers: `order[position]` is the slot shown there."""

    order: tuple[int, ...]

    @property
    def labels(self) -> list[str]:
        return blind_labels(len(self.order))

    def position_of(self, slot: int) -> int:
        return self.order.index(slot)

    def label_of(self, slot: int) -> str:
        return self.labels[self.position_of(slot)]

    def slot_at(self, position: int) -> int:
        return self.order[position]


def shuffle_slate(slots: Sequence[int], *, seed: int | str, key: int | str) -> BlindSlate:
    """A shuffled shown order, the same every time for the same seed and key (say, the run
    and turn), so reopening a blind comparison shows it as it was."""
    order = list(slots)
    random.Random(f"{seed}/{key}").shuffle(order)
    return BlindSlate(tuple(order))
