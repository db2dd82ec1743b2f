"""Modules imported ahead of their first use, on the window's thread, one module per event.

A window opened for the first time imports its modules in the event that builds it: for
the batch window some forty modules, 25-45 ms with their bytecode cached and over 100 ms
without, in one event, which was the longest stall of a whole batch. Importing them in a
worker thread instead would run PySide's import hook (which reads every imported module's
source) off the GUI thread. So they are imported here on the GUI thread, but spread out:
each module after the modules it imports at its top level, one per timer event, so that
no event holds the loop for more than one module's own import, a few milliseconds.

Which modules a module imports is read from its source (the `import` statements in its
body, not those under `if TYPE_CHECKING:` or inside functions): nothing is listed by hand,
so a module added to a window later is imported ahead like the rest.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import logging
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

log = logging.getLogger(__name__)
STEP_INTERVAL_MS = 2  # between two steps: the loop serves what is waiting in between


def _source_of(name: str) -> Path | None:
    """The source file of module `name`, whose parent package is already imported; None
    for a module without Python source (an extension) or not found."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
        return None
    return Path(spec.origin)


def _is_submodule(package: str, attribute: str) -> bool:
    """Whether `from package import attribute` names a module of the package, found on
    disk without importing anything."""
    module = sys.modules.get(package)
    if module is not None:
        if not hasattr(module, "__path__"):
            return False
        locations = list(module.__path__)
    else:
        source = _source_of(package) if package.rpartition(".")[0] in sys.modules else None
        if source is None or source.name != "__init__.py":
            return False
        locations = [str(source.parent)]
    return any((Path(where) / f"{attribute}.py").is_file()
               or (Path(where) / attribute / "__init__.py").is_file() for where in locations)


def top_level_imports(name: str, prefix: str) -> list[str]:
    """The modules under `prefix` that module `name` imports in its body, in the order it
    imports them. Its parent package must be imported already."""
    source = _source_of(name)
    if source is None:
        return []
    try:
        tree = ast.parse(source.read_bytes(), str(source))
    except (OSError, SyntaxError, ValueError):
        return []  # the real import reports it
    found: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append(node.module)
            found.extend(f"{node.module}.{alias.name}" for alias in node.names
                         if node.module.startswith(prefix)
                         and _is_submodule(node.module, alias.name))
    return [n for n in dict.fromkeys(found) if n.startswith(prefix)]


def import_steps(names: Iterable[str], prefix: str) -> Iterator[str]:
    """Import `names` and the modules under `prefix` they need, one step at a time.

    A step either reads which modules a module imports or imports one module whose own
    imports under `prefix` (and parent package) are already done; it yields the module's
    name. A module that fails to import is logged and skipped: where it is really used,
    its import raises as usual.
    """
    stack: list[tuple[str, bool]] = [(name, False) for name in reversed(list(names))]
    pending: set[str] = set()  # read, waiting for their own imports: breaks cycles
    failed: set[str] = set()
    while stack:
        name, read = stack.pop()
        if name in sys.modules or name in failed:
            continue
        if read:
            pending.discard(name)
            try:
                importlib.import_module(name)
            except Exception:
                failed.add(name)
                log.exception("could not import %s ahead of use", name)
            yield name
            continue
        if name in pending:
            continue  # an import cycle: the module is imported where the cycle began
        parent = name.rpartition(".")[0]
        if parent and parent not in sys.modules:
            if parent not in pending and parent not in failed:
                stack.append((name, False))
                stack.append((parent, False))
            # else the package imports it itself, or cannot be imported
            continue
        pending.add(name)
        needed = [n for n in top_level_imports(name, prefix)
                  if n not in sys.modules and n not in pending]
        stack.append((name, True))
        stack.extend((n, False) for n in reversed(needed))
        yield name


class AheadImporter(QObject):
    """Runs `import_steps(names, prefix)` on the event loop, one step per timer event;
    `finished` once every module is imported. Stops with its parent."""

    finished = Signal()

    def __init__(self, names: Iterable[str], prefix: str, parent: QObject | None = None,
                 *, interval_ms: int = STEP_INTERVAL_MS) -> None:
        super().__init__(parent)
        self._steps = import_steps(tuple(names), prefix)
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._step)
        self.steps_taken = 0

    def start(self, delay_ms: int = 0) -> None:
        if delay_ms > 0:
            QTimer.singleShot(delay_ms, self, self._timer.start)
        else:
            self._timer.start()

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    def _step(self) -> None:
        try:
            next(self._steps)
        except StopIteration:
            self._timer.stop()
            self.finished.emit()
            return
        self.steps_taken += 1
