"""Helpers of the integration tests: windows opened and closed as the app does it."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import qasync
from PySide6.QtWebEngineCore import QWebEngineScript

from studio.ui.main_window import MainWindow
from tests.gui.workspace.workspace_support import spin, wait_until

if TYPE_CHECKING:
    from studio.ui.preview.view import PreviewView

WindowMaker = Callable[..., MainWindow]
APP_WORLD = int(QWebEngineScript.ScriptWorldId.ApplicationWorld.value)


def page_text(loop: qasync.QEventLoop, view: PreviewView, script: str,
              timeout: float = 20.0) -> str:
    """What `script` evaluates to in the page `view` is running (its own world, so the
    page's scripts cannot change the answer); "" until a page has loaded."""
    box: list[object] = []

    def ask() -> bool:
        page = view.page()
        if page is None:
            return False
        page.runJavaScript(script, APP_WORLD, box.append)
        return True

    def answered() -> bool:
        return bool(box)

    if not ask():
        return ""
    wait_until(loop, answered, timeout=timeout, what=f"the page to answer {script!r}")
    return str(box[0] or "")


def wait_for_page_text(loop: qasync.QEventLoop, view: PreviewView, script: str,
                       expected: str, timeout: float = 30.0) -> None:
    """Ask the page again until `script` gives `expected` (a page loads asynchronously)."""
    seen: list[str] = []

    def shows() -> bool:
        seen.append(page_text(loop, view, script))
        return seen[-1] == expected

    deadline = time.monotonic() + timeout
    while not shows():
        if time.monotonic() > deadline:
            raise AssertionError(f"the page shows {seen[-1]!r}, not {expected!r}")
        spin(loop, 0.05)
