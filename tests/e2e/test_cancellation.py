"""Stopping a model in every phase of its request, and Ctrl-C on a running CLI.

Each engine case starts a session of two models: the one to stop and a slow, healthy
companion on the loopback simulator. The model is stopped (`RunSession.cancel`) while it
connects, while it waits for the response headers, in the middle of its stream, and while
it waits to retry after a 429. Each time the model must report `cancelled` within 100 ms,
keep the text it had, leave the companion alone, and leave nothing behind: no asyncio
task, and no socket of this process connected to the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

import pytest

from studio.core.catalog import ModelRef, ProviderConfig
from studio.core.events import ErrorKind, ReasoningDelta, TextDelta
from studio.core.prices import PriceTable
from studio.core.request import ChatRequest, single_turn
from studio.core.retry import RetryPolicy
from studio.core.runner import Engine, ModelRun, ModelState, ModelTarget, RunSession
from studio.core.secrets import KeyStore
from tests.e2e.cli import NO_KEYRING, REPO, cli
from tests.e2e.test_fault_matrix_engine import _assert_no_task_left
from tests.support.memory_keyring import MemoryKeyring
from tests.support.scenarios import Stalled, Status, Synthetic
from tests.support.simulator import Simulator

pytestmark = pytest.mark.timeout(60)

PROMPT_LIMIT_S = 0.1  # "stop" must take effect within this
PARTIAL = ("Partial", " answer", " before the fault.")
# Long enough (about a second) to be still streaming whenever a test stops the other model.
COMPANION = Synthetic([f"word{i} " for i in range(40)], chunks_per_second=40)


class Recorder:
    """Listener that timestamps states and lets a test wait for a condition."""

    def __init__(self) -> None:
        self.changed = asyncio.Event()
        self.states: dict[int, list[tuple[ModelState, float]]] = {}

    def on_delta(self, run: ModelRun, event: TextDelta | ReasoningDelta) -> None:
        self.changed.set()

    def on_state(self, run: ModelRun) -> None:
        self.states.setdefault(run.index, []).append((run.state, time.monotonic()))
        self.changed.set()

    def reached(self, index: int, state: ModelState) -> float | None:
        for seen, when in self.states.get(index, []):
            if seen is state:
                return when
        return None

    async def until(self, condition: Callable[[], bool], seconds: float = 10.0) -> None:
        async with asyncio.timeout(seconds):
            while not condition():
                self.changed.clear()
                await self.changed.wait()


async def poll(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    """For conditions no listener call announces (sockets, the test servers' threads)."""
    async with asyncio.timeout(seconds):
        while not condition():  # noqa: ASYNC110 - /proc and threads have no event to await
            await asyncio.sleep(0.005)


def _socket_inodes() -> set[str]:
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def sockets_to(port: int) -> int:
    """Sockets of this process whose remote end is 127.0.0.1:`port` (any TCP state)."""
    mine = _socket_inodes()
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            remote_port = int(fields[2].rsplit(":", 1)[1], 16)
            if remote_port == port and fields[9] in mine:
                count += 1
    return count


class Unanswered:
    """A listening socket whose accept queue is full: connecting to it hangs in SYN_SENT."""

    def __init__(self) -> None:
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(0)
        self.port = self.server.getsockname()[1]
        # With a backlog of 0 Linux queues one completed handshake; that one fills it.
        self.filler = socket.create_connection(("127.0.0.1", self.port), timeout=2)
        probe = socket.socket()
        probe.setblocking(False)
        probe.connect_ex(("127.0.0.1", self.port))
        time.sleep(0.05)
        try:
            probe.getpeername()
        except OSError:
            pass  # still connecting, as wanted
        else:
            pytest.skip("this kernel completes connections beyond a full backlog")
        finally:
            probe.close()

    def close(self) -> None:
        self.filler.close()
        self.server.close()


class HeadersNeverEnd:
    """Accepts, reads the request, sends half a status line and then nothing more."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.got_request = threading.Event()
        self.client_left = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        conn, _ = self.server.accept()
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                part = conn.recv(65536)
                if not part:
                    return
                data += part
            self.got_request.set()
            conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: text/event")
            while conn.recv(65536):
                pass
            self.client_left.set()

    def close(self) -> None:
        self.server.close()
        self._thread.join(5)


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator() as s:
        yield s


def _config(name: str, base_url: str) -> ProviderConfig:
    return ProviderConfig(name=name, kind="openai", base_url=base_url, needs_key=False)


def _engine(home: Path) -> Engine:
    return Engine(keys=KeyStore(env={}, backend=MemoryKeyring()),
                  prices=PriceTable.load(home / "prices.json"),
                  policy=RetryPolicy(max_retry_after_s=60.0))


def _jobs(stopped: ProviderConfig, stopped_model: str, companion: ProviderConfig
          ) -> list[tuple[ModelTarget, ChatRequest]]:
    return [(ModelTarget(ModelRef(stopped.name, stopped_model), stopped),
             single_turn(stopped_model, "Hello")),
            (ModelTarget(ModelRef(companion.name, "companion"), companion),
             single_turn("companion", "Hello"))]


async def _stop_and_check(session: RunSession, recorder: Recorder, expected_text: str
                          ) -> ModelRun:
    run = session.runs[0]
    assert not run.state.finished
    asked = time.monotonic()
    session.cancel(0)
    await recorder.until(lambda: run.state.finished, seconds=2.0)
    ended = recorder.reached(0, ModelState.CANCELLED)
    assert ended is not None
    assert ended - asked < PROMPT_LIMIT_S, f"took {ended - asked:.3f} s to stop"
    assert run.state is ModelState.CANCELLED
    assert run.error is not None and run.error.kind is ErrorKind.CANCELLED
    assert run.text == expected_text
    # The companion is still going, untouched.
    assert not session.runs[1].state.finished
    return run


async def _finish(engine: Engine, session: RunSession) -> None:
    companion = (await session.wait())[1]
    assert companion.state is ModelState.DONE, companion.error
    assert companion.text == COMPANION.text
    await engine.aclose()
    await _assert_no_task_left()


def _run(main: Callable[[], Coroutine[Any, Any, None]]) -> None:
    asyncio.run(main())


def test_stop_while_connecting(sim: Simulator, studio_home: Path) -> None:
    target = Unanswered()
    sim.script("companion", COMPANION)

    async def main() -> None:
        engine = _engine(studio_home)
        recorder = Recorder()
        session = engine.start(_jobs(_config("hung", f"http://127.0.0.1:{target.port}/v1"),
                                     "m", _config("sim", sim.url("openai"))),
                               recorder)
        # The connection attempt is out (a SYN_SENT socket exists) and gets no answer.
        await poll(lambda: sockets_to(target.port) == 2)
        await asyncio.sleep(0.2)
        await _stop_and_check(session, recorder, "")
        assert sockets_to(target.port) == 1  # only the filler of the test's own backlog
        await _finish(engine, session)

    try:
        _run(main)
    finally:
        target.close()
    assert sim.wait_idle()


def test_stop_while_waiting_for_headers(sim: Simulator, studio_home: Path) -> None:
    server = HeadersNeverEnd()
    sim.script("companion", COMPANION)

    async def main() -> None:
        engine = _engine(studio_home)
        recorder = Recorder()
        session = engine.start(_jobs(_config("slow", f"http://127.0.0.1:{server.port}/v1"),
                                     "m", _config("sim", sim.url("openai"))),
                               recorder)
        await poll(server.got_request.is_set)
        await asyncio.sleep(0.1)
        assert session.runs[0].state is ModelState.WAITING
        await _stop_and_check(session, recorder, "")
        assert sockets_to(server.port) == 0
        await _finish(engine, session)

    try:
        _run(main)
        assert server.client_left.wait(20), "the server never saw the connection close"
    finally:
        server.close()
    assert sim.wait_idle()


def test_stop_mid_stream(sim: Simulator, studio_home: Path) -> None:
    sim.script("stalls", Stalled(PARTIAL))
    sim.script("companion", COMPANION)
    partial = "".join(PARTIAL)

    async def main() -> None:
        engine = _engine(studio_home)
        recorder = Recorder()
        config = _config("sim", sim.url("openai"))
        session = engine.start(_jobs(config, "stalls", config), recorder)
        await recorder.until(lambda: session.runs[0].text == partial)
        assert session.runs[0].state is ModelState.STREAMING
        await _stop_and_check(session, recorder, partial)
        await _finish(engine, session)
        assert sockets_to(sim.port) == 0
        assert await sim.await_idle()

    _run(main)
    assert not sim.errors


def test_stop_during_a_retry_wait(sim: Simulator, studio_home: Path) -> None:
    sim.script("limited", Status(429, retry_after="30"), Synthetic(["never asked for"]))
    sim.script("companion", COMPANION)

    async def main() -> None:
        engine = _engine(studio_home)
        recorder = Recorder()
        config = _config("sim", sim.url("openai"))
        session = engine.start(_jobs(config, "limited", config), recorder)
        run = session.runs[0]
        await recorder.until(lambda: "retrying in 30" in run.status_note)
        assert run.state is ModelState.WAITING and run.attempts == 1
        await _stop_and_check(session, recorder, "")
        await _finish(engine, session)
        assert sockets_to(sim.port) == 0
        assert await sim.await_idle()

    _run(main)
    assert len(sim.requests_for("limited")) == 1  # the retry was never sent
    assert not sim.errors


def test_a_stopped_model_can_be_retried_alone(sim: Simulator, studio_home: Path) -> None:
    sim.script("again", Stalled(PARTIAL), Synthetic(["Complete", " this time."]))
    sim.script("companion", COMPANION)

    async def main() -> None:
        engine = _engine(studio_home)
        recorder = Recorder()
        config = _config("sim", sim.url("openai"))
        session = engine.start(_jobs(config, "again", config), recorder)
        await recorder.until(lambda: session.runs[0].text == "".join(PARTIAL))
        await _stop_and_check(session, recorder, "".join(PARTIAL))
        session.retry(0)
        first, companion = await session.wait()
        assert first.state is ModelState.DONE and first.text == "Complete this time."
        assert first.error is None
        assert companion.state is ModelState.DONE and companion.text == COMPANION.text
        await engine.aclose()
        await _assert_no_task_left()
        assert await sim.await_idle()

    _run(main)


def test_closing_the_engine_stops_everything(sim: Simulator, studio_home: Path) -> None:
    sim.script("stalls", Stalled(PARTIAL))
    sim.script("limited", Status(429, retry_after="30"))

    async def main() -> None:
        engine = _engine(studio_home)
        recorder = Recorder()
        config = _config("sim", sim.url("openai"))
        session = engine.start(
            [(ModelTarget(ModelRef("sim", m), config), single_turn(m, "Hello"))
             for m in ("stalls", "limited")], recorder)
        await recorder.until(lambda: session.runs[0].text == "".join(PARTIAL)
                             and bool(session.runs[1].status_note))
        asked = time.monotonic()
        await engine.aclose()
        assert time.monotonic() - asked < PROMPT_LIMIT_S
        assert [r.state for r in session.runs] == [ModelState.CANCELLED] * 2
        assert session.runs[0].text == "".join(PARTIAL)
        await _assert_no_task_left()
        assert sockets_to(sim.port) == 0
        assert await sim.await_idle()

    _run(main)


# --- Ctrl-C on the command line --------------------------------------------------------------


def _saved_states(home: Path) -> dict[str, str]:
    """model → state of the answers the CLI has saved so far (read-only, while it runs)."""
    path = home / "data" / "studio.sqlite3"
    if not path.exists():
        return {}
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)) as db:
        try:
            return dict(db.execute("SELECT model, state FROM responses"))
        except sqlite3.OperationalError:  # not created yet, or busy for a moment
            return {}


@pytest.mark.parametrize("scenario", ["mid_stream", "retry_wait"])
def test_sigint_stops_a_running_cli_promptly(scenario: str, sim: Simulator,
                                             studio_home: Path) -> None:
    assert cli("providers", "add", "sim", "--kind", "openai", "--base-url", sim.url("openai"),
               "--no-key", home=studio_home).code == 0
    if scenario == "mid_stream":
        sim.script("slow", Stalled(PARTIAL))
    else:
        sim.script("slow", Status(429, retry_after="30"))
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env.update(PROMPT_STUDIO_HOME=str(studio_home), PYTHONPATH=str(REPO),
               PYTHON_KEYRING_BACKEND=NO_KEYRING)
    proc = subprocess.Popen(
        [sys.executable, "-m", "studio", "run", "-m", "sim:slow",
         "-m", "sim:deepseek_reasoner_stream", "-p", "Hello", "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=REPO)
    try:
        deadline = time.monotonic() + 20
        while not sim.requests_for("slow") and time.monotonic() < deadline:
            time.sleep(0.01)
        assert sim.requests_for("slow"), "the CLI never sent its request"
        # The partial text (or the 429) is sent at once; the healthy model's recording
        # takes longer. Once the CLI has saved that answer as done, it has read what the
        # slow model sent before, however loaded the machine is.
        deadline = time.monotonic() + 30
        while (_saved_states(studio_home).get("sim:deepseek_reasoner_stream") != "done"
               and time.monotonic() < deadline and proc.poll() is None):
            time.sleep(0.02)
        assert proc.poll() is None
        asked = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
        took = time.monotonic() - asked
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, err
    assert out == ""  # no half-written JSON document for a script to misread
    assert took <= 2.0, f"took {took:.2f} s to exit"
    assert "Traceback" not in err and "Error" not in err, err
    assert "interrupted" in err
    assert sim.wait_idle()
    assert not sim.errors

    # The interrupted answer is kept in history as stopped, with its text so far.
    (saved,) = cli("history", "list", "--json", home=studio_home).json()
    shown = cli("history", "show", str(saved["id"]), "--json", home=studio_home).json()
    responses = {r["model"]: r for t in shown["turns"] for r in t["responses"]}
    stopped = responses["sim:slow"]
    assert stopped["state"] == "cancelled"
    assert stopped["text"] == ("".join(PARTIAL) if scenario == "mid_stream" else "")
    assert responses["sim:deepseek_reasoner_stream"]["state"] == "done"
