"""The headless command line: the same engine and store as the GUI.

Building the parser imports only argparse and the command modules, which keep everything
else (the engine, the store, httpx, keyring, Qt) inside their handlers; and when the
command line names a command, only the module of that command adds its subcommands. So
`--help` and a mistyped option answer at once, and each command loads only what it uses.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from studio import __version__

Handler = Callable[[argparse.Namespace], int]

# Each command and the module that adds it (with its subcommands), in the order of
# `--help`. The modules import nothing heavy at module level (tests/unit/test_cli_parser.py
# checks both).
COMMANDS = {
    "run": "studio.cli.run_cmd",
    "providers": "studio.cli.providers_cmd",
    "keys": "studio.cli.keys_cmd",
    "collections": "studio.cli.collections_cmd",
    "prompts": "studio.cli.prompts_cmd",
    "history": "studio.cli.history_cmd",
    "search": "studio.cli.history_cmd",
    "preview": "studio.cli.preview_cmd",
    "report": "studio.cli.report_cmd",
    "local": "studio.cli.local_cmd",
    "votes": "studio.cli.votes_cmd",
    "leaderboard": "studio.cli.leaderboard_cmd",
}


class UsageError(Exception):
    """Bad arguments or input: printed as 'prompt-studio: error: …' with exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        from studio.core.redact import redact

        self.print_usage(sys.stderr)
        # argparse quotes what it did not understand, which may be a pasted key.
        self.exit(2, f"{self.prog}: error: {redact(message)}\n")


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The whole parser; with the command line it will parse, only the part it needs."""
    import importlib

    parser = _Parser(
        prog="prompt-studio",
        description="Send one prompt to many LLMs and compare their answers and pages. "
                    "Without a command, the desktop app starts.")
    parser.add_argument("--version", action="version", version=f"prompt-studio {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log requests to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    command = _named_command(argv)
    if command == "gui":
        modules: list[str] = []
    elif command in COMMANDS:
        modules = [COMMANDS[command]]
    else:  # help, an unknown command or none: every command is listed
        modules = list(dict.fromkeys(COMMANDS.values()))
    for name in modules:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(sub)
    sub.add_parser("gui", help="start the desktop app").set_defaults(handler=_gui)
    return parser


def _named_command(argv: Sequence[str]) -> str | None:
    # The options before a command take no value, so the first word that is not an
    # option is the command.
    return next((word for word in argv if not word.startswith("-")), None)


def _gui(args: argparse.Namespace) -> int:
    from studio.app import main_gui

    return main_gui([sys.argv[0]])


def _setup_logging(verbose: bool) -> None:
    import logging

    from studio.core.redact import RedactingFilter

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO if verbose else logging.WARNING)
    if not verbose:
        logging.getLogger("httpx").setLevel(logging.WARNING)


def main(argv: list[str]) -> int:
    parser = build_parser(argv)
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
    except KeyboardInterrupt:
        print("prompt-studio: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of stdout went away (`… --json | head`): nothing left to tell it.
        # stdout is pointed at /dev/null so the interpreter's final flush stays quiet.
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return 141  # what a shell reports for a process ended by SIGPIPE
    except Exception as exc:
        from studio.core.catalog import CatalogError

        if not isinstance(exc, CatalogError):
            raise
        # The registry checks the user's entries when it is read; a hand-edited providers.json
        # can fail any command that lists providers.
        from studio.core.paths import studio_paths

        print(f"prompt-studio: error: {exc} (in {studio_paths().providers_file}; fix the "
              "entry or drop it with `prompt-studio providers remove NAME`)", file=sys.stderr)
        return 2
