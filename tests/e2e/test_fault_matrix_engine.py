"""Fault matrix through the engine: every protocol (Azure OpenAI included) × every injected
fault, over loopback.

Each case runs one engine session with two models on the same simulated provider: the
faulty one and a healthy one. It checks the faulty model's final state, error kind, HTTP
status and the provider's own message, the text kept from before the failure, how many
attempts the retry policy made, that the healthy model's answer is exact, and that nothing
is left behind: no asyncio task, no open socket, no error inside the simulator.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from studio.core.catalog import ModelRef, ProviderConfig
from studio.core.events import ErrorKind
from studio.core.prices import PriceTable
from studio.core.request import single_turn
from studio.core.retry import RetryPolicy, Timeouts
from studio.core.runner import Engine, ModelRun, ModelState, ModelTarget
from studio.core.secrets import KeyStore
from tests.support.memory_keyring import MemoryKeyring
from tests.support.scenarios import (
    ConnectionReset,
    CutOff,
    ErrorEvent,
    HtmlPage,
    HugeChunk,
    InvalidUtf8,
    MalformedJson,
    Scenario,
    SlowDrip,
    Stalled,
    Status,
    Synthetic,
    TinyChunks,
)
from tests.support.simulator import Simulator

pytestmark = pytest.mark.timeout(60)

# Azure OpenAI speaks OpenAI's stream at its own paths, with its own key header and error
# bodies: its faults must come through the same way.
PROTOCOLS = ("openai", "anthropic", "gemini", "azure")
MAX_ATTEMPTS = 3
POLICY = RetryPolicy(max_attempts=MAX_ATTEMPTS, base_delay_s=0.01, max_delay_s=0.05,
                     max_retry_after_s=5.0)
API_KEY = "sk-sim-fault-matrix-0123456789"
OK_CHUNKS = ("Recovered", " after", " the retry.")

FAULTY = "faulty-model"
HEALTHY = "healthy-model"


@dataclass(frozen=True)
class Case:
    name: str
    scenarios: Callable[[], tuple[Scenario, ...]]
    kind: ErrorKind | None  # None: the model must succeed
    attempts: int = 1
    read_timeout_s: float = 10.0
    min_elapsed_s: float = 0.0  # a Retry-After that must have been waited for
    midstream_kinds: dict[str, ErrorKind] | None = None  # per protocol, overrides kind


def _status(code: int, retry_after: str | None = None) -> Callable[[], tuple[Scenario, ...]]:
    return lambda: (Status(code, retry_after),)


CASES = [
    Case("401", _status(401), ErrorKind.AUTH),
    Case("403", _status(403), ErrorKind.AUTH),
    Case("404_unknown_model", _status(404), ErrorKind.BAD_REQUEST),
    Case("400", _status(400), ErrorKind.BAD_REQUEST),
    Case("429_retry_after_seconds_then_ok",
         lambda: (Status(429, "1"), Synthetic(OK_CHUNKS)), None, attempts=2, min_elapsed_s=0.9),
    Case("429_retry_after_http_date_then_ok",
         lambda: (Status(429, retry_after_in=1.5), Synthetic(OK_CHUNKS)), None, attempts=2,
         min_elapsed_s=0.4),
    Case("429_retry_budget_spent", _status(429, "0"), ErrorKind.RATE_LIMIT,
         attempts=MAX_ATTEMPTS),
    Case("500", _status(500), ErrorKind.SERVER, attempts=MAX_ATTEMPTS),
    Case("503", _status(503), ErrorKind.OVERLOADED, attempts=MAX_ATTEMPTS),
    Case("529_overloaded", _status(529), ErrorKind.OVERLOADED, attempts=MAX_ATTEMPTS),
    Case("error_event_mid_stream", lambda: (ErrorEvent(),), ErrorKind.SERVER,
         midstream_kinds={"openai": ErrorKind.SERVER, "anthropic": ErrorKind.OVERLOADED,
                          "gemini": ErrorKind.OVERLOADED}),
    Case("connection_reset", lambda: (ConnectionReset(),), ErrorKind.CONNECTION),
    Case("stall_read_timeout", lambda: (Stalled(),), ErrorKind.TIMEOUT, read_timeout_s=0.5),
    Case("slow_drip", lambda: (SlowDrip(),), None),
    Case("malformed_json", lambda: (MalformedJson(),), ErrorKind.PROTOCOL),
    Case("html_page_with_200", lambda: (HtmlPage(),), ErrorKind.PROTOCOL),
    Case("cut_off_without_end_marker", lambda: (CutOff(),), ErrorKind.PROTOCOL),
    Case("cut_off_mid_http_body", lambda: (CutOff(clean=False),), ErrorKind.CONNECTION),
    Case("single_5mb_chunk", lambda: (HugeChunk(),), None),
    Case("invalid_utf8", lambda: (InvalidUtf8(),), None),
    Case("10k_tiny_chunks", lambda: (TinyChunks(10_000),), None),
]


def _healthy(protocol: str) -> Synthetic:
    return Synthetic(["Healthy", " answer", " over ", protocol, ", untouched."],
                     reasoning_chunks=["Thinking", " calmly."], usage=(7, 11))


def _expected_message(scenario: Scenario, protocol: str) -> str | None:
    if isinstance(scenario, Status):
        return scenario.message_for(protocol, FAULTY)
    if isinstance(scenario, ErrorEvent):
        return scenario.message_for(protocol)
    if isinstance(scenario, HtmlPage):
        return "502 Bad Gateway"
    return None


async def _run_pair(sim: Simulator, protocol: str, case: Case, home: Path
                    ) -> tuple[ModelRun, ModelRun, float]:
    config = ProviderConfig(name=f"sim-{protocol}", kind=protocol,  # type: ignore[arg-type]
                            base_url=sim.url(protocol))
    backend = MemoryKeyring()
    keys = KeyStore(env={}, backend=backend)
    keys.set(config.name, API_KEY)
    engine = Engine(keys=keys, prices=PriceTable.load(home / "prices.json"), policy=POLICY,
                    timeouts=Timeouts(connect_s=5.0, read_s=case.read_timeout_s))
    jobs = [(ModelTarget(ModelRef(config.name, model), config), single_turn(model, "Hello"))
            for model in (FAULTY, HEALTHY)]
    started = time.monotonic()
    try:
        session = engine.start(jobs)
        faulty, healthy = await asyncio.wait_for(session.wait(), 30)
    finally:
        await engine.aclose()
    return faulty, healthy, time.monotonic() - started


async def _assert_no_task_left() -> None:
    """After Engine.aclose only this coroutine may run.

    The one exception is the event loop's own clean-up of async generators that were
    dropped unfinished (httpx's nested body iterators, when a stream is left before its
    last byte): those `aclose()` tasks are waited for, briefly, and must end by themselves.
    """
    current = asyncio.current_task()
    others = asyncio.all_tasks() - {current}
    finalizers = {t for t in others if type(t.get_coro()).__name__ == "async_generator_athrow"}
    assert others == finalizers, sorted(t.get_name() for t in others - finalizers)
    if finalizers:
        await asyncio.wait(finalizers, timeout=1.0)
    assert asyncio.all_tasks() == {current}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_fault_is_reported_and_isolated(protocol: str, case: Case, studio_home: Path) -> None:
    scenarios = case.scenarios()
    healthy_answer = _healthy(protocol)
    with Simulator(require_key=API_KEY) as sim:
        sim.script(FAULTY, *scenarios)
        sim.script(HEALTHY, healthy_answer)

        async def scenario() -> tuple[ModelRun, ModelRun, float, bool]:
            result = await _run_pair(sim, protocol, case, studio_home)
            await _assert_no_task_left()
            return (*result, await sim.await_idle())

        faulty, healthy, elapsed, idle = asyncio.run(scenario())
        seen = sim.requests_for(FAULTY)
        errors = list(sim.errors)

    final = scenarios[-1]
    if case.kind is None:
        assert faulty.state is ModelState.DONE, faulty.error
        assert faulty.error is None
        assert faulty.text == final.text  # type: ignore[attr-defined]
        assert faulty.usage is not None
        assert (faulty.usage.input_tokens, faulty.usage.output_tokens) == (12, 34)
    else:
        kind = (case.midstream_kinds or {}).get(protocol, case.kind)
        assert faulty.state is ModelState.FAILED
        assert faulty.error is not None
        assert faulty.error.kind is kind, faulty.error
        expected = _expected_message(final, protocol)
        if expected is not None:
            assert expected in faulty.error.message
        if isinstance(final, Status):
            assert faulty.error.status == final.code
        # Text that arrived before the failure is kept, and only that text.
        assert faulty.text == getattr(final, "text", "")
        assert API_KEY not in faulty.error.message
    assert faulty.attempts == case.attempts
    assert len(seen) == case.attempts
    assert all(r.presented_key == API_KEY for r in seen)
    assert elapsed >= case.min_elapsed_s

    assert healthy.state is ModelState.DONE, healthy.error
    assert healthy.error is None
    assert healthy.text == healthy_answer.text
    assert healthy.reasoning == healthy_answer.reasoning
    assert healthy.usage is not None
    assert (healthy.usage.input_tokens, healthy.usage.output_tokens) == (7, 11)

    assert idle, "a client socket was left open"
    assert not errors
