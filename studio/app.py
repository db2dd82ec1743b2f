"""The GUI entry point: QApplication, the qasync event loop, the engine and the main window.

Start-up order matters: the preview URL scheme must be registered before the QApplication
exists, the engine (one httpx client) must be created inside the running loop, and on
close every model task is cancelled and awaited before the client is closed and the loop
ends, so nothing is left pending.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)


def _register_preview_scheme() -> None:
    # The scheme module registers QWebEngineUrlScheme only; it does not load QtWebEngine's
    # widgets, so start-up stays fast while previews work once a pane opens one.
    try:
        from studio.ui.preview.scheme import register_preview_scheme
    except ImportError as exc:  # QtWebEngine missing from this PySide6 build
        log.warning("previews unavailable: %s", exc)
        return
    register_preview_scheme()


def _freeze_long_lived() -> None:
    gc.collect()
    gc.freeze()


async def _run_window() -> int:
    from studio.core.paths import studio_paths
    from studio.core.prices import PriceError, PriceTable
    from studio.core.runner import Engine
    from studio.core.secrets import KeyStore
    from studio.ui.main_window import MainWindow

    paths = studio_paths().ensure()
    try:
        prices = PriceTable.load(paths.prices_override)
    except PriceError as exc:
        log.warning("ignoring the price override %s: %s", paths.prices_override, exc)
        prices = PriceTable.load(None)
    engine = Engine(keys=KeyStore(), prices=prices)
    closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    window = MainWindow(engine, paths=paths)

    def on_closed() -> None:
        if not closed.done():
            closed.set_result(None)

    window.closed.connect(on_closed)
    window.show()
    # Everything built so far lives as long as the app: keep it out of the collector's
    # full passes, which would otherwise pause streaming for tens of milliseconds. Done
    # after the first paint, so the window does not wait for a full collection.
    freeze = asyncio.get_running_loop().call_later(0.5, _freeze_long_lived)
    try:
        await closed
    finally:
        freeze.cancel()
        await window.shutdown()
        await engine.aclose()
        window.deleteLater()
    return 0


def configure_application(app: QApplication) -> None:
    """Name, version, icon and desktop identity of the application.

    The application name is the slug platformdirs uses for the studio's own folders, and the
    organisation name stays empty: Qt builds its per-app locations (QStandardPaths'
    AppConfigLocation, AppDataLocation, CacheLocation) as <base>/<organisation>/<name>, so
    any organisation would nest them one level below platformdirs' <base>/prompt-studio.
    The name is also the X11 WM_CLASS class, which the .desktop file's StartupWMClass names;
    the desktop file name is what Wayland compositors match instead.
    """
    from PySide6.QtGui import QGuiApplication

    import studio
    from studio.ui.style import app_icon

    app.setApplicationName(studio.APP_SLUG)
    app.setOrganizationName("")
    app.setApplicationDisplayName(studio.APP_NAME)
    app.setApplicationVersion(studio.__version__)
    QGuiApplication.setDesktopFileName(studio.APP_ID)
    app.setWindowIcon(app_icon())


def main_gui(argv: Sequence[str] | None = None) -> int:
    from PySide6.QtWidgets import QApplication

    from studio.ui.event_loop import StudioEventLoop

    _register_preview_scheme()
    app = QApplication.instance() or QApplication(list(argv if argv is not None else sys.argv))
    assert isinstance(app, QApplication)
    configure_application(app)
    # The window's `closed` signal ends the run; Qt must not end the loop on its own first.
    app.setQuitOnLastWindowClosed(False)
    with asyncio.Runner(loop_factory=lambda: StudioEventLoop(app)) as runner:
        return runner.run(_run_window())
