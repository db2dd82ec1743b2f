"""One running preview: its origin, page, console, health and lifecycle."""

from __future__ import annotations

import functools
import os
import signal
from collections.abc import Callable

from PySide6.QtCore import QObject, QPointF, QTimer, QUrl, Signal
from PySide6.QtWebEngineCore import QWebEngineLoadingInfo, QWebEnginePage, QWebEngineScript
from PySide6.QtWebEngineWidgets import QWebEngineView

from studio.ui.preview.console import WARNING, ConsoleLog
from studio.ui.preview.engine_check import engine_status
from studio.ui.preview.page import ExternalOpener, PreviewPage
from studio.ui.preview.policy import REGISTRY, PreviewEntry
from studio.ui.preview.profile import preview_profile
from studio.ui.preview.scheme import load_number, preview_url
from studio.ui.preview.watchdog import HangWatchdog

EMPTY = "empty"
LOADING = "loading"
READY = "ready"
NOT_RESPONDING = "not-responding"
CRASHED = "crashed"

_Lifecycle = QWebEnginePage.LifecycleState
_Termination = QWebEnginePage.RenderProcessTerminationStatus
_LoadStatus = QWebEngineLoadingInfo.LoadStatus
# Our own scripts (pings, scroll restore) run in a world the page's scripts cannot see.
_APP_WORLD = int(QWebEngineScript.ScriptWorldId.ApplicationWorld.value)
_NOTIFY_MS = 100


def _termination_reason(status: _Termination, exit_code: int) -> str:
    if status == _Termination.KilledTerminationStatus:
        return f"the page's process was killed (signal or out of memory, code {exit_code})"
    if status == _Termination.CrashedTerminationStatus:
        return f"the page crashed (code {exit_code}); it may have run out of memory"
    if status == _Termination.AbnormalTerminationStatus:
        return f"the page's process ended abnormally (code {exit_code})"
    return f"the page's process ended (code {exit_code})"


class PreviewSession(QObject):
    """Drives one PreviewPage inside a QWebEngineView the caller owns."""

    stateChanged = Signal(str)
    consoleChanged = Signal()
    errorCountChanged = Signal(int)
    blockedCountChanged = Signal(int)
    loadFinished = Signal(bool)

    def __init__(
        self,
        view: QWebEngineView,
        *,
        network: bool,
        open_external: ExternalOpener,
        hang_timeout_ms: int = 5000,
        ping_interval_ms: int = 1000,
        freeze_after_ms: int = 1000,
        discard_after_ms: int = 60_000,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._view = view
        self._entry: PreviewEntry = REGISTRY.create(network=network)
        self._entry.on_blocked = self._on_blocked
        # The origin dies with the session, even if close() is never called.
        self.destroyed.connect(functools.partial(REGISTRY.discard, self._entry.token))
        self.console = ConsoleLog()
        self._state = EMPTY
        self._crash_reason = ""
        self._closed = False
        self._restart_pending = False
        self._scroll: QPointF | None = None
        self._loads = 0  # numbers each load, so a late signal of an older one is ignored
        self._ran = False  # this page's renderer has run something
        self._reported_errors = 0
        self._reported_blocked = 0
        self._page = PreviewPage(
            preview_profile(),
            self.console,
            on_console=self._schedule_notify,
            open_external=open_external,
            parent=view,
        )
        view.setPage(self._page)
        # loadingChanged, not loadStarted/loadFinished: those also fire for navigations the
        # page attempts and we refuse, which must not clear the console or change state.
        self._page.loadingChanged.connect(self._on_loading_changed)
        self._page.renderProcessTerminated.connect(self._on_terminated)
        self._watchdog = HangWatchdog(
            self._ping, interval_ms=ping_interval_ms, timeout_ms=hang_timeout_ms, parent=self
        )
        self._watchdog.hungChanged.connect(self._on_hung)
        self._notify_timer = _single_shot(self, _NOTIFY_MS, self._notify)
        self._freeze_timer = _single_shot(self, freeze_after_ms, self._freeze)
        self._discard_timer = _single_shot(self, discard_after_ms, self._discard)
        self._restart_timer = _single_shot(self, 3000, self._restart_now)

    # -- read-only state ---------------------------------------------------------------

    @property
    def page(self) -> PreviewPage:
        return self._page

    @property
    def token(self) -> str:
        return self._entry.token

    @property
    def url(self) -> QUrl:
        return preview_url(self._entry.token, self._loads)

    @property
    def state(self) -> str:
        return self._state

    @property
    def crash_reason(self) -> str:
        return self._crash_reason

    @property
    def network(self) -> bool:
        return self._entry.network

    @property
    def blocked_count(self) -> int:
        return self._entry.blocked

    @property
    def document(self) -> bytes:
        return self._entry.document

    # -- commands ----------------------------------------------------------------------

    def load(self, document: bytes, *, keep_scroll: bool = False) -> None:
        if self._closed:
            return
        if keep_scroll and self._state == READY:
            self._scroll = self._page.scrollPosition()
        else:
            self._scroll = None
        self._entry.document = document
        self._begin_load()

    def reload(self) -> None:
        """Run the current document again (after an edit, a crash or a hang)."""
        if self._closed or not self._entry.document:
            return
        self._scroll = None
        self._begin_load()

    def stop(self) -> None:
        if not self._closed:
            self._page.triggerAction(QWebEnginePage.WebAction.Stop)

    def set_network(self, enabled: bool) -> None:
        if self._closed or enabled == self._entry.network:
            return
        self._entry.network = enabled
        if self._entry.document:
            self.reload()

    def set_active(self, visible: bool) -> None:
        """Visible previews run; hidden ones are frozen, then discarded after a while."""
        if self._closed:
            return
        if visible:
            self._freeze_timer.stop()
            self._discard_timer.stop()
            if self._page.lifecycleState() != _Lifecycle.Active:
                self._page.setLifecycleState(_Lifecycle.Active)
            if self._state not in (EMPTY, CRASHED):
                self._watchdog.start()
        else:
            self._watchdog.stop()
            self._watchdog.reset()
            self._freeze_timer.start()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for timer in (self._notify_timer, self._freeze_timer, self._discard_timer):
            timer.stop()
        self._restart_timer.stop()
        self._watchdog.stop()
        if self._state == NOT_RESPONDING:
            # A page stuck in a loop would otherwise keep a CPU busy after it is gone.
            self._kill_renderer()
        REGISTRY.discard(self._entry.token)

    # -- internals ---------------------------------------------------------------------

    def _begin_load(self) -> None:
        if self._restart_pending:
            return  # the load starts once the stuck process is gone
        # A renderer stuck in a loop never gets to the new document: end its process first.
        if self._state == NOT_RESPONDING and self._kill_renderer():
            self._restart_pending = True
            self._restart_timer.start()
            return
        self._start_load()

    def _start_load(self) -> None:
        self._crash_reason = ""
        self._watchdog.reset()
        self._set_state(LOADING)
        if self._page.lifecycleState() != _Lifecycle.Active:
            self._page.setLifecycleState(_Lifecycle.Active)
        if self._page.isLoading():
            # A load started while another is still running can be reported as finished
            # when the older one ends, and then never again: end the older one first.
            self._page.triggerAction(QWebEnginePage.WebAction.Stop)
        self._loads += 1
        self._page.load_own(self.url)
        if self._view.isVisible():
            self._watchdog.start()

    def _on_loading_changed(self, info: QWebEngineLoadingInfo) -> None:
        url = info.url()
        if self._closed or not self._page.is_own(url) or load_number(url) != self._loads:
            return  # not ours, or a load since replaced by a newer one
        status = info.status()
        if status == _LoadStatus.LoadStartedStatus:
            self._on_load_started()
        else:
            self._on_load_finished(status == _LoadStatus.LoadSucceededStatus)

    def _on_load_started(self) -> None:
        self.console.clear()
        self._entry.blocked = 0
        self._watchdog.reset()
        if self._state != LOADING:
            self._set_state(LOADING)
        self._schedule_notify()

    def _on_load_finished(self, ok: bool) -> None:
        if self._state == CRASHED:
            return
        if ok:
            self._note_ran()
        self._watchdog.reset()
        self._set_state(READY)
        if self._scroll is not None and (self._scroll.x() > 0 or self._scroll.y() > 0):
            x, y = int(self._scroll.x()), int(self._scroll.y())
            self._page.runJavaScript(f"window.scrollTo({x}, {y});", _APP_WORLD, _ignore)
        self._scroll = None
        self.loadFinished.emit(ok)

    def _on_terminated(self, status: _Termination, exit_code: int) -> None:
        if self._closed:
            return
        self._watchdog.stop()
        self._watchdog.reset()
        if self._restart_pending:
            self._restart_now()
            return
        if self._page.lifecycleState() == _Lifecycle.Discarded:
            return
        reason = _termination_reason(status, exit_code)
        # A renderer that died before running anything, in a process where none ever ran,
        # is the engine failing to start, not this page: every preview will fail alike.
        start_failure = (
            not self._ran
            and not engine_status().renderer_ran
            and status in (_Termination.AbnormalTerminationStatus,
                           _Termination.CrashedTerminationStatus)
        )
        if start_failure:
            reason = f"the web engine could not start its page process (code {exit_code})"
        self._crash_reason = reason
        self.console.add(WARNING, reason[0].upper() + reason[1:], kind="sandbox")
        self._set_state(CRASHED)
        self._schedule_notify()
        if start_failure:
            engine_status().note_start_failure(f"code {exit_code}")

    def _note_ran(self) -> None:
        if not self._ran:
            self._ran = True
            engine_status().note_renderer_ran()

    def _restart_now(self) -> None:
        self._restart_timer.stop()
        if not self._restart_pending or self._closed:
            return
        self._restart_pending = False
        self._start_load()

    def _kill_renderer(self) -> bool:
        pid = self._page.renderProcessPid()
        if pid <= 0 or pid == os.getpid():
            return False
        kill_signal = getattr(signal, "SIGKILL", signal.SIGTERM)
        try:
            os.kill(pid, kill_signal)
        except OSError:
            return False
        return True

    def _ping(self, answer: Callable[[object], None]) -> None:
        if self._closed:
            return

        def on_result(result: object) -> None:
            if not self._closed:
                if result == 1:  # answered by a running renderer, not by its end
                    self._note_ran()
                answer(result)

        self._page.runJavaScript("1", _APP_WORLD, on_result)

    def _on_hung(self, hung: bool) -> None:
        if hung:
            self._set_state(NOT_RESPONDING)
        elif self._state == NOT_RESPONDING:
            self._set_state(LOADING if self._page.isLoading() else READY)

    def _freeze(self) -> None:
        page = self._page
        if self._closed or page.isVisible() or page.lifecycleState() != _Lifecycle.Active:
            return
        if page.recommendedState() == _Lifecycle.Active:
            return
        page.setLifecycleState(_Lifecycle.Frozen)
        self._discard_timer.start()

    def _discard(self) -> None:
        page = self._page
        if self._closed or page.isVisible() or page.lifecycleState() != _Lifecycle.Frozen:
            return
        page.setLifecycleState(_Lifecycle.Discarded)

    def _on_blocked(self, url: str, reason: str) -> None:
        self.console.add(WARNING, f"Blocked {url} ({reason})", kind="sandbox")
        self._schedule_notify()

    def _schedule_notify(self) -> None:
        if not self._closed and not self._notify_timer.isActive():
            self._notify_timer.start()

    def _notify(self) -> None:
        self.consoleChanged.emit()
        errors = self.console.error_count
        if errors != self._reported_errors:
            self._reported_errors = errors
            self.errorCountChanged.emit(errors)
        blocked = self._entry.blocked
        if blocked != self._reported_blocked:
            self._reported_blocked = blocked
            self.blockedCountChanged.emit(blocked)

    def _set_state(self, state: str) -> None:
        if state != self._state:
            self._state = state
            self.stateChanged.emit(state)


def _single_shot(parent: QObject, ms: int, slot: Callable[[], None]) -> QTimer:
    timer = QTimer(parent)
    timer.setSingleShot(True)
    timer.setInterval(ms)
    timer.timeout.connect(slot)
    return timer


def _ignore(_result: object) -> None:
    return None
