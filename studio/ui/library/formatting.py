"""Short texts the library shows: times, stars, model lists, answer metrics."""

from __future__ import annotations

import time
from collections.abc import Sequence

from studio.core.metrics import cache_note
from studio.store import Response

STAR = "★"
NO_STAR = "☆"


def stars(rating: int | None) -> str:
    """"★★★☆☆" for 3, "" for no rating."""
    if rating is None:
        return ""
    rating = max(0, min(5, rating))
    return STAR * rating + NO_STAR * (5 - rating)


def when(stamp: float, now: float | None = None) -> str:
    """"14:02" today, "12 Jun 14:02" this year, "12 Jun 2024" before."""
    moment = time.localtime(stamp)
    today = time.localtime(now if now is not None else time.time())
    if moment[:3] == today[:3]:
        return time.strftime("%H:%M", moment)
    if moment.tm_year == today.tm_year:
        return time.strftime("%d %b %H:%M", moment)
    return time.strftime("%d %b %Y", moment)


def full_time(stamp: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(stamp))


def short_model(ref: str) -> str:
    """The model part of "provider:model", which is what tells runs apart in a narrow list."""
    _, _, model = ref.partition(":")
    return model or ref


def model_list(refs: Sequence[str]) -> str:
    return ", ".join(short_model(r) for r in refs)


def first_line(text: str, width: int = 80) -> str:
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return line if len(line) <= width else line[: width - 1] + "…"


def local_midnight(now: float | None = None) -> float:
    today = time.localtime(now if now is not None else time.time())
    return time.mktime((today.tm_year, today.tm_mon, today.tm_mday, 0, 0, 0, 0, 0, -1))


def metrics(response: Response) -> str:
    """One line: tokens, time, speed, cost, rating; or what went wrong."""
    parts: list[str] = []
    if response.input_tokens is not None or response.output_tokens is not None:
        tokens_in = "?" if response.input_tokens is None else f"{response.input_tokens:,}"
        tokens_out = "?" if response.output_tokens is None else f"{response.output_tokens:,}"
        cached = cache_note(response.cached_input_tokens, response.cache_write_tokens)
        parts.append(f"{tokens_in} in{cached} / {tokens_out} out tokens")
    if response.total_s is not None:
        parts.append(f"{response.total_s:.1f} s")
    if response.ttft_s is not None:
        parts.append(f"first token {response.ttft_s:.2f} s")
    if response.tokens_per_s is not None:
        parts.append(f"{response.tokens_per_s:.0f} tok/s")
    if response.cost_usd is not None:
        parts.append(f"${response.cost_usd:.4f}")
    if response.rating is not None:
        parts.append(stars(response.rating))
    if response.error is not None:
        parts.append(f"failed ({response.error.kind}): {response.error.message}")
    elif response.state in ("waiting", "streaming"):
        parts.append("unfinished")
    elif response.state == "cancelled":
        parts.append("stopped")
    return " · ".join(parts) if parts else "no metrics"
