"""Fault matrix in the real main window: per protocol, one window runs one comparison per
injected fault, each with the faulty model and a healthy one on the same provider.

For every fault it checks what the user sees: the faulty pane's state and status chip, the
error kind and the provider's own message under the header, the text that arrived before
the failure still in the pane, the healthy pane's exact answer, and that nothing is left
behind once the comparison settles (no asyncio task, no socket beyond the client's
keep-alive pool; every socket closed once the engine is).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import qasync

from studio.core.catalog import ProviderRegistry
from studio.core.events import ErrorKind
from studio.core.failure_text import explain
from studio.core.runner import Engine, ModelState
from studio.ui.main_window import MainWindow
from studio.ui.workspace.pane import AnswerPane
from tests.gui.reliability.conftest import MAX_ATTEMPTS
from tests.gui.workspace.workspace_support import OFFSCREEN_SIZE_HINTS, in_loop, target, wait_until
from tests.support.scenarios import (
    ConnectionReset,
    CutOff,
    ErrorEvent,
    HtmlPage,
    InvalidUtf8,
    MalformedJson,
    Scenario,
    Stalled,
    Status,
    Synthetic,
    TinyChunks,
)
from tests.support.simulator import Simulator

pytestmark = [pytest.mark.gui, pytest.mark.timeout(60),
              pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)]

OK_CHUNKS = ("Recovered", " after", " the retry.")
# Kinds of the in-stream error event differ per protocol: OpenRouter's chunk carries a
# plain server error, Anthropic and Gemini send "overloaded".
MIDSTREAM_KINDS = {"openai": ErrorKind.SERVER, "anthropic": ErrorKind.OVERLOADED,
                   "gemini": ErrorKind.OVERLOADED}


@dataclass(frozen=True)
class Fault:
    name: str
    scenarios: Callable[[], tuple[Scenario, ...]]
    kind: ErrorKind | None  # None: the model ends done (after a retry, where there is one)
    attempts: int = 1


FAULTS = [
    Fault("401", lambda: (Status(401),), ErrorKind.AUTH),
    Fault("404_unknown_model", lambda: (Status(404),), ErrorKind.BAD_REQUEST),
    Fault("429_then_ok", lambda: (Status(429, "0"), Synthetic(OK_CHUNKS)), None, attempts=2),
    Fault("529_overloaded", lambda: (Status(529),), ErrorKind.OVERLOADED,
          attempts=MAX_ATTEMPTS),
    Fault("error_event_mid_stream", lambda: (ErrorEvent(),), ErrorKind.SERVER),
    Fault("connection_reset", lambda: (ConnectionReset(),), ErrorKind.CONNECTION),
    Fault("stall_read_timeout", lambda: (Stalled(),), ErrorKind.TIMEOUT),
    Fault("malformed_json", lambda: (MalformedJson(),), ErrorKind.PROTOCOL),
    Fault("html_page_with_200", lambda: (HtmlPage(),), ErrorKind.PROTOCOL),
    Fault("cut_off", lambda: (CutOff(),), ErrorKind.PROTOCOL),
    Fault("invalid_utf8", lambda: (InvalidUtf8(),), None),
    Fault("10k_tiny_chunks", lambda: (TinyChunks(10_000),), None),
]


def _healthy(protocol: str, fault: str) -> Synthetic:
    return Synthetic(["Healthy", " answer", f" over {protocol}", f" next to {fault}."],
                     usage=(7, 11))


def _expected_message(scenario: Scenario, protocol: str, model: str) -> str | None:
    if isinstance(scenario, Status):
        return scenario.message_for(protocol, model)
    if isinstance(scenario, ErrorEvent):
        return scenario.message_for(protocol)
    if isinstance(scenario, HtmlPage):
        return "502 Bad Gateway"
    return None


def _leftover_tasks(loop: qasync.QEventLoop) -> list[str]:
    """Names of the tasks still alive besides the probing one, once the loop's own
    clean-up of dropped async generators (httpx body iterators) has had its chance."""
    async def probe() -> list[str]:
        current = asyncio.current_task()
        others = asyncio.all_tasks() - {current}
        finalizers = {t for t in others
                      if type(t.get_coro()).__name__ == "async_generator_athrow"}
        if finalizers:
            await asyncio.wait(finalizers, timeout=1.0)
        return sorted(t.get_name() + ": " + repr(t.get_coro())
                      for t in asyncio.all_tasks() - {current})

    names: list[str] = loop.run_until_complete(probe())
    return names


def _check_faulty(pane: AnswerPane, fault: Fault, protocol: str, model: str,
                  final: Scenario) -> None:
    where = f"{protocol}/{fault.name}"
    shown = pane.view.document().toPlainText()
    kept = getattr(final, "text", "")
    if fault.kind is None:
        assert pane.state is ModelState.DONE, (where, pane.error_label.text())
        assert pane.status_chip.text() == "done", where
        assert not pane.error_label.isVisibleTo(pane), where
        assert pane.view.answer_text() == kept, where
        return
    kind = MIDSTREAM_KINDS[protocol] if isinstance(final, ErrorEvent) else fault.kind
    assert pane.state is ModelState.FAILED, where
    assert pane.status_chip.text() == "failed", where
    assert pane.error_label.isVisibleTo(pane), where
    error = pane.error_label.text()
    answer = pane.answer
    assert answer is not None and answer.error is not None, where
    assert answer.error.kind is kind, (where, answer.error)
    # One sentence for the person (what happened, the provider's words, the status once)
    # and the next step.
    failure = explain(kind, answer.error.status, answer.error.message,
                      provider=answer.target.config.display_name)
    assert error == str(failure) and failure.next_step, (where, error)
    expected = _expected_message(final, protocol, model)
    if expected is not None:
        assert expected in error, (where, error)
    if isinstance(final, Status):
        assert error.count(f"HTTP {final.code}") == 1, (where, error)
    # The text that arrived before the failure stays on screen, and only that text.
    assert pane.view.answer_text() == kept, where
    for line in kept.splitlines():
        assert line in shown, (where, line)
    assert pane.retry_button.isEnabled() and not pane.stop_button.isEnabled(), where


@pytest.mark.parametrize("protocol", ["openai", "anthropic", "gemini"])
def test_every_fault_fails_only_its_own_pane(
        protocol: str, loop: qasync.QEventLoop, window: MainWindow, engine: Engine,
        registry: ProviderRegistry, sim: Simulator) -> None:
    provider = f"sim-{protocol}"
    for fault in FAULTS:
        faulty_model, healthy_model = f"faulty-{fault.name}", f"healthy-{fault.name}"
        scenarios = fault.scenarios()
        healthy = _healthy(protocol, fault.name)
        sim.script(faulty_model, *scenarios)
        sim.script(healthy_model, healthy)
        targets = [target(registry, provider, faulty_model),
                   target(registry, provider, healthy_model)]

        comparison = in_loop(loop, lambda t=targets: window.send("Hello", t))  # type: ignore[misc]
        wait_until(loop, lambda c=comparison: c.settled,  # type: ignore[misc]
                   timeout=15, what=f"{protocol}/{fault.name}")
        loop.run_until_complete(comparison.wait())

        faulty_pane, healthy_pane = window.pane_area.panes()
        _check_faulty(faulty_pane, fault, protocol, faulty_model, scenarios[-1])
        assert len(sim.requests_for(faulty_model)) == fault.attempts, fault.name
        assert healthy_pane.state is ModelState.DONE, (fault.name, healthy_pane.error_label.text())
        assert healthy_pane.status_chip.text() == "done"
        assert healthy_pane.view.answer_text() == healthy.text, fault.name
        assert healthy.text in healthy_pane.view.document().toPlainText(), fault.name

        assert _leftover_tasks(loop) == [], fault.name
        # Only the client's keep-alive pool may still hold sockets (one per model at most);
        # a connection left open by a fault would pile up over the matrix.
        assert sim.open_connections <= 2, (fault.name, sim.open_connections)

    window.close()
    loop.run_until_complete(window.shutdown())
    loop.run_until_complete(engine.aclose())
    assert _leftover_tasks(loop) == []
    assert loop.run_until_complete(sim.await_idle()), sim.open_connections
    assert sim.errors == []
