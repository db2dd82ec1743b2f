"""Whether QtWebEngine can run previews here, asked before any web view is created.

Chromium does not fail gently: without its helper program (QtWebEngineProcess) or its
resources, Qt aborts the whole process the moment the first page is created, and a renderer
that cannot start leaves every page blank. So the studio checks what it can beforehand
(the modules load, the helper and resources are where Qt will look), and remembers a
renderer that could not start; previews then show why and how to fix it instead of a web
view, and nothing else in the app is affected.

Nothing here imports QtWebEngine at module level: the check must work where it is missing.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QObject, Signal

PROCESS_ENV = "QTWEBENGINEPROCESS_PATH"
RESOURCES_ENV = "QTWEBENGINE_RESOURCES_PATH"
HELPER_NAME = "QtWebEngineProcess.exe" if sys.platform == "win32" else "QtWebEngineProcess"
RESOURCES_FILE = "qtwebengine_resources.pak"
_MODULES = ("PySide6.QtWebEngineCore", "PySide6.QtWebEngineWidgets")
# Run with no arguments the helper answers at once (~80 ms); the limit is for a hung one.
HELPER_PROBE_TIMEOUT_S = 20.0
_PROBE_ENV_PREFIXES = ("QT", "LD_", "LC_", "LANG", "PATH", "HOME", "TMPDIR", "XDG_RUNTIME_DIR")
_REINSTALL = "reinstall the studio's Qt (pip install --force-reinstall PySide6)"


@dataclass(frozen=True, slots=True)
class EngineProblem:
    """Why previews cannot run, and what the user can do about it."""

    reason: str
    fix: str

    @property
    def message(self) -> str:
        return f"{self.reason}. {self.fix[0].upper()}{self.fix[1:]}."


def _library_path(which: QLibraryInfo.LibraryPath) -> str:
    return QLibraryInfo.path(which)


def _application_dir() -> str:
    if QCoreApplication.instance() is not None:
        return QCoreApplication.applicationDirPath()
    # What Qt will report once the application exists: the running executable's folder.
    exe = "/proc/self/exe" if os.path.exists("/proc/self/exe") else sys.executable
    return str(Path(os.path.realpath(exe)).parent)


def helper_candidates(env: Mapping[str, str]) -> list[str]:
    """Where Qt looks for QtWebEngineProcess, in its order (only the variable, when set)."""
    from_env = env.get(PROCESS_ENV, "")
    if from_env:
        return [from_env]
    lp = QLibraryInfo.LibraryPath
    return [
        os.path.join(_library_path(lp.LibraryExecutablesPath), HELPER_NAME),
        os.path.join(_library_path(lp.BinariesPath), HELPER_NAME),
        os.path.join(_application_dir(), HELPER_NAME),
    ]


def resource_candidates(env: Mapping[str, str]) -> list[str]:
    """Where Qt looks for qtwebengine_resources.pak (folders), in its order."""
    from_env = env.get(RESOURCES_ENV, "")
    if from_env:
        return [from_env]
    data = _library_path(QLibraryInfo.LibraryPath.DataPath)
    app_name = QCoreApplication.applicationName() if QCoreApplication.instance() else ""
    home = os.path.join(os.path.expanduser("~"), "." + (app_name or Path(sys.argv[0]).stem))
    return [os.path.join(data, "resources"), data, _application_dir(), home]


def _helper_problem(env: Mapping[str, str]) -> EngineProblem | None:
    candidates = helper_candidates(env)
    found = next((c for c in candidates if os.path.exists(c)), None)
    if found is None:
        where = ", ".join(candidates)
        if env.get(PROCESS_ENV):
            return EngineProblem(
                f"QtWebEngine's helper program is missing: {PROCESS_ENV} points to {where}, "
                "which does not exist",
                f"unset {PROCESS_ENV} or point it to the QtWebEngineProcess that came with "
                "Qt",
            )
        return EngineProblem(
            f"QtWebEngine's helper program (QtWebEngineProcess) is missing; looked in {where}",
            _REINSTALL,
        )
    if not os.path.isfile(found) or not os.access(found, os.X_OK):
        return EngineProblem(
            f"QtWebEngine's helper program {found} is not an executable file",
            f"make it executable (chmod +x {found}) or {_REINSTALL}",
        )
    return _helper_run_problem(found, env)


def _probe_env(env: Mapping[str, str]) -> dict[str, str]:
    # What the helper needs to load, and nothing else (no API key reaches it this way).
    return {k: v for k, v in env.items() if k.startswith(_PROBE_ENV_PREFIXES)}


def _helper_run_problem(helper: str, env: Mapping[str, str]) -> EngineProblem | None:
    """Run the helper once with no arguments (it prints its versions and exits): a helper
    that cannot run makes Chromium abort the whole process ("Cannot communicate with
    zygote") as often as it fails the first page gently."""
    fix = (f"point {PROCESS_ENV} to the QtWebEngineProcess that came with Qt"
           if env.get(PROCESS_ENV) else _REINSTALL)
    try:
        result = subprocess.run([helper], env=_probe_env(env), stdin=subprocess.DEVNULL,
                                capture_output=True, timeout=HELPER_PROBE_TIMEOUT_S,
                                check=False)
    except subprocess.TimeoutExpired:
        return EngineProblem(
            f"QtWebEngine's helper program {helper} did not answer within "
            f"{HELPER_PROBE_TIMEOUT_S:g} s", fix)
    except OSError as exc:
        return EngineProblem(
            f"QtWebEngine's helper program {helper} cannot be run: {exc.strerror or exc}", fix)
    if result.returncode != 0:
        said = result.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = f": {said[-1][:200]}" if said else ""
        return EngineProblem(
            f"QtWebEngine's helper program {helper} does not run "
            f"(exit code {result.returncode}{detail})", fix)
    return None


def _resources_problem(env: Mapping[str, str]) -> EngineProblem | None:
    candidates = resource_candidates(env)
    if any(os.path.exists(os.path.join(c, RESOURCES_FILE)) for c in candidates):
        return None
    return EngineProblem(
        f"QtWebEngine's resources ({RESOURCES_FILE}) are missing; looked in "
        + ", ".join(candidates),
        f"unset {RESOURCES_ENV} or {_REINSTALL}" if env.get(RESOURCES_ENV) else _REINSTALL,
    )


def _module_problem() -> EngineProblem | None:
    import importlib

    for name in _MODULES:
        try:
            importlib.import_module(name)
        except ImportError as exc:
            detail = str(exc) or name
            if "shared object" in detail or ".so" in detail:
                return EngineProblem(
                    f"QtWebEngine cannot be loaded: {detail}",
                    "install the system libraries it needs (packaging/bootstrap.sh does "
                    "that on Debian and Ubuntu)",
                )
            return EngineProblem(
                f"QtWebEngine is not installed with this Qt ({name}: {detail})",
                "install PySide6 with its add-ons (pip install --force-reinstall PySide6)",
            )
    return None


def files_problem(env: Mapping[str, str] | None = None) -> EngineProblem | None:
    """The helper program (run once) and the resources; safe off the GUI thread."""
    env = os.environ if env is None else env
    return _helper_problem(env) or _resources_problem(env)


def static_problem(env: Mapping[str, str] | None = None) -> EngineProblem | None:
    """What stops QtWebEngine from starting here, found without starting it."""
    return _module_problem() or files_problem(env)


class EngineStatus(QObject):
    """The process-wide answer to "can previews run?"; `changed` when it changes."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._checked = False
        self._problem: EngineProblem | None = None
        self._renderer_ran = False
        self._files_check: threading.Thread | None = None
        self._files_result: list[EngineProblem | None] = []

    @property
    def renderer_ran(self) -> bool:
        """Whether any page's renderer has run in this process (the engine works here)."""
        return self._renderer_ran

    def note_renderer_ran(self) -> None:
        self._renderer_ran = True

    def start_check(self) -> None:
        """Check the helper and resources on a thread of their own now, so the first
        preview does not wait for the helper's trial run (problem() collects the answer)."""
        if self._checked or self._files_check is not None:
            return
        self._files_check = threading.Thread(
            target=lambda: self._files_result.append(files_problem()),
            name="web-engine-check", daemon=True)
        self._files_check.start()

    def problem(self) -> EngineProblem | None:
        """Checked once, before the first web view; None when previews can run."""
        if not self._checked:
            self._checked = True
            problem = _module_problem()
            check, self._files_check = self._files_check, None
            if check is not None:
                check.join()
            files = self._files_result.pop() if self._files_result else files_problem()
            self._problem = problem or files
        return self._problem

    def note_start_failure(self, detail: str) -> None:
        """A renderer could not start at all: no preview will run until this is fixed."""
        problem = EngineProblem(
            f"the web engine could not start its page process ({detail})",
            "check that QtWebEngineProcess runs on this machine "
            f"(its path comes from {PROCESS_ENV} when set) and that the system "
            "libraries it needs are installed, then try again",
        )
        self._checked = True
        if problem != self._problem:
            self._problem = problem
            self.changed.emit()

    def retry(self) -> None:
        """Check again (the user fixed something); previews re-run if the problem is gone."""
        before = self._problem
        self._checked = False
        if self.problem() != before:
            self.changed.emit()


_status: EngineStatus | None = None


def engine_status() -> EngineStatus:
    global _status
    if _status is None:
        _status = EngineStatus()
    return _status
