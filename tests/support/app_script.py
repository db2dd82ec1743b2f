"""Run a script that starts the studio (see `started_app`) in a Python process of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def run_app_script(source: str, home: Path, folder: Path, *args: str,
                   timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Write `source` into `folder` and run it with `args`: warnings are errors, the studio's
    home is `home`, Qt draws offscreen. Returns the finished process, output as text."""
    script = folder / "drive_app.py"
    script.write_text(source, encoding="utf-8")
    env = {**os.environ, "PROMPT_STUDIO_HOME": str(home), "PYTHONPATH": str(REPO),
           "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, "-W", "error", str(script), *args], env=env,
                          capture_output=True, text=True, timeout=timeout, cwd=REPO)
