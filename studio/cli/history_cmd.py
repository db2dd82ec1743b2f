"""`prompt-studio history list|show|batches` and `prompt-studio search`."""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import TYPE_CHECKING, Any

from studio.cli.collections_cmd import USAGE, error, print_json, with_store
from studio.cli.common import parse_date
from studio.core.constants import SEARCH_KINDS

if TYPE_CHECKING:
    from studio.store import Run, Store


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("history", help="saved runs: list, show")
    hsub = p.add_subparsers(dest="history_command", metavar="ACTION", required=True)

    ls = hsub.add_parser("list", help="saved runs, newest first")
    ls.add_argument("--json", action="store_true")
    ls.add_argument("--model", metavar="PROVIDER:MODEL", help="only runs that asked this model")
    ls.add_argument("--collection", metavar="NAME", help="only runs of this collection")
    ls.add_argument("--since", metavar="DATE", help="ISO date or date-time (local time)")
    ls.add_argument("--until", metavar="DATE", help="ISO date or date-time, exclusive")
    ls.add_argument("--min-rating", type=int, choices=range(1, 6), metavar="1-5",
                    help="only runs with an answer rated this or better")
    ls.add_argument("--limit", type=int, default=50)
    ls.add_argument("--offset", type=int, default=0)
    ls.set_defaults(handler=with_store(_list))

    show = hsub.add_parser("show", help="one run with all its turns and answers")
    show.add_argument("id", help="the run's number (or its uuid)")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=with_store(_show))

    batches = hsub.add_parser("batches", help="batches, newest first, with their state "
                                              "(interrupted ones can be resumed)")
    batches.add_argument("--json", action="store_true")
    batches.add_argument("--limit", type=int, default=50)
    batches.set_defaults(handler=with_store(_batches))

    s = sub.add_parser("search", help="full-text search over prompts, sent prompts and "
                                      "answers")
    s.add_argument("query")
    s.add_argument("--json", action="store_true")
    s.add_argument("--limit", type=int, default=20,
                   help="per kind (library prompts, sent prompts, answers)")
    s.add_argument("--kind", choices=list(SEARCH_KINDS), action="append",
                   help="only library prompts (prompt), prompts sent in runs (turn) or "
                        "answers (response); repeat for several")
    s.set_defaults(handler=with_store(_search))


def _list(store: Store, args: argparse.Namespace) -> int:
    from studio.store import HistoryFilter
    from studio.store.io_runs import iso
    from studio.store.search import first_line

    if args.limit < 1 or args.offset < 0:
        return error("--limit must be at least 1 and --offset not negative", USAGE)
    try:
        since = parse_date(args.since, "--since")
        until = parse_date(args.until, "--until")
    except ValueError as exc:
        return error(str(exc), USAGE)
    collection_id = store.find_collection(args.collection).id if args.collection else None
    runs = store.history(HistoryFilter(model=args.model, collection_id=collection_id,
                                       since=since, until=until, min_rating=args.min_rating),
                         limit=args.limit, offset=args.offset)
    if args.json:
        print_json([{"id": r.id, "uuid": r.uuid, "time": iso(r.created_at),
                     "title": r.title or first_line(r.body), "prompt": r.body,
                     "models": list(r.models), "collection": r.collection_name,
                     "turns": r.turn_count, "rating": r.best_rating} for r in runs])
        return 0
    if not runs:
        print("no runs saved yet" if not any(vars(args).get(k) for k in (
            "model", "collection", "since", "until", "min_rating")) else "no matching runs")
    for r in runs:
        when = datetime.fromtimestamp(r.created_at).strftime("%Y-%m-%d %H:%M")
        stars = f"  {'★' * r.best_rating}" if r.best_rating else ""
        title = r.title or first_line(r.body, 60)
        print(f"{r.id:>6}  {when}  {title}  [{', '.join(r.models)}]{stars}")
    return 0


def _batches(store: Store, args: argparse.Namespace) -> int:
    from studio.core.batch import BatchState, CellState
    from studio.store.io_runs import iso

    if args.limit < 1:
        return error("--limit must be at least 1", USAGE)
    batches = store.batch_store()
    batches.mark_interrupted()
    found = batches.summaries(limit=args.limit)
    if args.json:
        print_json([{"id": b.id, "uuid": b.uuid, "time": iso(b.created_at), "title": b.title,
                     "state": b.state.value, "rows": b.rows, "columns": b.columns,
                     "cells": {state.value: n for state, n in b.counts.items() if n}}
                    for b in found])
        return 0
    if not found:
        print("no batches yet")
    for b in found:
        when = datetime.fromtimestamp(b.created_at).strftime("%Y-%m-%d %H:%M")
        total = b.rows * b.columns
        done = b.counts[CellState.DONE] + b.counts[CellState.FAILED]
        failed = f", {b.counts[CellState.FAILED]} failed" if b.counts[CellState.FAILED] else ""
        hint = (f"  (prompt-studio run --resume {b.id})"
                if b.state in (BatchState.INTERRUPTED, BatchState.CANCELLED) else "")
        print(f"{b.id:>6}  {when}  {b.state.value:<11}  {b.title}: {b.rows} × {b.columns}, "
              f"{done}/{total} finished{failed}{hint}")
    return 0


def _show(store: Store, args: argparse.Namespace) -> int:
    run_id = store.resolve_run(args.id)
    if args.json:
        data = store.run_json(run_id)
        print_json({"id": int(run_id), "uuid": data["id"], "time": data["created"],
                    **{k: v for k, v in data.items() if k not in ("id",)}})
        return 0
    _print_run(store.run(run_id))
    return 0


def _print_run(run: Run) -> None:
    from studio.core.attachments import human_size
    from studio.store.search import first_line

    when = datetime.fromtimestamp(run.created_at).strftime("%Y-%m-%d %H:%M")
    print(f"run {run.id}  {when}  {run.title or first_line(run.body)}")
    print(f"models: {', '.join(str(m.ref) for m in run.models)}")
    if run.variables:
        print("variables: " + ", ".join(f"{k}={v}" for k, v in run.variables.items()))
    on_branch = {t.id for t in run.branch()}
    for turn in run.turns:
        siblings = len(run.children(turn.parent_id))
        mark = "" if turn.id in on_branch else "  (other branch)"
        branch = f" [branch of {siblings}]" if siblings > 1 else ""
        print(f"\n── turn {turn.depth + 1}{branch}{mark}: {first_line(turn.prompt, 70)}")
        if turn.attachments:
            print("  attached: " + ", ".join(
                f"{a.name} ({a.media_type}, {human_size(a.size)})" for a in turn.attachments))
        for response in turn.current_responses():
            _print_response(response)


def _print_response(response: Any) -> None:
    from studio.store.search import first_line

    parts = [response.state]
    if response.total_s is not None:
        parts.append(f"{response.total_s:.1f} s")
    if response.output_tokens is not None:
        parts.append(f"{response.output_tokens} tokens")
    if response.cost_usd is not None:
        parts.append(f"${response.cost_usd:.4f}")
    if response.rating:
        parts.append("★" * response.rating)
    print(f"  {response.model}: {' · '.join(parts)}")
    if response.error is not None:
        print(f"    error ({response.error.kind}): {response.error.message}")
    if response.text:
        print(f"    {first_line(response.text, 100)}")


def _search(store: Store, args: argparse.Namespace) -> int:
    from studio.store.models import SEARCH_KINDS as ALL_KINDS

    if args.limit < 1:
        return error("--limit must be at least 1", USAGE)
    hits = store.search(args.query, limit=args.limit, kinds=args.kind or ALL_KINDS)
    if args.json:
        print_json([{"kind": h.kind, "title": h.title, "snippet": h.highlighted("", ""),
                     "prompt_id": h.prompt_id, "collection_id": h.collection_id,
                     "run_id": h.run_id, "turn_id": h.turn_id, "response_id": h.response_id,
                     "model": h.model} for h in hits])
        return 0
    if not hits:
        print("no matches")
    for h in hits:
        if h.kind == "prompt":
            where = f"prompt {h.prompt_id}"
        elif h.kind == "turn":
            where = f"run {h.run_id} sent prompt"
        else:
            where = f"run {h.run_id} {h.model}"
        print(f"{where}: {h.title}\n    {h.highlighted('[', ']')}")
    return 0
