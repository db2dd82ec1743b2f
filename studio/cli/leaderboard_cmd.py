"""`prompt-studio leaderboard`: the arena's Bradley–Terry table from the stored votes."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from studio.cli.collections_cmd import USAGE, error, print_json, with_store
from studio.cli.votes_cmd import add_filters, vote_filter

if TYPE_CHECKING:
    from studio.report.board_data import BoardQuery
    from studio.store import Store


def add_board_options(p: argparse._ActionsContainer) -> None:
    """How the board is fitted: shared by `leaderboard` and `report --leaderboard`."""
    p.add_argument("--style-control", action="store_true",
                   help="answer length (and for pages, code length) as covariates")
    p.add_argument("--by-model", action="store_true",
                   help="one row per model, whatever its settings (temperature …)")
    p.add_argument("--ci", choices=["sandwich", "bootstrap"], default="sandwich",
                   help="95 %% intervals from the robust (sandwich) covariance, or a bootstrap "
                        "over the votes (default: sandwich)")
    p.add_argument("--rounds", type=int, default=200, help="bootstrap rounds (default 200)")
    p.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")


def board_query(store: Store, args: argparse.Namespace) -> BoardQuery:
    """The votes and the fit the options ask for; ValueError carries a usage message."""
    from studio.core.arena_board import BoardOptions
    from studio.report.board_data import BoardQuery

    if args.rounds < 1:
        raise ValueError("--rounds must be at least 1")
    return BoardQuery(vote_filter(store, args), BoardOptions(
        style_control=args.style_control, interval=args.ci, rounds=args.rounds,
        seed=args.seed, merge_settings=args.by_model))


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("leaderboard", help="ratings from your blind votes (Bradley–Terry, "
                                           "95 %% intervals)")
    p.add_argument("--json", action="store_true",
                   help='print {"battles", "models": [{"model", "rating", "ci_low", '
                        '"ci_high", "battles", "wins", "losses", "ties", …}], …}')
    add_filters(p, voter_default="you")
    add_board_options(p)
    p.set_defaults(handler=with_store(_leaderboard))


def _leaderboard(store: Store, args: argparse.Namespace) -> int:
    from studio.report.board_data import empty_reason, fit_board

    try:
        query = board_query(store, args)
    except ValueError as exc:
        return error(str(exc), USAGE)
    data = fit_board(store, query)
    board = data.board
    if args.json:
        out: dict[str, Any] = board.to_json()
        out["voter"] = args.voter if not args.judge_model else "judge"
        out["agreement"] = [{"judge": a.judge, "pairs": a.pairs, "agreed": a.agreed,
                             "rate": a.rate, "decisive": a.decisive,
                             "decisive_agreed": a.decisive_agreed, "kappa": a.kappa}
                            for a in data.agreement]
        print_json(out)
        return 0
    if not board.models:
        print(empty_reason(data))
        return 0
    _print_board(board)
    for a in data.agreement:
        kappa = f", κ {a.kappa:.2f}" if a.kappa is not None else ""
        print(f"judge {a.judge} agreed with you on {a.agreed} of {a.pairs} pairs "
              f"({100 * (a.rate or 0):.0f} %{kappa})")
    return 0


def _print_board(board: Any) -> None:
    print(f"{board.battles} battle{'' if board.battles == 1 else 's'} from {board.votes} "
          f"vote{'' if board.votes == 1 else 's'}")
    width = max(len(r.model) for r in board.models)
    for number, group in enumerate(board.groups):
        if len(board.groups) > 1:
            print(f"\ngroup {number + 1} of {len(board.groups)} (not comparable with the "
                  "others)")
        print(f"{'rank':<6} {'model':<{width}}  {'rating':>6}  {'95 % CI':>11}  "
              f"{'battles':>7}  W-L-T")
        for row in (board.row(name) for name in group):
            low, high = row.rank_range
            rank = f"{low}" if low == high else f"{low}-{high}"
            mark = " *" if row.separated else ""
            print(f"{rank:<6} {row.model:<{width}}  {row.rating:6.0f}  "
                  f"{row.ci_low:5.0f}–{row.ci_high:<5.0f}  {row.battles:>7}  "
                  f"{row.wins}-{row.losses}-{row.ties}{mark}")
    bias = board.position_bias
    if bias.rate is not None:
        print(f"\nposition bias: the answer shown first won {100 * bias.rate:.0f} % of "
              f"{bias.decisive} decisive battles (95 % CI {100 * bias.ci_low:.0f}–"
              f"{100 * bias.ci_high:.0f} %)")
    from studio.core.arena_fit import SCALE

    for s in board.style:
        print(f"style: {s.feature.replace('_', ' ')} {s.points:+.0f} points per typical "
              f"difference (95 % CI {SCALE * s.ci_low:+.0f} to {SCALE * s.ci_high:+.0f})")
    for note in board.notes:
        print(f"note: {note}" + (" (*)" if "marked" in note else ""))
