"""Drive the real application from inside its own process, for the GUI benchmarks.

`drive(scenario)` starts Prompt Studio the way `prompt-studio` does (`studio.app.main_gui`:
QApplication, the window, the qasync loop, the engine, the workspace), runs the
coroutine `scenario(window)` on that loop once the workspace is up, closes the window the
normal way, and prints the scenario's result as one JSON line prefixed with `RESULT `.
The parent reads it with `run_child`. Also here: the event-loop lag probe.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.common import REPO, child_env

if TYPE_CHECKING:
    from PySide6.QtCore import QTimer

    from studio.ui.main_window import MainWindow

RESULT_PREFIX = "RESULT "
Scenario = Callable[["MainWindow"], Awaitable[dict[str, Any]]]


def prepare_home(home: Path, base_url: str) -> None:
    """A Prompt Studio home with one user-added provider `bench` (no key) at `base_url`."""
    add = subprocess.run(
        [sys.executable, "-m", "studio", "providers", "add", "bench", "--kind", "openai",
         "--base-url", base_url, "--no-key"], cwd=REPO, env=child_env(home),
        capture_output=True, text=True, timeout=60)
    if add.returncode != 0:
        raise RuntimeError(f"providers add failed: {add.stderr}")


def run_child(module: str, args: list[str], home: Path | None, *, timeout: float = 600,
              wrapper: list[str] | None = None,
              env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Run `python -m module args…` and return the dict it printed with `emit`."""
    cmd = [*(wrapper or []), sys.executable, "-m", module, *args]
    proc = subprocess.run(cmd, cwd=REPO, env={**child_env(home), **(env or {})},
                          capture_output=True, text=True, timeout=timeout)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(RESULT_PREFIX)]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"{module} {' '.join(args)} failed (exit {proc.returncode}):\n"
                           f"{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(lines[-1][len(RESULT_PREFIX):])
    return result


def emit(result: dict[str, Any]) -> None:
    print(RESULT_PREFIX + json.dumps(result), flush=True)


def drive(scenario: Scenario) -> int:
    """Start the app, run `scenario(window)`, close the app; returns the exit status."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from studio.app import main_gui
    from studio.ui.app_window import AppWindow
    from studio.ui.preview.engine_setup import prepare_web_engine

    prepare_web_engine()  # what main_gui does first; the app must exist for the timer
    app = QApplication(sys.argv)
    tasks: list[asyncio.Task[None]] = []
    outcome: dict[str, Any] = {}

    async def run_scenario(window: MainWindow) -> None:
        try:
            outcome.update(await scenario(window))
        except BaseException as exc:
            outcome["error"] = repr(exc)
            raise
        finally:
            window.close()

    def begin() -> None:
        windows = [w.workspace for w in QApplication.topLevelWidgets()
                   if isinstance(w, AppWindow) and w.workspace is not None and w.isVisible()]
        if not windows:
            QTimer.singleShot(20, begin)
            return
        tasks.append(asyncio.get_running_loop().create_task(run_scenario(windows[0])))

    QTimer.singleShot(0, begin)
    code = main_gui([sys.argv[0]])
    del app
    if "error" in outcome:
        print(f"scenario failed: {outcome['error']}", file=sys.stderr)
        return 1
    emit(outcome)
    return code


async def wait_until(predicate: Callable[[], bool], limit_s: float, what: str,
                     step: float = 0.01) -> None:
    deadline = time.monotonic() + limit_s
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(step)


class LagProbe:
    """A single-shot Qt timer re-armed every `period_ms`; records how late each one fired.

    A busy event loop (painting, layout, Python callbacks) delays the timer: the lateness
    is exactly what a user feels as stutter.
    """

    def __init__(self, period_ms: int = 5) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.period_ms = period_ms
        self.samples: list[float] = []  # lateness in milliseconds
        self._timer: QTimer = QTimer()
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._fired)
        self._armed_at = 0.0

    def start(self) -> None:
        self.samples = []
        self._armed_at = time.perf_counter()
        self._timer.start(self.period_ms)

    def stop(self) -> list[float]:
        self._timer.stop()
        return self.samples

    def _fired(self) -> None:
        now = time.perf_counter()
        self.samples.append(max(0.0, (now - self._armed_at) * 1000.0 - self.period_ms))
        self._armed_at = now
        self._timer.start(self.period_ms)
