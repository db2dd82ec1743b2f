"""Fixtures every GUI test shares: the qasync event loop and the studio's directories."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator

import pytest
import qasync
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication

from studio.core.paths import StudioPaths, studio_paths
from studio.ui.preview.scheme import register_preview_scheme
from tests.gui.workspace.workspace_support import StopStartLoop

# Previews need their URL scheme before the QApplication exists (pytest-qt makes it at the
# first test); registering twice is harmless.
if QCoreApplication.instance() is None:
    register_preview_scheme()


@pytest.fixture
def loop(qapp: QApplication) -> Iterator[qasync.QEventLoop]:
    event_loop = StopStartLoop(qapp)
    asyncio.set_event_loop(event_loop)
    try:
        yield event_loop
    finally:
        pending = [t for t in asyncio.all_tasks(event_loop) if not t.done()]
        for task in pending:
            task.cancel()
        if pending:
            event_loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        event_loop.run_until_complete(event_loop.shutdown_asyncgens())
        asyncio.set_event_loop(None)
        event_loop.close()
        del event_loop
        # qasync's timer object sits in reference cycles: collect them on the GUI thread.
        gc.collect()


@pytest.fixture
def paths() -> StudioPaths:
    return studio_paths().ensure()
