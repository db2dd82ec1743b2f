"""The asyncio event loop on top of Qt's: qasync's, with two gaps of it closed.

1. Async-generator hooks. asyncio's own loops install `sys.set_asyncgen_hooks` while they
   run, so an async generator dropped without being closed (httpx leaves a few of its
   internal byte iterators to this) is closed later by a task on the loop. qasync does not,
   and such a generator is then closed by the garbage collector outside any task: its
   cleanup (httpcore's anyio locks) fails and Python prints "async generator ignored
   GeneratorExit". The hooks below are the ones `asyncio.BaseEventLoop.run_forever` sets.

2. Cancelled timers. qasync keeps a cancelled callback, and its Qt timer, until the timer
   fires. httpx arms a read timeout around every chunk it reads and cancels it when the
   chunk arrives, so eight streams at 200 chunks/s would leave tens of thousands of live
   Qt timers behind, each waiting out its timeout. Here a cancelled handle kills its timer.
"""

from __future__ import annotations

import asyncio
import math
import sys
from collections.abc import Callable
from contextvars import Context
from typing import Any

import qasync
from PySide6.QtCore import QObject, Qt, QTimerEvent


class _QtTimers(QObject):
    """One Qt timer per scheduled callback; cancelling a callback kills its timer."""

    def __init__(self) -> None:
        super().__init__()
        self._handles: dict[int, asyncio.TimerHandle] = {}
        self._timer_of: dict[int, int] = {}  # id(handle) -> Qt timer id

    def add(self, handle: asyncio.TimerHandle, delay: float) -> None:
        # Rounded up: a callback may run a little late, never before its time.
        ms = max(0, math.ceil(delay * 1000))
        timer = self.startTimer(ms, Qt.TimerType.PreciseTimer)
        self._handles[timer] = handle
        self._timer_of[id(handle)] = timer

    def cancel(self, handle: asyncio.TimerHandle) -> None:
        timer = self._timer_of.pop(id(handle), None)
        if timer is not None:
            del self._handles[timer]
            self.killTimer(timer)

    def timerEvent(self, event: QTimerEvent) -> None:
        timer = event.timerId()
        self.killTimer(timer)
        handle = self._handles.pop(timer, None)
        if handle is None:
            return
        del self._timer_of[id(handle)]
        if not handle.cancelled():
            handle._run()

    def __len__(self) -> int:
        return len(self._handles)

    def stop(self) -> None:
        for timer in self._handles:
            self.killTimer(timer)
        self._handles.clear()
        self._timer_of.clear()


class StudioEventLoop(qasync.QEventLoop):  # type: ignore[misc]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._qt_timers = _QtTimers()

    @property
    def pending_timers(self) -> int:
        """Callbacks waiting for their time (cancelled ones are not counted)."""
        return len(self._qt_timers)

    def run_forever(self) -> Any:
        old_hooks = sys.get_asyncgen_hooks()
        sys.set_asyncgen_hooks(firstiter=self._asyncgen_firstiter_hook,
                               finalizer=self._asyncgen_finalizer_hook)
        try:
            return super().run_forever()
        finally:
            sys.set_asyncgen_hooks(*old_hooks)

    def call_later(self, delay: float, callback: Callable[..., object], *args: Any,
                   context: Context | None = None) -> asyncio.TimerHandle:
        if asyncio.iscoroutinefunction(callback):
            raise TypeError("coroutines cannot be used with call_later")
        if not callable(callback):
            raise TypeError(f"callback must be callable: {type(callback).__name__}")
        handle = asyncio.TimerHandle(self.time() + delay, callback, args, self, context)
        self._qt_timers.add(handle, delay)
        return handle

    def _timer_handle_cancelled(self, handle: asyncio.TimerHandle) -> None:
        # TimerHandle.cancel() reports here (asyncio's own loops count them for cleanup).
        self._qt_timers.cancel(handle)

    def close(self) -> None:
        if not self.is_running() and not self.is_closed():
            self._qt_timers.stop()
        super().close()
