from __future__ import annotations

import pytest

from studio.core.metrics import Metrics, Stopwatch
from studio.core.retry import RetryPolicy


def test_backoff_grows_is_bounded_and_gives_up() -> None:
    policy = RetryPolicy(max_attempts=4, base_delay_s=1.0, max_delay_s=3.0, jitter=0.0)
    assert [policy.delay(a, None) for a in (1, 2, 3)] == [1.0, 2.0, 3.0]
    assert policy.delay(4, None) is None


def test_retry_after_wins_but_an_absurd_one_is_not_waited_for() -> None:
    policy = RetryPolicy(max_retry_after_s=60)
    assert policy.delay(1, 7.5) == 7.5
    assert policy.delay(1, 3600) is None


def test_metrics_from_a_stopwatch() -> None:
    clock = Stopwatch(now=100.0)
    clock.mark_first_token(now=100.5)
    clock.mark_first_token(now=101.0)  # only the first counts
    clock.mark_end(now=102.5)
    m = Metrics(output_tokens=100)
    clock.fill(m, output_chars=400)
    assert m.ttft_s == pytest.approx(0.5)
    assert m.total_s == pytest.approx(2.5)
    assert m.tokens_per_s == pytest.approx(50.0)
    assert not m.output_estimated


def test_tokens_are_estimated_when_the_provider_reports_none() -> None:
    clock = Stopwatch(now=0.0)
    clock.mark_first_token(now=1.0)
    clock.mark_end(now=2.0)
    m = Metrics()
    clock.fill(m, output_chars=400)
    assert m.output_tokens is None and m.output_estimated
    assert m.tokens_per_s == pytest.approx(100.0)
