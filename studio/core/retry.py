"""When to try a failed request again, and how long to wait first."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

from studio.core.constants import CONNECT_TIMEOUT_S, READ_TIMEOUT_S

if TYPE_CHECKING:
    import httpx


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounded exponential backoff with jitter that honours the server's Retry-After.

    Only rate limits, overload and server errors are retried, and only while nothing of
    the answer has arrived: resending after partial output would bill twice and show a
    different answer than the one half-streamed.
    """

    max_attempts: int = 4
    base_delay_s: float = 1.0
    max_delay_s: float = 20.0
    max_retry_after_s: float = 60.0  # a server asking for longer than this is not waited for
    jitter: float = 0.2

    def delay(self, attempt: int, retry_after: float | None) -> float | None:
        """Seconds to wait before attempt `attempt + 1`, or None to give up."""
        if attempt >= self.max_attempts:
            return None
        if retry_after is not None:
            if retry_after > self.max_retry_after_s:
                return None
            return max(0.0, retry_after)
        backoff = min(self.max_delay_s, self.base_delay_s * 2.0 ** (attempt - 1))
        return float(backoff * (1 + random.uniform(-self.jitter, self.jitter)))


@dataclass(frozen=True, slots=True)
class Timeouts:
    connect_s: float = CONNECT_TIMEOUT_S
    read_s: float = READ_TIMEOUT_S
    write_s: float = 30.0
    pool_s: float = 30.0

    def to_httpx(self) -> httpx.Timeout:
        import httpx  # imported when the first client is made, not at start-up

        return httpx.Timeout(connect=self.connect_s, read=self.read_s,
                             write=self.write_s, pool=self.pool_s)
