"""The batch limiter: a hard global bound, per-provider bounds, slow-down of one provider."""

from __future__ import annotations

import asyncio

import pytest

from studio.core.batch_limits import DEFAULT_PAUSE_S, Limiter
from studio.core.catalog import ModelRef, ProviderConfig
from studio.core.events import ErrorKind, ProviderError
from studio.core.request import single_turn
from studio.core.runner import ModelRun, ModelTarget

pytestmark = pytest.mark.timeout(30)


def run(provider: str, index: int = 0) -> ModelRun:
    config = ProviderConfig(provider, "openai", "http://127.0.0.1:1/v1", needs_key=False)
    return ModelRun(index, ModelTarget(ModelRef(provider, "m"), config), single_turn("m", "x"))


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def test_never_more_than_the_bound_and_first_come_first_served() -> None:
    async def main() -> None:
        admitted: list[int] = []
        limiter = Limiter(2, on_admitted=lambda r: admitted.append(r.index))
        runs = [run("a", i) for i in range(5)]
        tasks = [asyncio.create_task(limiter.acquire(r)) for r in runs]
        await _settle()
        assert admitted == [0, 1] and limiter.open == 2 and limiter.waiting == 3
        limiter.release(runs[0], None, None)
        await _settle()
        assert admitted == [0, 1, 2] and limiter.open == 2
        for r in runs[1:]:
            limiter.release(r, None, None)
            await _settle()
        await asyncio.gather(*tasks)
        assert admitted == [0, 1, 2, 3, 4] and limiter.peak == 2 and limiter.open == 0

    asyncio.run(main())


def test_a_busy_provider_does_not_hold_back_the_others() -> None:
    async def main() -> None:
        admitted: list[str] = []
        limiter = Limiter(4, per_provider=1,
                          on_admitted=lambda r: admitted.append(f"{r.target.ref.provider}"
                                                                f"{r.index}"))
        runs = [run("a", 0), run("a", 1), run("b", 0), run("b", 1)]
        tasks = [asyncio.create_task(limiter.acquire(r)) for r in runs]
        await _settle()
        assert admitted == ["a0", "b0"]
        limiter.release(runs[2], None, None)
        await _settle()
        assert admitted == ["a0", "b0", "b1"]
        limiter.release(runs[0], None, None)
        await _settle()
        assert admitted == ["a0", "b0", "b1", "a1"]
        limiter.release(runs[1], None, None)
        limiter.release(runs[3], None, None)
        await asyncio.gather(*tasks)

    asyncio.run(main())


def test_a_rate_limit_pauses_that_provider_for_its_retry_after_and_halves_its_bound() -> None:
    async def main() -> None:
        clock = Clock()
        admitted: list[str] = []
        limiter = Limiter(8, per_provider=4, clock=clock,
                          on_admitted=lambda r: admitted.append(r.target.ref.provider))
        first = [run("a", i) for i in range(4)]
        for r in first:
            await limiter.acquire(r)
        limiter.release(first[0], ProviderError(ErrorKind.RATE_LIMIT, "slow down",
                                                status=429, retry_after=30.0), 30.0)
        assert limiter.provider_bound("a") == 2 and limiter.throttled("a") == 1
        assert limiter.resumes_in("a") == pytest.approx(30.0)
        more_a = asyncio.create_task(limiter.acquire(run("a", 9)))
        b = asyncio.create_task(limiter.acquire(run("b")))
        await _settle()
        assert admitted[-1] == "b" and not more_a.done()  # b goes on, a waits
        clock.now += 31
        for r in first[1:]:
            limiter.release(r, None, None)  # each success lets the bound grow back by one
        await _settle()
        assert more_a.done() and limiter.provider_bound("a") == 4
        await b

    asyncio.run(main())


def test_an_overload_without_retry_after_pauses_briefly_and_the_timer_resumes_it() -> None:
    async def main() -> None:
        limiter = Limiter(2)
        r = run("a")
        await limiter.acquire(r)
        limiter.release(r, ProviderError(ErrorKind.OVERLOADED, "busy", status=529), None)
        assert 0 < limiter.resumes_in("a") <= DEFAULT_PAUSE_S
        # The limiter's own timer admits the waiting request once the pause is over.
        await asyncio.wait_for(limiter.acquire(run("a", 1)), DEFAULT_PAUSE_S + 5)

    asyncio.run(main())


def test_other_errors_do_not_slow_a_provider_down() -> None:
    async def main() -> None:
        limiter = Limiter(2)
        r = run("a")
        await limiter.acquire(r)
        limiter.release(r, ProviderError(ErrorKind.SERVER, "oops", status=500), 1.0)
        assert limiter.resumes_in("a") == 0 and limiter.provider_bound("a") == 2

    asyncio.run(main())


def test_pause_admits_nothing_new_and_resume_goes_on() -> None:
    async def main() -> None:
        limiter = Limiter(2)
        limiter.pause()
        task = asyncio.create_task(limiter.acquire(run("a")))
        await _settle()
        assert not task.done() and limiter.open == 0 and limiter.waiting == 1
        limiter.resume()
        await task
        assert limiter.open == 1

    asyncio.run(main())


def test_a_cancelled_waiter_leaves_no_trace_and_frees_nothing_it_did_not_hold() -> None:
    async def main() -> None:
        limiter = Limiter(1)
        holder = run("a")
        await limiter.acquire(holder)
        waiting = asyncio.create_task(limiter.acquire(run("a", 1)))
        await _settle()
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        assert limiter.waiting == 0 and limiter.open == 1
        # Admitted by a release, then cancelled before it could run: the slot goes back.
        third = asyncio.create_task(limiter.acquire(run("a", 2)))
        await _settle()
        limiter.release(holder, None, None)
        assert limiter.open == 1 and limiter.waiting == 0
        third.cancel()
        with pytest.raises(asyncio.CancelledError):
            await third
        assert limiter.open == 0

    asyncio.run(main())


def test_lowering_the_bound_waits_for_open_streams_to_end() -> None:
    async def main() -> None:
        limiter = Limiter(3)
        runs = [run("a", i) for i in range(3)]
        for r in runs:
            await limiter.acquire(r)
        limiter.set_limits(1)
        next_one = asyncio.create_task(limiter.acquire(run("a", 3)))
        limiter.release(runs[0], None, None)
        limiter.release(runs[1], None, None)
        await _settle()
        assert not next_one.done()
        limiter.release(runs[2], None, None)
        await next_one
        assert limiter.open == 1

    asyncio.run(main())
