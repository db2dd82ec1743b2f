"""The engine, the store and the reports must stay importable without Qt (CLI, fast tests,
scripting)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
QT_ROOTS = {"PySide6", "qasync", "shiboken6", "PyQt5", "PyQt6"}


def _imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_core_store_and_report_sources_import_no_qt() -> None:
    offenders = []
    for layer in ("core", "store", "report"):
        for path in sorted((REPO / "studio" / layer).rglob("*.py")):
            bad = _imported_roots(path) & QT_ROOTS
            if bad:
                offenders.append(f"{path.relative_to(REPO)}: {sorted(bad)}")
    assert offenders == []


def _qt_loaded(code: str) -> str:
    """The Qt modules a fresh interpreter has loaded after running `code`."""
    report = ("\nimport sys\nprint(','.join(sorted(n for n in sys.modules "
              f"if n.split('.')[0] in {sorted(QT_ROOTS)!r})))\n")
    out = subprocess.run([sys.executable, "-c", code + report], cwd=REPO,
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_importing_every_core_store_and_report_module_loads_no_qt() -> None:
    code = (
        "import importlib, pkgutil\n"
        "import studio.core, studio.store, studio.report\n"
        "for pkg in (studio.core, studio.store, studio.report):\n"
        "    for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "        try:\n"
        "            importlib.import_module(m.name)\n"
        "        except ImportError as exc:\n"
        "            if 'llama_cpp' not in str(exc):\n"
        "                raise\n"
    )
    assert _qt_loaded(code) == ""


def test_the_cli_parser_loads_no_qt() -> None:
    assert _qt_loaded("from studio.cli import build_parser\nbuild_parser()") == ""


def test_the_battle_queue_and_its_ballots_load_no_qt() -> None:
    # The arena's queue runs headless (its tests, scripts): only its window needs Qt.
    assert _qt_loaded("import studio.ui.arena.battle_queue, studio.ui.arena.ballot") == ""
