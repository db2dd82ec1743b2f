"""Helpers of the arena tests: models with names that appear nowhere else, answers with a
page, and a walk over every text a window shows (for names that must not be there)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import qasync
from PySide6.QtCore import QAbstractItemModel, QModelIndex, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPlainTextEdit,
    QStatusBar,
    QTabBar,
    QTextEdit,
    QWidget,
)

from studio.core.catalog import ProviderRegistry
from studio.core.runner import ModelTarget
from studio.ui.main_window import MainWindow
from tests.gui.workspace.workspace_support import in_loop, target, wait_until
from tests.support.scenarios import Synthetic
from tests.support.simulator import Simulator

# Names no prompt, answer or label of the tests contains.
MODELS = (("sim-openai", "vega-7"), ("sim-anthropic", "lyra-3"), ("sim-gemini", "orion-5"),
          ("sim-openai", "draco-9"))
SECRET_WORDS = ("vega", "lyra", "orion", "draco", "sim-openai", "sim-anthropic", "sim-gemini",
                "Sim openai", "Sim anthropic", "Sim gemini")
COLOURS = ("crimson", "teal", "gold", "navy")


def answer(n: int) -> Synthetic:
    """An answer with a page of its own colour (no model name in it)."""
    colour = COLOURS[n % len(COLOURS)]
    text = (f"Answer number {n + 1}, in {colour}:\n\n```html\n<!doctype html><html><body "
            f"style='background:{colour}'><h1>{colour} square</h1></body></html>\n```\n"
            + "Some more words. " * (n + 1))
    return Synthetic([text[:30], text[30:]], usage=(20 + n, 40 + n))


def script_models(sim: Simulator, registry: ProviderRegistry, count: int) -> list[ModelTarget]:
    targets = []
    for n, (provider, model) in enumerate(MODELS[:count]):
        sim.script(model, answer(n))
        targets.append(target(registry, provider, model))
    return targets


def send(loop: qasync.QEventLoop, window: MainWindow, targets: Sequence[ModelTarget],
         prompt: str = "Draw a square") -> None:
    window.model_bar.set_targets(list(targets))
    window.prompt_area.set_prompt(prompt)
    in_loop(loop, window.submit)
    comparison = window.comparison
    assert comparison is not None
    wait_until(loop, lambda: comparison.settled and not comparison.running, timeout=30,
               what="every answer")


def _model_texts(model: QAbstractItemModel, parent: QModelIndex | None = None) -> Iterator[str]:
    parent = parent or QModelIndex()
    roles = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole,
             Qt.ItemDataRole.AccessibleTextRole, Qt.ItemDataRole.StatusTipRole)
    for row in range(model.rowCount(parent)):
        for column in range(model.columnCount(parent)):
            index = model.index(row, column, parent)
            for role in roles:
                value = index.data(role)
                if isinstance(value, str):
                    yield value
            if column == 0 and model.rowCount(index) > 0:
                yield from _model_texts(model, index)


def widget_texts(widget: QWidget) -> Iterator[tuple[str, str]]:
    """(where, text) for everything a widget says: its text, title, tooltip, accessible
    name and description, status tip, items, tabs and actions."""
    where = f"{type(widget).__name__} {widget.objectName() or widget.accessibleName()!r}"
    for text in (widget.windowTitle(), widget.toolTip(), widget.accessibleName(),
                 widget.accessibleDescription(), widget.statusTip(), widget.whatsThis()):
        yield where, text
    if isinstance(widget, QLabel | QAbstractButton | QLineEdit):
        yield where, widget.text()
    if isinstance(widget, QTextEdit | QPlainTextEdit):
        yield where, widget.toPlainText()
    if isinstance(widget, QComboBox):
        yield where, widget.currentText()
        for i in range(widget.count()):
            yield where, widget.itemText(i)
    if isinstance(widget, QTabBar):
        for i in range(widget.count()):
            yield where, widget.tabText(i)
            yield where, widget.tabToolTip(i)
    if isinstance(widget, QAbstractItemView) and widget.model() is not None:
        for text in _model_texts(widget.model()):
            yield where, text
    if isinstance(widget, QStatusBar):
        yield where, widget.currentMessage()
    for action in widget.actions():
        if isinstance(action, QAction):
            yield where, action.text()
            yield where, action.toolTip()


def leaks(window: QMainWindow, words: Sequence[str] = SECRET_WORDS) -> list[str]:
    """Every text in the window (and any window it owns) that names one of `words`."""
    widgets = [window, *window.findChildren(QWidget)]
    for top in QApplication.topLevelWidgets():
        if top is not window and top.isVisible() and top not in widgets:
            widgets += [top, *top.findChildren(QWidget)]
    found = []
    for widget in widgets:
        for where, text in widget_texts(widget):
            lowered = text.casefold()
            for word in words:
                if word.casefold() in lowered:
                    found.append(f"{where}: {text!r}")
    return found
