"""The command line's parser is cheap: `--version` needs no parser, the parser loads no
engine code, and a named command builds only its own part, with the same help."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from studio import __version__
from studio.cli import COMMANDS, build_parser

REPO = Path(__file__).resolve().parents[2]

# What a command loads when it runs, never while its arguments are parsed.
HEAVY = ("asyncio", "httpx", "keyring", "sqlite3", "dataclasses", "platformdirs",
         "markdown_it", "yaml", "PySide6", "studio.store", "studio.core.runner",
         "studio.core.catalog", "studio.core.secrets")


def _modules_after(code: str) -> dict[str, list[str]]:
    """Run `code` in a fresh interpreter; the modules it loaded, by root, and its output."""
    probe = (f"import sys, json, io, contextlib\nout = io.StringIO()\n"
             f"with contextlib.redirect_stdout(out):\n    {code}\n"
             "print(json.dumps({'modules': sorted(sys.modules), 'out': [out.getvalue()]}))")
    proc = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True,
                          text=True, check=True, timeout=60)
    loaded: dict[str, list[str]] = json.loads(proc.stdout)
    return loaded


def _heavy(modules: list[str]) -> list[str]:
    return [m for m in modules if m in HEAVY or m.startswith(tuple(h + "." for h in HEAVY))]


def test_version_is_answered_before_any_parser_is_built() -> None:
    seen = _modules_after("from studio.__main__ import main; main(['--version'])")
    assert seen["out"] == [f"prompt-studio {__version__}\n"]
    assert "argparse" not in seen["modules"]
    assert [m for m in seen["modules"] if m.startswith("studio.")] == ["studio.__main__"]


def test_the_whole_parser_loads_no_engine_code() -> None:
    seen = _modules_after("from studio.cli import build_parser; build_parser()")
    assert _heavy(seen["modules"]) == []


def test_a_named_command_builds_only_its_own_module() -> None:
    seen = _modules_after(
        "from studio.cli import build_parser; "
        "build_parser(['-v', 'run', '-m', 'x:y', '-p', 'hi']).parse_args("
        "['-v', 'run', '-m', 'x:y', '-p', 'hi'])")
    # batch_args holds run's batch options (and their checks): part of run's own parser.
    assert [m for m in seen["modules"] if m.startswith("studio.cli")] == [
        "studio.cli", "studio.cli.batch_args", "studio.cli.common", "studio.cli.run_cmd"]
    assert _heavy(seen["modules"]) == []


@pytest.mark.parametrize("command", list(COMMANDS))
def test_no_command_loads_engine_code_to_parse_its_arguments(command: str) -> None:
    seen = _modules_after(f"from studio.cli import build_parser; build_parser([{command!r}])")
    assert _heavy(seen["modules"]) == []
    same_module = [c for c, module in COMMANDS.items() if module == COMMANDS[command]]
    assert list(_subparsers(build_parser([command]))) == [*same_module, "gui"]


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    (action,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_the_full_parser_has_every_command_in_the_tables_order() -> None:
    assert list(_subparsers(build_parser())) == [*COMMANDS, "gui"]


def _all_help(parser: argparse.ArgumentParser) -> dict[str, str]:
    """The help of a parser and of all its subcommands, by program name."""
    found = {parser.prog: parser.format_help()}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                found |= _all_help(child)
    return found


@pytest.mark.parametrize("command", [*COMMANDS, "gui"])
def test_a_command_built_alone_is_the_same_as_in_the_full_parser(command: str) -> None:
    alone = _subparsers(build_parser([command]))
    full = _subparsers(build_parser())
    assert command in alone
    assert _all_help(alone[command]) == _all_help(full[command])


def test_what_a_run_loads_leaves_out_batches_votes_and_import_export() -> None:
    # `run` plans, streams, saves and prints one comparison: the batch grid, the checks, the
    # arena and the collection-file readers are loaded by the commands that use them.
    seen = _modules_after("import studio.cli.run_plan, studio.cli.results, studio.store")
    unused = ("statistics", "studio.core.batch", "studio.core.checks", "studio.core.arena",
              "studio.store.votes", "studio.store.prompt_extras", "studio.store.io_json",
              "studio.store.io_files", "yaml")
    assert [m for m in unused if m in seen["modules"]] == []
