"""Helpers of the batch window tests: a library built through the store's API, page answers
(working and broken) for the simulator, driving the start dialog and the batch to rest, and
accepting the fix-it dialog."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import qasync
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenu

from studio.core.batch import Batch, CellState
from studio.core.catalog import ProviderRegistry
from studio.core.checks import Check
from studio.core.fix_it import FIX_IT_PROMPT
from studio.store import CollectionId, Store
from studio.ui.grid.controller import BatchController
from studio.ui.grid.fix_rows import FixRows
from studio.ui.grid.start_dialog import StartBatchDialog
from studio.ui.grid.window import BatchWindow
from studio.ui.main_window import MainWindow
from tests.gui.workspace.workspace_support import in_loop, target, wait_until
from tests.support.scenarios import Hold, Synthetic
from tests.support.simulator import SeenRequest

WindowMaker = Callable[..., MainWindow]
PRICED_MODEL = "priced"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def page(title: str, colour: str = "#1e88e5", script: str = "") -> str:
    return (f"<!DOCTYPE html><html><head><title>{title}</title></head>"
            f"<body style=\"margin:0;background:{colour}\"><h1>{title}</h1>"
            f"<script>{script}</script></body></html>")


def page_answer(title: str, colour: str = "#1e88e5", script: str = "") -> Synthetic:
    text = f"Here is {title}.\n\n```html\n{page(title, colour, script)}\n```\n\nEnjoy it.\n"
    return Synthetic([text[i:i + 40] for i in range(0, len(text), 40)], usage=(20, 60))


def add_collection(store: Store, name: str, prompts: Sequence[dict[str, Any]]) -> CollectionId:
    """`prompts`: {"title", "body", "variables"?, "rows"?, "checks"?: [Check]}."""
    collection = store.add_collection(name)
    for spec in prompts:
        prompt = store.add_prompt(collection.id, spec["title"], spec["body"],
                                  variables=spec.get("variables"))
        if spec.get("rows"):
            store.set_variable_rows(prompt.id, spec["rows"])
        if spec.get("checks"):
            store.set_checks(prompt.id, [c if isinstance(c, Check) else Check.from_json(c)
                                         for c in spec["checks"]])
    return collection.id


def sent_prompt(request: SeenRequest) -> str:
    body: Any = request.json
    content = body["messages"][-1]["content"]
    if isinstance(content, list):
        content = "".join(block.get("text", "") for block in content)
    return str(content)


def controller(window: MainWindow) -> BatchController:
    found = window.grid.controller
    assert found is not None
    return found


def batch_window(window: MainWindow) -> BatchWindow:
    found = window.grid.batch_window
    assert found is not None
    return found


def shown_batch(window: MainWindow) -> Batch:
    batch = controller(window).batch
    assert batch is not None
    return batch


def open_start_dialog(loop: qasync.QEventLoop, window: MainWindow,
                      collection_id: int) -> StartBatchDialog:
    """Select the collection in the library and choose "Run as a batch…" there."""
    panel = window.library
    assert panel is not None
    panes = panel.collections
    assert panes.select_collection(collection_id)
    assert panes.batch_action.isEnabled()
    panes.batch_action.trigger()
    wait_until(loop, lambda: window.grid.dialog is not None and window.grid.dialog.isVisible(),
               what="the start dialog")
    dialog = window.grid.dialog
    assert dialog is not None
    return dialog


def start(loop: qasync.QEventLoop, window: MainWindow, dialog: StartBatchDialog) -> Batch:
    """Press Start and wait for the batch to be created and shown."""
    assert dialog.start_button.isEnabled(), dialog.error.text()
    in_loop(loop, dialog.start_button.click)  # the batch's tasks start on the running loop
    wait_until(loop, lambda: controller(window).batch is not None, what="the batch to start")
    return shown_batch(window)


def wait_finished(loop: qasync.QEventLoop, window: MainWindow, timeout: float = 60) -> Batch:
    """Until no cell of the batch on screen runs or is being checked."""
    wait_until(loop, lambda: controller(window).batch is not None and controller(window).idle,
               timeout=timeout, what="the batch to finish")
    batch = shown_batch(window)
    controller(window).events.flush()
    return batch


def states(batch: Batch) -> list[list[CellState]]:
    return [[c.state for c in batch.row_cells(r)] for r in range(len(batch.rows))]


def click_cell(loop: qasync.QEventLoop, window: BatchWindow, row: int, col: int) -> None:
    table = window.grid.table
    index = window.model.index(row, col)
    table.scrollTo(index)
    rect = table.visualRect(index)
    in_loop(loop, lambda: QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton,
                                           Qt.KeyboardModifier.NoModifier, rect.center()))


def click_header(loop: qasync.QEventLoop, window: BatchWindow, *, row: int | None = None,
                 col: int | None = None) -> None:
    table = window.grid.table
    if row is not None:
        header = table.verticalHeader()
        point = QPoint(header.width() // 2, header.sectionViewportPosition(row) + 5)
    else:
        assert col is not None
        header = table.horizontalHeader()
        point = QPoint(header.sectionViewportPosition(col) + 5, header.height() // 2)
    in_loop(loop, lambda: QTest.mouseClick(header.viewport(), Qt.MouseButton.LeftButton,
                                           Qt.KeyboardModifier.NoModifier, point))


def open_menu(loop: qasync.QEventLoop, window: BatchWindow, row: int, col: int) -> QMenu:
    """The context menu of a cell (row, col), a row (col -1) or a column (row -1)."""
    window.grid.menuRequested.emit(row, col, window.mapToGlobal(QPoint(40, 40)))
    wait_until(loop, lambda: _menu() is not None, what="the context menu")
    menu = _menu()
    assert menu is not None
    return menu


def _menu() -> QMenu | None:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QMenu) and widget.objectName() == "batchCellMenu" \
                and widget.isVisible():
            return widget
    return None


def action_texts(menu: QMenu) -> list[str]:
    return [a.text() for a in menu.actions() if not a.isSeparator()]


def trigger(loop: qasync.QEventLoop, menu: QMenu, text: str) -> None:
    action = next(a for a in menu.actions() if a.text() == text)
    assert action.isEnabled(), text

    def choose() -> None:
        action.trigger()  # as a click does: the action, then the menu closes
        menu.close()

    in_loop(loop, choose)


# The call to a missing function is on line 4 of the page; `extra` goes after the page.
BROKEN = ("Here is the page.\n\n```html\n<!doctype html>\n<html><body style='background:{colour}'>"
          "\n<script>\n{call}();\n</script>\n<h1>A page</h1></body></html>\n```\n{extra}\n")


def broken(call: str, colour: str, extra: str = "", hold: Hold | None = None) -> Synthetic:
    text = BROKEN.format(call=call, colour=colour, extra=extra)
    return Synthetic([text[i:i + 50] for i in range(0, len(text), 50)], usage=(20, 60),
                     hold=hold, hold_after=1 if hold is not None else 0)


def finished_batch(loop: qasync.QEventLoop, window: MainWindow, registry: ProviderRegistry,
                   models: list[tuple[str, str]], prompts: list[dict[str, Any]]) -> Batch:
    window.model_bar.set_targets([target(registry, p, m) for p, m in models])
    assert window.store is not None
    collection = add_collection(window.store, "Pages", prompts)
    start(loop, window, open_start_dialog(loop, window, collection))
    return wait_finished(loop, window)


def accept_fix(loop: qasync.QEventLoop, fix_rows: FixRows, prompt: str | None = None) -> None:
    dialog = fix_rows.dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.prompt() == FIX_IT_PROMPT
    if prompt is not None:
        dialog.prompt_edit.setPlainText(prompt)
    in_loop(loop, dialog.accept)
    assert fix_rows.running


def wait_outcome(loop: qasync.QEventLoop, outcomes: list[str], count: int) -> str:
    wait_until(loop, lambda: len(outcomes) >= count, timeout=120, what="the pages shown")
    return outcomes[count - 1]
