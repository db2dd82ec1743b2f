"""The GUI entry point: QApplication, the window, the qasync event loop, the engine.

Start-up shows the window first: the QApplication and an `AppWindow` at its remembered
place need QtWidgets alone, and Qt's event loop runs until that window has painted. Only
then are asyncio, QtWebEngine (the preview scheme must exist before the first preview, and
QtWebEngine must be prepared before the QApplication: `prepare_web_engine`, which also
decides Chromium's sandbox: off only as root, and then said on the status bar), the engine (one
httpx client, created inside the running loop) and the workspace loaded, and the workspace
moved into the window. On close every model task is cancelled and awaited before the client
is closed and the loop ends, so nothing is left pending.
"""

from __future__ import annotations

import gc
import logging
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import asyncio

    from PySide6.QtWidgets import QApplication, QMainWindow

    from studio.core.paths import StudioPaths
    from studio.ui.app_window import AppWindow
    from studio.ui.workspace.ui_state import WorkspaceState

log = logging.getLogger(__name__)

# How long start-up waits for the window's first paint before loading the rest anyway (a
# window started minimised or on another desktop is not painted until it is looked at).
FIRST_PAINT_LIMIT_MS = 500


def _register_preview_scheme() -> None:
    # Loads QtWebEngineCore (not its widgets); previews work once a pane opens one.
    try:
        from studio.ui.preview.scheme import register_preview_scheme
    except ImportError as exc:  # QtWebEngine missing from this PySide6 build
        log.warning("previews unavailable: %s", exc)
        return
    register_preview_scheme()


def _prepare_web_engine() -> None:
    try:
        from studio.ui.preview.engine_setup import prepare_web_engine
    except ImportError as exc:
        log.warning("previews unavailable: %s", exc)
        return
    prepare_web_engine()


def _close_local_models() -> None:
    # Every answer has ended: free the models llama.cpp loaded now, while the interpreter
    # is whole (see providers.local._close_models_at_exit). Not imported if never used.
    local = sys.modules.get("studio.core.providers.local")
    if local is not None:
        local.unload_all_models()


def _note_sandbox(window: QMainWindow) -> None:
    # As root the studio runs Chromium without its own sandbox: the status bar says so for
    # as long as the window is open (the previews carry a badge too).
    from studio.ui.preview.engine_notices import root_status_label

    label = root_status_label(window)
    if label is not None:
        window.statusBar().addPermanentWidget(label)


def _check_web_engine_soon(loop: asyncio.AbstractEventLoop) -> asyncio.TimerHandle:
    # The first preview needs the web engine checked (its helper is run once, ~80 ms): done
    # on a thread of its own once the window is up, not on the GUI thread at that moment.
    def start() -> None:
        try:
            from studio.ui.preview.engine_check import engine_status
        except ImportError:
            return
        engine_status().start_check()

    return loop.call_later(1.0, start)


def _freeze_long_lived() -> None:
    gc.collect()
    gc.freeze()


async def _run_window(frame: AppWindow, paths: StudioPaths, state: WorkspaceState) -> int:
    import asyncio

    loop = asyncio.get_running_loop()
    closed: asyncio.Future[None] = loop.create_future()

    def on_closed() -> None:
        if not closed.done():
            closed.set_result(None)

    frame.closed.connect(on_closed)
    if frame.is_closed:  # closed before the loop ran
        on_closed()
    # Each step yields to the loop, so the window repaints and answers between them.
    _register_preview_scheme()
    await asyncio.sleep(0)
    from studio.core.prices import PriceError, PriceTable
    from studio.core.runner import Engine
    from studio.core.secrets import KeyStore

    try:
        prices = PriceTable.load(paths.prices_override)
    except PriceError as exc:
        log.warning("ignoring the price override %s: %s", paths.prices_override, exc)
        prices = PriceTable.load(None)
    engine = Engine(keys=KeyStore(), prices=prices)
    window = None
    freeze = None
    check = None
    try:
        await asyncio.sleep(0)
        from studio.ui.main_window import MainWindow

        await asyncio.sleep(0)
        if not closed.done():  # closed while loading: nothing more to build
            window = MainWindow(engine, paths=paths, state=state, parent=frame)
            _note_sandbox(window)
            frame.set_workspace(window)
            check = _check_web_engine_soon(loop)
            window.prompt_area.editor.setFocus()
            # Everything built so far lives as long as the app: keep it out of the
            # collector's full passes, which would otherwise pause streaming for tens of
            # milliseconds. Done a little later, so the first frames do not wait for it.
            freeze = loop.call_later(0.5, _freeze_long_lived)
        await closed
    finally:
        for handle in (freeze, check):
            if handle is not None:
                handle.cancel()
        if window is not None:
            await window.shutdown()
        await engine.aclose()
        _close_local_models()
        frame.deleteLater()
    return 0


def configure_application(app: QApplication) -> None:
    """Name, version, icon and desktop identity of the application, and its Qt messages.

    The application name is the slug platformdirs uses for the studio's own folders, and the
    organisation name stays empty: Qt builds its per-app locations (QStandardPaths'
    AppConfigLocation, AppDataLocation, CacheLocation) as <base>/<organisation>/<name>, so
    any organisation would nest them one level below platformdirs' <base>/prompt-studio.
    The name is also the X11 WM_CLASS class, which the .desktop file's StartupWMClass names;
    the desktop file name is what Wayland compositors match instead.
    """
    from PySide6.QtGui import QGuiApplication

    import studio
    from studio.ui.app_icon import app_icon
    from studio.ui.preview.engine_setup import quiet_harmless_engine_messages

    app.setApplicationName(studio.APP_SLUG)
    app.setOrganizationName("")
    app.setApplicationDisplayName(studio.APP_NAME)
    app.setApplicationVersion(studio.__version__)
    QGuiApplication.setDesktopFileName(studio.APP_ID)
    app.setWindowIcon(app_icon())
    quiet_harmless_engine_messages()


def main_gui(argv: Sequence[str] | None = None) -> int:
    from PySide6.QtWidgets import QApplication

    from studio.core.paths import studio_paths
    from studio.ui.app_window import AppWindow
    from studio.ui.workspace.ui_state import load_state

    _prepare_web_engine()
    app = QApplication.instance() or QApplication(list(argv if argv is not None else sys.argv))
    assert isinstance(app, QApplication)
    configure_application(app)
    # The window's `closed` signal ends the run; Qt must not end the loop on its own first.
    app.setQuitOnLastWindowClosed(False)
    paths = studio_paths().ensure()
    state = load_state(paths.settings_file)
    frame = AppWindow(state.geometry)
    frame.show()
    # Qt's own loop, before any asyncio loop exists: the first frame reaches the screen
    # while the rest of the application (a few hundred milliseconds of it) is loaded.
    frame.wait_until_painted(FIRST_PAINT_LIMIT_MS)

    import asyncio

    from studio.ui.event_loop import StudioEventLoop

    with asyncio.Runner(loop_factory=lambda: StudioEventLoop(app)) as runner:
        return runner.run(_run_window(frame, paths, state))
