"""How many streams a batch keeps open: a global bound, a per-provider bound, slow-downs.

`Limiter` is the engine's `Admission` for a batch: every attempt of every request (answers
and judge requests alike) waits here before it opens its stream and releases its slot when
the stream ends, so the global bound is hard — never more than `concurrency` streams open
at once. A rate limit or overload from one provider slows down that provider only: no new
stream to it before its Retry-After has passed (a short pause when it gives none), and
its own bound is halved, growing back by one with each answer that succeeds. Waiting
requests of the other providers are admitted meanwhile, in their order.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from studio.core.batch import check_limits
from studio.core.events import ErrorKind, ProviderError
from studio.core.runner import ModelRun

# A throttled provider that names no Retry-After is left alone this long.
DEFAULT_PAUSE_S = 1.0
_THROTTLED = frozenset({ErrorKind.RATE_LIMIT, ErrorKind.OVERLOADED})


@dataclass(slots=True)
class _Provider:
    open: int = 0
    bound: int = 0  # the current bound: the configured one, or less after a slow-down
    resume_at: float = 0.0  # monotonic time before which nothing new is sent
    throttled: int = 0  # rate limits and overloads seen


@dataclass(slots=True)
class _Waiter:
    provider: str
    run: ModelRun
    future: asyncio.Future[None]


class Limiter:
    def __init__(self, concurrency: int, per_provider: int | None = None, *,
                 on_admitted: Callable[[ModelRun], None] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        check_limits(concurrency, per_provider)
        self._concurrency = concurrency
        self._per_provider = per_provider
        self._on_admitted = on_admitted
        self._clock = clock
        self._open = 0
        self.peak = 0  # the most streams ever open at once
        self._providers: dict[str, _Provider] = {}
        self._waiters: list[_Waiter] = []
        self._paused = False
        self._timer: asyncio.TimerHandle | None = None

    # -- settings ------------------------------------------------------------------------

    @property
    def concurrency(self) -> int:
        return self._concurrency

    @property
    def per_provider(self) -> int | None:
        return self._per_provider

    def set_limits(self, concurrency: int, per_provider: int | None = None) -> None:
        """New bounds; streams already open beyond them finish, none starts until below."""
        check_limits(concurrency, per_provider)
        self._concurrency = concurrency
        self._per_provider = per_provider
        for state in self._providers.values():
            state.bound = min(max(1, state.bound), self._configured())
        self._pump()

    def _configured(self) -> int:
        return self._per_provider or self._concurrency

    @property
    def paused(self) -> bool:
        return self._paused

    def pause(self) -> None:
        """Admit nothing new; open streams go on to their end."""
        self._paused = True

    def resume(self) -> None:
        self._paused = False
        self._pump()

    # -- observing -----------------------------------------------------------------------

    @property
    def open(self) -> int:
        return self._open

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    def provider_bound(self, provider: str) -> int:
        return self._state(provider).bound

    def resumes_in(self, provider: str) -> float:
        """Seconds before `provider` may get a new stream (0: now)."""
        return max(0.0, self._state(provider).resume_at - self._clock())

    def throttled(self, provider: str) -> int:
        return self._state(provider).throttled

    # -- Admission -----------------------------------------------------------------------

    async def acquire(self, run: ModelRun) -> None:
        provider = run.target.ref.provider
        waiter = _Waiter(provider, run, asyncio.get_running_loop().create_future())
        self._waiters.append(waiter)
        self._pump()
        try:
            await waiter.future
        except asyncio.CancelledError:
            if waiter in self._waiters:
                self._waiters.remove(waiter)
            elif waiter.future.done() and not waiter.future.cancelled():
                self._free(provider)  # admitted, then cancelled before it could start
            self._pump()
            raise

    def release(self, run: ModelRun, error: ProviderError | None,
                retry_in: float | None) -> None:
        provider = run.target.ref.provider
        self._free(provider)
        state = self._state(provider)
        if error is not None and error.kind in _THROTTLED:
            state.throttled += 1
            wait = retry_in if retry_in is not None else error.retry_after
            wait = DEFAULT_PAUSE_S if wait is None else max(wait, 0.0)
            state.resume_at = max(state.resume_at, self._clock() + wait)
            state.bound = max(1, state.bound // 2)
        elif error is None and state.bound < self._configured():
            state.bound += 1
        self._pump()

    # -- internals -----------------------------------------------------------------------

    def _state(self, provider: str) -> _Provider:
        state = self._providers.get(provider)
        if state is None:
            state = self._providers[provider] = _Provider(bound=self._configured())
        return state

    def _free(self, provider: str) -> None:
        self._open -= 1
        self._state(provider).open -= 1

    def _pump(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._paused or not self._waiters:
            return
        now = self._clock()
        next_resume: float | None = None
        for waiter in list(self._waiters):
            if self._open >= self._concurrency:
                break
            if waiter.future.done():  # cancelled while queued; acquire() cleans up
                continue
            state = self._state(waiter.provider)
            if state.resume_at > now:
                next_resume = (state.resume_at if next_resume is None
                               else min(next_resume, state.resume_at))
                continue
            if state.open >= state.bound:
                continue
            self._waiters.remove(waiter)
            self._open += 1
            state.open += 1
            self.peak = max(self.peak, self._open)
            waiter.future.set_result(None)
            if self._on_admitted is not None:
                self._on_admitted(waiter.run)
        if next_resume is not None:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(max(0.0, next_resume - now) + 0.001, self._pump)
