"""Command modules driven in process: their parser, handler, exit code and output."""

from __future__ import annotations

import argparse
import json
from types import ModuleType
from typing import Any

import pytest


class Cli:
    def __init__(self, capsys: pytest.CaptureFixture[str], *modules: ModuleType) -> None:
        self.capsys = capsys
        self.parser = argparse.ArgumentParser(prog="prompt-studio")
        sub = self.parser.add_subparsers(dest="command", required=True)
        for module in modules:
            module.register(sub)

    def __call__(self, *argv: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        try:
            args = self.parser.parse_args(list(argv))
            code = int(args.handler(args))
        except SystemExit as exc:
            code = int(exc.code or 0)
        out, err = self.capsys.readouterr()
        return code, out, err

    def json(self, *argv: str) -> Any:
        code, out, err = self(*argv, "--json")
        assert code == 0, err
        return json.loads(out)
