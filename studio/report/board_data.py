"""The leaderboard of the stored votes, as the `leaderboard` command, its report and the
arena window all make it: which votes (a `BoardQuery`), the fit, the judge's agreement with
you, and why a board is empty when it is.

    data = fit_board(store, BoardQuery(VoteFilter(voter_kind="user", tag="games")))
    data.board.models, data.agreement, empty_reason(data)
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from studio.core.arena import Vote
from studio.core.arena_agreement import Agreement, judge_agreement
from studio.core.arena_board import BoardOptions, Leaderboard, leaderboard
from studio.store import Store, VoteFilter

NO_VOTES = ("no votes yet: judge answers blind in the Arena, or import battles with "
            "`prompt-studio votes import FILE`")


@dataclass(frozen=True, slots=True)
class BoardQuery:
    """Which votes a leaderboard is made of (`filters`, voter included) and how it is
    fitted. The default: your votes, all of them, robust intervals."""

    filters: VoteFilter = field(default_factory=lambda: VoteFilter(voter_kind="user"))
    options: BoardOptions = field(default_factory=BoardOptions)


@dataclass(frozen=True, slots=True)
class BoardData:
    query: BoardQuery
    board: Leaderboard
    agreement: tuple[Agreement, ...]  # each judge model against you, on the pairs you share
    chosen: int  # votes the board is made of
    seen: int  # votes matching every filter but the voter
    by_judges: int  # of those, cast by a judge model
    first_vote: float | None  # when the chosen votes were cast (UNIX seconds)
    last_vote: float | None
    collection: str | None  # the filtered collection's path ("Games/Puzzles")


def _voter_matches(filters: VoteFilter, vote: Vote) -> bool:
    return filters.voter_kind in (None, vote.voter_kind) and filters.voter in (None, vote.voter)


def fit_board(store: Store, query: BoardQuery) -> BoardData:
    """The leaderboard of the votes `query` chooses, from one read of the store: the
    judge's agreement with you needs both voters' votes anyway."""
    filters = query.filters
    everyone = store.votes(replace(filters, voter_kind=None, voter=None))
    chosen = [v for v in everyone if _voter_matches(filters, v)]
    times = [v.created_at for v in chosen]
    collection = (store.collection_path(filters.collection_id)
                  if filters.collection_id is not None else None)
    return BoardData(
        query=query, board=leaderboard(chosen, query.options),
        agreement=tuple(judge_agreement(everyone)), chosen=len(chosen), seen=len(everyone),
        by_judges=sum(v.voter_kind == "judge" for v in everyone),
        first_vote=min(times) if times else None, last_vote=max(times) if times else None,
        collection=collection)


def empty_reason(data: BoardData) -> str:
    """Why the board has no models, for the user."""
    filters = data.query.filters
    if not data.seen:
        narrowed = (filters.collection_id, filters.tag, filters.judged, filters.since,
                    filters.until, filters.run_id, filters.turn_id, filters.prompt_id)
        return "no matching votes" if any(x is not None for x in narrowed) else NO_VOTES
    if not data.chosen:
        if filters.voter_kind == "user":
            return (f"no votes of yours here; {data.by_judges} by a judge model: use --voter "
                    "judge or --voter all")
        if filters.voter:
            return (f"no votes by the judge model {filters.voter} here; {data.seen} by "
                    "other voters")
        return (f"no votes by a judge model here; {data.seen - data.by_judges} of yours: "
                "use --voter you or --voter all")
    return "no battles between two different models in the matching votes"
