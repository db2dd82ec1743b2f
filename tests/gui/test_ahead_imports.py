"""Modules imported ahead of use: dependencies first, one module per step, read from the
modules' own import statements; cycles, failures and type-checking imports handled."""

from __future__ import annotations

import itertools
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from studio.ui.ahead_imports import AheadImporter, import_steps, top_level_imports

_names = itertools.count()


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Path]]:
    """An empty package on sys.path, with a name of its own; its modules are dropped from
    sys.modules afterwards."""
    name = f"aheadpkg{next(_names)}"
    root = tmp_path / name
    root.mkdir()
    (root / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield name, root
    for module in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
        del sys.modules[module]


def _write(root: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def _run(names: list[str], prefix: str) -> list[tuple[str, list[str]]]:
    """Each step's name and the modules under `prefix` that step imported."""
    steps = []
    before = {m for m in sys.modules if m.startswith(prefix)}
    for step in import_steps(names, prefix):
        now = {m for m in sys.modules if m.startswith(prefix)}
        steps.append((step, sorted(now - before)))
        before = now
    return steps


def test_dependencies_are_imported_first_one_module_per_step(
        package: tuple[str, Path]) -> None:
    name, root = package
    _write(root, {
        "top.py": f"""
            from __future__ import annotations
            import json
            from typing import TYPE_CHECKING
            import {name}.leaf
            from {name} import middle
            from {name}.sub.inner import VALUE
            if TYPE_CHECKING:
                from {name} import typed_only
            def later():
                from {name} import used_later
            TOP = VALUE + 1
        """,
        "middle.py": f"from {name}.leaf import LEAF\nMIDDLE = LEAF\n",
        "leaf.py": "LEAF = 1\n",
        "sub/__init__.py": "",
        "sub/inner.py": f"from {name}.middle import MIDDLE\nVALUE = MIDDLE + 1\n",
        "typed_only.py": "raise AssertionError('imported for type checking only')\n",
        "used_later.py": "raise AssertionError('imported inside a function only')\n",
    })
    __import__(name)
    steps = _run([f"{name}.top"], name)
    imported = [new for _, new in steps if new]
    assert all(len(new) == 1 for new in imported), steps  # never two modules in one step
    assert [new[0] for new in imported] == [
        f"{name}.leaf", f"{name}.middle", f"{name}.sub", f"{name}.sub.inner", f"{name}.top"]
    assert sys.modules[f"{name}.top"].TOP == 3
    assert f"{name}.typed_only" not in sys.modules
    assert f"{name}.used_later" not in sys.modules


def test_what_a_module_imports_is_read_without_importing_it(
        package: tuple[str, Path]) -> None:
    name, root = package
    _write(root, {"a.py": f"import os\nfrom {name} import b, CONSTANT\nfrom {name}.b import c\n",
                  "b.py": "c = 1\n"})
    (root / "__init__.py").write_text("CONSTANT = 1\n")
    __import__(name)
    assert top_level_imports(f"{name}.a", name) == [name, f"{name}.b"]
    assert f"{name}.a" not in sys.modules and f"{name}.b" not in sys.modules


def test_a_cycle_and_a_failing_module_end_the_steps(package: tuple[str, Path],
                                                    caplog: pytest.LogCaptureFixture) -> None:
    name, root = package
    _write(root, {
        "one.py": f"import {name}.two\nONE = 1\n",
        "two.py": f"import {name}.one\nTWO = 2\n",
        "broken.py": "raise RuntimeError('broken on purpose')\n",
        "after.py": f"import {name}.broken\n",
        "fine.py": "FINE = 1\n",
    })
    steps = _run([f"{name}.one", f"{name}.after", f"{name}.fine"], name)
    assert f"{name}.one" in sys.modules and f"{name}.two" in sys.modules
    assert f"{name}.fine" in sys.modules  # a failure does not stop the rest
    assert f"{name}.broken" not in sys.modules
    assert "could not import" in caplog.text and f"{name}.broken" in caplog.text
    assert len(steps) <= 16


def test_the_importer_runs_its_steps_on_the_event_loop(qtbot: QtBot,
                                                       package: tuple[str, Path]) -> None:
    name, root = package
    _write(root, {"a.py": f"import {name}.b\n", "b.py": "B = 1\n"})
    __import__(name)
    importer = AheadImporter([f"{name}.a"], name, interval_ms=0)
    assert f"{name}.a" not in sys.modules  # nothing before the loop runs it
    with qtbot.waitSignal(importer.finished):
        importer.start()
    assert f"{name}.a" in sys.modules and f"{name}.b" in sys.modules
    assert importer.steps_taken == 4  # read a, read b, import b, import a
    assert not importer.running
