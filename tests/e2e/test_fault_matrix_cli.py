"""Fault matrix through the command line: every protocol × every injected fault.

For each fault one `prompt-studio run --json` subprocess asks six models of one loopback
simulator: a faulty and a healthy model on each of the three protocols. Each (fault,
protocol) test then checks its own pair in that one JSON document: the faulty model's error
kind, HTTP status and message (or its full answer where the fault is survivable), the
text kept from before the failure, how often the request was sent, and the healthy
model's exact answer. Every case also checks what a script relies on: the exit code,
stdout being exactly one JSON document, nothing on stderr (no traceback, no warning), no
key in the output, and no connection left open at the simulator.

The engine-level details (tasks left, attempts by policy) are in test_fault_matrix_engine.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.cli import cli
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
from tests.support.simulator import SeenRequest, Simulator

pytestmark = pytest.mark.timeout(120)

PROTOCOLS = ("openai", "anthropic", "gemini")
KEY_ENV = "PROMPT_STUDIO_SIM_FAULT_KEY"
API_KEY = "sk-sim-cli-fault-matrix-5c1e0d7a"
DEFAULT_ATTEMPTS = 4  # RetryPolicy().max_attempts: what the CLI uses
OK_CHUNKS = ("Recovered", " after", " the retry.")


@dataclass(frozen=True)
class Case:
    name: str
    scenarios: Callable[[], tuple[Scenario, ...]]
    kind: str | None  # None: the model must succeed
    message: str | None = None  # a part of error.message, when the scenario does not say
    attempts: int = 1
    args: tuple[str, ...] = ()
    min_elapsed_s: float = 0.0
    status: int | None = None  # error.status when the scenario is not a Status
    kinds: dict[str, str] = field(default_factory=dict)  # per protocol, overrides kind


def _status(code: int, retry_after: str | None = None) -> Callable[[], tuple[Scenario, ...]]:
    return lambda: (Status(code, retry_after),)


CASES = [
    Case("401", _status(401), "auth"),
    Case("403", _status(403), "auth"),
    Case("404_unknown_model", _status(404), "bad_request", message="model or URL not found"),
    Case("400", _status(400), "bad_request"),
    Case("429_retry_after_seconds_then_ok", lambda: (Status(429, "1"), Synthetic(OK_CHUNKS)),
         None, attempts=2, min_elapsed_s=0.9),
    Case("429_retry_after_http_date_then_ok",
         lambda: (Status(429, retry_after_in=1.5), Synthetic(OK_CHUNKS)), None, attempts=2,
         min_elapsed_s=0.4),
    Case("429_retry_budget_spent", _status(429, "0"), "rate_limit", attempts=DEFAULT_ATTEMPTS),
    # Retry-After: 0 keeps the default backoff (1 s, 2 s, 4 s) out of the test's time.
    Case("500", _status(500, "0"), "server", attempts=DEFAULT_ATTEMPTS),
    Case("503", _status(503, "0"), "overloaded", attempts=DEFAULT_ATTEMPTS),
    Case("529_overloaded", _status(529, "0"), "overloaded", attempts=DEFAULT_ATTEMPTS),
    Case("error_event_mid_stream", lambda: (ErrorEvent(),), "server",
         kinds={"anthropic": "overloaded", "gemini": "overloaded"}),
    Case("connection_reset", lambda: (ConnectionReset(),), "connection"),
    Case("stall_read_timeout", lambda: (Stalled(),), "timeout", message="read timeout",
         args=("--read-timeout", "0.5")),
    Case("slow_drip", lambda: (SlowDrip(),), None),
    Case("malformed_json", lambda: (MalformedJson(),), "protocol",
         message="malformed JSON in the stream"),
    Case("html_page_with_200", lambda: (HtmlPage(),), "protocol", message="502 Bad Gateway",
         status=200),
    Case("cut_off_without_end_marker", lambda: (CutOff(),), "protocol",
         message="stream ended before the answer was complete"),
    Case("cut_off_mid_http_body", lambda: (CutOff(clean=False),), "connection",
         message="before the answer was complete"),
    Case("single_5mb_chunk", lambda: (HugeChunk(),), None),
    Case("invalid_utf8", lambda: (InvalidUtf8(),), None),
    Case("10k_tiny_chunks", lambda: (TinyChunks(10_000),), None),
]


def _faulty(protocol: str) -> str:
    return f"faulty-{protocol}"


def _healthy_model(protocol: str) -> str:
    return f"healthy-{protocol}"


def _healthy(protocol: str) -> Synthetic:
    return Synthetic(["Healthy", " answer", " over ", protocol, " — ünïcödé 🙂."],
                     reasoning_chunks=["Thinking", " calmly."], usage=(7, 11))


@dataclass
class Outcome:
    code: int
    out: str
    err: str
    elapsed: float
    scenarios: dict[str, tuple[Scenario, ...]]
    healthy: dict[str, Synthetic]
    requests: dict[str, list[SeenRequest]]
    idle: bool
    sim_errors: list[BaseException]
    results: dict[str, dict[str, Any]] = field(default_factory=dict)


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    with Simulator(require_key=API_KEY) as s:
        yield s


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, sim: Simulator) -> Path:
    where = tmp_path_factory.mktemp("fault-cli") / "studio-home"
    for protocol in PROTOCOLS:
        r = cli("providers", "add", f"sim-{protocol}", "--kind", protocol, "--base-url",
                sim.url(protocol), "--key-env", KEY_ENV, home=where)
        assert r.code == 0, r.err
    return where


@pytest.fixture(scope="module")
def outcomes() -> dict[str, Outcome]:
    return {}


def _run_case(case: Case, sim: Simulator, home: Path) -> Outcome:
    sim.reset()
    scenarios = {p: case.scenarios() for p in PROTOCOLS}
    healthy = {p: _healthy(p) for p in PROTOCOLS}
    models: list[str] = []
    for protocol in PROTOCOLS:
        sim.script(_faulty(protocol), *scenarios[protocol])
        sim.script(_healthy_model(protocol), healthy[protocol])
        models += ["-m", f"sim-{protocol}:{_faulty(protocol)}",
                   "-m", f"sim-{protocol}:{_healthy_model(protocol)}"]
    started = time.monotonic()
    r = cli("run", *models, "-p", "Hello", "--json", *case.args, home=home,
            env={KEY_ENV: API_KEY}, timeout=90)
    elapsed = time.monotonic() - started
    idle = sim.wait_idle()
    requests = {m: sim.requests_for(m) for p in PROTOCOLS
                for m in (_faulty(p), _healthy_model(p))}
    outcome = Outcome(r.code, r.out, r.err, elapsed, scenarios, healthy, requests, idle,
                      list(sim.errors))
    try:
        document = json.loads(r.out)  # exactly one document: trailing text would fail here
    except ValueError:
        return outcome
    for result in document.get("results", []):
        outcome.results[result["model"]] = result
    return outcome


@pytest.fixture
def outcome(request: pytest.FixtureRequest, outcomes: dict[str, Outcome], sim: Simulator,
            home: Path) -> Outcome:
    case: Case = request.node.callspec.params["case"]
    if case.name not in outcomes:
        outcomes[case.name] = _run_case(case, sim, home)
    return outcomes[case.name]


def _expected_message(case: Case, scenario: Scenario, protocol: str) -> str | None:
    if isinstance(scenario, Status):
        return scenario.message_for(protocol, _faulty(protocol))
    if isinstance(scenario, ErrorEvent):
        return scenario.message_for(protocol)
    return case.message


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_fault_through_the_cli(case: Case, protocol: str, outcome: Outcome) -> None:
    # What a script sees: the contract's exit code, one JSON document, a quiet stderr.
    assert "Traceback" not in outcome.err, outcome.err
    assert outcome.err == "", outcome.err
    document = json.loads(outcome.out)
    assert set(document) == {"run_id", "results"}
    models = [r["model"] for r in document["results"]]
    assert models == [f"sim-{p}:{m(p)}" for p in PROTOCOLS for m in (_faulty, _healthy_model)]
    assert outcome.code == (0 if case.kind is None else 1)
    assert API_KEY not in outcome.out
    assert outcome.elapsed >= case.min_elapsed_s

    faulty = outcome.results[f"sim-{protocol}:{_faulty(protocol)}"]
    final = outcome.scenarios[protocol][-1]
    if case.kind is None:
        assert faulty["error"] is None, faulty["error"]
        assert faulty["text"] == final.text  # type: ignore[attr-defined]
        assert faulty["usage"] == {"input_tokens": 12, "output_tokens": 34,
                                  "cached_input_tokens": None, "cache_write_tokens": None}
        assert faulty["ttft_s"] is not None
    else:
        error = faulty["error"]
        assert error is not None
        assert set(error) == {"kind", "status", "message"}
        assert error["kind"] == case.kinds.get(protocol, case.kind), error
        assert error["status"] == (final.code if isinstance(final, Status) else case.status)
        expected = _expected_message(case, final, protocol)
        if expected is not None:
            assert expected in error["message"], error["message"]
        # Text that arrived before the failure is kept, and only that text.
        assert faulty["text"] == getattr(final, "text", "")
    assert faulty["total_s"] > 0
    seen = outcome.requests[_faulty(protocol)]
    assert len(seen) == case.attempts
    assert all(r.presented_key == API_KEY for r in seen)

    healthy = outcome.results[f"sim-{protocol}:{_healthy_model(protocol)}"]
    answer = outcome.healthy[protocol]
    assert healthy["error"] is None, healthy["error"]
    assert healthy["text"] == answer.text
    assert healthy["reasoning"] == answer.reasoning
    assert healthy["usage"] == {"input_tokens": 7, "output_tokens": 11,
                                "cached_input_tokens": None, "cache_write_tokens": None}
    assert len(outcome.requests[_healthy_model(protocol)]) == 1

    assert outcome.idle, "a client connection was left open"
    assert not outcome.sim_errors


def test_timeout_flags_are_checked_before_anything_is_sent(home: Path, sim: Simulator) -> None:
    sim.reset()
    for value in ("0", "-1", "soon", "nan", "inf"):
        r = cli("run", "-m", "sim-openai:x", "-p", "hi", "--read-timeout", value, home=home)
        assert r.code == 2
        assert re.search(r"--read-timeout: expected a (positive )?number of seconds", r.err)
    r = cli("run", "-m", "sim-openai:x", "-p", "hi", "--connect-timeout", "0", home=home)
    assert r.code == 2 and "--connect-timeout" in r.err
    assert sim.requests == []
