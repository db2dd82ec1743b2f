"""Run `prompt-studio` as a real subprocess, the way users and scripts do."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.simulator import Simulator

REPO = Path(__file__).resolve().parents[2]
NO_KEYRING = "keyring.backends.fail.Keyring"


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


def cli(*args: str, home: Path, stdin: str | None = None, real_keyring: bool = False,
        env: dict[str, str] | None = None, timeout: float = 60) -> Result:
    full_env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    full_env["PROMPT_STUDIO_HOME"] = str(home)
    full_env["PYTHONPATH"] = str(REPO)
    if not real_keyring:
        full_env["PYTHON_KEYRING_BACKEND"] = NO_KEYRING
    full_env.update(env or {})
    proc = subprocess.run([sys.executable, "-m", "studio", *args], input=stdin, text=True,
                          capture_output=True, env=full_env, cwd=REPO, timeout=timeout)
    return Result(proc.returncode, proc.stdout, proc.stderr)


def add_sim_providers(home: Path, sim: Simulator, names: dict[str, str]) -> None:
    """Register simulator endpoints as keyless providers: names maps name → protocol."""
    for name, protocol in names.items():
        r = cli("providers", "add", name, "--kind", protocol, "--base-url",
                sim.url(protocol), "--no-key", home=home)
        assert r.code == 0, r.err
