"""The options of `run` that make it a batch, checked before anything heavy is loaded."""

from __future__ import annotations

import argparse

# The same as studio.core.batch's (this module loads no engine; a test keeps them equal).
DEFAULT_CONCURRENCY = 4
MAX_CONCURRENCY = 64

# Options that describe a new batch; a resumed batch keeps what it was started with.
_NEW_ONLY = (("model", "-m"), ("prompt_text", "-p"), ("file", "-f"),
             ("collection", "--collection"), ("prompt_title", "--prompt"),
             ("continue_run", "--continue"), ("system", "--system"),
             ("temperature", "--temperature"), ("max_tokens", "--max-tokens"),
             ("reasoning", "--reasoning"), ("seed", "--seed"), ("judge", "--judge"),
             ("attach", "-a"))
_BATCH_ONLY = (("concurrency", "--concurrency"), ("per_provider", "--per-provider"),
               ("judge", "--judge"), ("estimate", "--estimate"))


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--resume", metavar="BATCH_ID",
                   help="run the cells of a batch that are not finished, then print it all")
    p.add_argument("--concurrency", type=int, metavar="N",
                   help=f"with --collection/--resume: never more than N streams open at once "
                        f"(default {DEFAULT_CONCURRENCY})")
    p.add_argument("--per-provider", type=int, metavar="N",
                   help="with --collection/--resume: at most N streams to one provider")
    p.add_argument("--judge", metavar="PROVIDER:MODEL",
                   help="with --collection: the judge for judge checks that name none")
    p.add_argument("--estimate", action="store_true",
                   help="with --collection/--resume: print the number of requests and the "
                        "estimated cost, send nothing")
    p.add_argument("--page-network", choices=("on", "off"), default="off",
                   help="pages run for checks may load public https resources (on) or "
                        "nothing (off, default)")


def wants_batch(args: argparse.Namespace) -> bool:
    return args.collection is not None or args.resume is not None


def check_options(args: argparse.Namespace) -> None:
    """Batch options only with a batch; a resumed batch takes no new prompt or models."""
    from studio.cli import UsageError

    given = [flag for attr, flag in _BATCH_ONLY if getattr(args, attr)]
    if not wants_batch(args) and given:
        raise UsageError(f"{given[0]} is for batches (--collection or --resume)")
    if args.resume is not None:
        for attr, flag in _NEW_ONLY:
            value = getattr(args, attr)
            if value not in (None, [], False):
                raise UsageError(f"--resume runs a batch as it was started; {flag} cannot be "
                                 "given with it")
        if args.var:
            raise UsageError("--resume runs a batch as it was started; --var cannot be "
                             "given with it")
    if args.no_save and wants_batch(args):
        raise UsageError(f"{'--resume' if args.resume else '--collection'} needs the history "
                         "store (drop --no-save)")
    for attr, flag in (("concurrency", "--concurrency"), ("per_provider", "--per-provider")):
        value = getattr(args, attr)
        if value is not None and not 1 <= value <= MAX_CONCURRENCY:
            raise UsageError(f"{flag} must be between 1 and {MAX_CONCURRENCY}")
