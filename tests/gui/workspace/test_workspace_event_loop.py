"""The application's event loop: cancelled timers go away, dropped generators get closed."""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import AsyncIterator

import pytest

from studio.ui.event_loop import StudioEventLoop

pytestmark = pytest.mark.gui


def test_cancelled_timers_do_not_pile_up(loop: StudioEventLoop) -> None:
    fired: list[int] = []

    async def scenario() -> None:
        # What httpx does around every chunk it reads: arm a timeout, cancel it on arrival.
        for i in range(2000):
            loop.call_later(60.0, fired.append, i).cancel()
        assert loop.pending_timers == 0
        loop.call_later(0.01, fired.append, -1)
        assert loop.pending_timers == 1
        await asyncio.sleep(0.05)

    loop.run_until_complete(scenario())
    assert fired == [-1] and loop.pending_timers == 0


def test_callbacks_run_in_order_and_never_early(loop: StudioEventLoop) -> None:
    order: list[str] = []
    times: dict[str, float] = {}

    async def scenario() -> None:
        start = time.perf_counter()

        def mark(name: str) -> None:
            order.append(name)
            times[name] = time.perf_counter() - start

        loop.call_soon(mark, "soon-1")
        loop.call_later(0.03, mark, "later")
        loop.call_soon(mark, "soon-2")
        loop.call_at(loop.time() + 0.01, mark, "at")
        await asyncio.sleep(0.06)

    loop.run_until_complete(scenario())
    assert order == ["soon-1", "soon-2", "at", "later"]
    assert times["at"] >= 0.01 and times["later"] >= 0.03


def test_a_dropped_async_generator_is_closed_on_the_loop(loop: StudioEventLoop) -> None:
    closed_in_task: list[bool] = []

    async def numbers() -> AsyncIterator[int]:
        try:
            for i in range(10):
                yield i
        finally:
            await asyncio.sleep(0)  # cleanup that needs the loop, like closing a response
            closed_in_task.append(asyncio.current_task() is not None)

    async def scenario() -> None:
        gen = numbers()
        assert await gen.__anext__() == 0
        del gen  # dropped without aclose()
        gc.collect()
        for _ in range(5):
            await asyncio.sleep(0)

    loop.run_until_complete(scenario())
    assert closed_in_task == [True]
