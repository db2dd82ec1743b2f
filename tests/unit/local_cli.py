"""The `prompt-studio local …` command group run in process, as the CLI runs it."""

from __future__ import annotations

import sys


def run_local_cli(*argv: str) -> int:
    """The `local` command group as the CLI runs it (same parser class, same error path)."""
    from studio.cli import UsageError, _Parser
    from studio.cli.local_cmd import register

    parser = _Parser(prog="prompt-studio")
    register(parser.add_subparsers(dest="command", parser_class=_Parser))
    args = parser.parse_args(list(argv))
    try:
        return int(args.handler(args))
    except UsageError as exc:
        print(f"prompt-studio: error: {exc}", file=sys.stderr)
        return 2
