"""The headless command line: the same engine and store as the GUI."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable
from typing import NoReturn

from studio import __version__
from studio.core.catalog import CatalogError
from studio.core.redact import RedactingFilter, redact

Handler = Callable[[argparse.Namespace], int]

# Modules that each add one group of subcommands; imported when the parser is built,
# so they must stay cheap to import (Qt only inside their handlers).
_COMMAND_MODULES = (
    "studio.cli.run_cmd",
    "studio.cli.providers_cmd",
    "studio.cli.keys_cmd",
    "studio.cli.collections_cmd",
    "studio.cli.prompts_cmd",
    "studio.cli.history_cmd",
    "studio.cli.preview_cmd",
    "studio.cli.report_cmd",
    "studio.cli.local_cmd",
    "studio.cli.votes_cmd",
    "studio.cli.leaderboard_cmd",
)


class UsageError(Exception):
    """Bad arguments or input: printed as 'prompt-studio: error: …' with exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        # argparse quotes what it did not understand, which may be a pasted key.
        self.exit(2, f"{self.prog}: error: {redact(message)}\n")


def build_parser() -> argparse.ArgumentParser:
    import importlib

    parser = _Parser(
        prog="prompt-studio",
        description="Send one prompt to many LLMs and compare their answers and pages. "
                    "Without a command, the desktop app starts.")
    parser.add_argument("--version", action="version", version=f"prompt-studio {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log requests to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in _COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(sub)
    sub.add_parser("gui", help="start the desktop app").set_defaults(handler=_gui)
    return parser


def _gui(args: argparse.Namespace) -> int:
    from studio.app import main_gui

    return main_gui([sys.argv[0]])


def _setup_logging(verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO if verbose else logging.WARNING)
    if not verbose:
        logging.getLogger("httpx").setLevel(logging.WARNING)


def main(argv: list[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _setup_logging(args.verbose)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return handler(args)
    except UsageError as exc:
        print(f"prompt-studio: error: {exc}", file=sys.stderr)
        return 2
    except CatalogError as exc:
        # The registry checks the user's entries when it is read; a hand-edited providers.json
        # can fail any command that lists providers.
        from studio.core.paths import studio_paths

        print(f"prompt-studio: error: {exc} (in {studio_paths().providers_file}; fix the "
              "entry or drop it with `prompt-studio providers remove NAME`)", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("prompt-studio: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of stdout went away (`… --json | head`): nothing left to tell it.
        # stdout is pointed at /dev/null so the interpreter's final flush stays quiet.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return 141  # what a shell reports for a process ended by SIGPIPE
