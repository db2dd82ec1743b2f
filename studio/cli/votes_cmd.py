"""`prompt-studio votes import|export`: arena votes in LMArena's public battle format.

Exit codes as for `collections`: 0 done, 1 the store refused (a broken file: nothing is
imported), 2 bad arguments.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio.cli.collections_cmd import REFUSED, USAGE, error, with_store, write_output

if TYPE_CHECKING:
    from studio.store import Store, VoteFilter

VOTERS = {"you": "user", "judge": "judge", "all": None}


def add_filters(p: argparse._ActionsContainer, *, voter_default: str) -> None:
    """The options that choose votes, shared by `votes export` and `leaderboard`."""
    p.add_argument("--collection", metavar="NAME",
                   help="only votes on this collection's prompts (and its sub-collections')")
    p.add_argument("--tag", metavar="T", help="only votes on prompts with this tag")
    p.add_argument("--voter", choices=list(VOTERS), default=voter_default,
                   help=f"your votes, a judge model's, or both (default: {voter_default})")
    p.add_argument("--judge-model", metavar="PROVIDER:MODEL",
                   help="only this judge model's votes (implies --voter judge)")
    p.add_argument("--judged", choices=["answers", "pages"],
                   help="only votes on the answers, or only on the pages")
    p.add_argument("--since", metavar="DATE", help="ISO date or date-time (local time)")
    p.add_argument("--until", metavar="DATE", help="ISO date or date-time, exclusive")


def vote_filter(store: Store, args: argparse.Namespace, *, with_voter: bool = True
                ) -> VoteFilter:
    """The filter the options ask for; ValueError carries a usage message."""
    from studio.cli.common import parse_date
    from studio.store import VoteFilter

    since = parse_date(args.since, "--since")
    until = parse_date(args.until, "--until")
    kind = VOTERS[args.voter]
    if args.judge_model:
        if args.voter == "you":
            kind = "judge"
        elif kind is None:
            raise ValueError("--judge-model names a judge: use it without --voter all")
    collection_id = store.find_collection(args.collection).id if args.collection else None
    return VoteFilter(
        collection_id=collection_id, tag=args.tag,
        voter_kind=kind if with_voter else None,  # type: ignore[arg-type]
        voter=args.judge_model if with_voter else None, judged=args.judged, since=since,
        until=until)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("votes", help="arena votes: import or export battles "
                                     "(LMArena's format)")
    vsub = p.add_subparsers(dest="votes_command", metavar="ACTION", required=True)

    im = vsub.add_parser("import", help="import battles (JSON Lines or a JSON array of "
                                        '{"model_a", "model_b", "winner"}); all or nothing')
    im.add_argument("file")
    im.set_defaults(handler=with_store(_import))

    ex = vsub.add_parser("export", help="write the battles of your votes (JSON Lines; a JSON "
                                        "array when FILE ends in .json)")
    ex.add_argument("-o", "--output", required=True, metavar="FILE", help="- for stdout")
    add_filters(ex, voter_default="all")
    ex.set_defaults(handler=with_store(_export))


def _import(store: Store, args: argparse.Namespace) -> int:
    from studio.store import StoreError

    path = Path(args.file)
    if not path.is_file():
        return error(f"no such file: {path}", USAGE)
    try:
        added, skipped = store.import_battles(path)
    except StoreError as exc:
        return error(f"nothing was imported from {path}: {exc}", REFUSED)
    print(f"imported {path.name}: {added} battle{'' if added == 1 else 's'} added, "
          f"{skipped} already present")
    return 0


def _export(store: Store, args: argparse.Namespace) -> int:
    from studio.store.battle_file import battle_lines

    try:
        filters = vote_filter(store, args)
    except ValueError as exc:
        return error(str(exc), USAGE)
    lines = battle_lines(store.votes(filters))
    failed = write_output(args.output, _render(
        lines, as_array=args.output.lower().endswith(".json")))
    if failed is not None or args.output == "-":
        return failed or 0
    print(f"exported {len(lines)} battle{'' if len(lines) == 1 else 's'} to {args.output}",
          file=sys.stderr)
    return 0


def _render(lines: list[dict[str, Any]], *, as_array: bool) -> str:
    if as_array:
        return json.dumps(lines, ensure_ascii=False, indent=1) + "\n"
    return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
