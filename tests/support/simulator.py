"""A loopback LLM provider: a real HTTP/1.1 server that replays recordings and misbehaves.

It runs on 127.0.0.1 (a random free port) in its own daemon thread with its own asyncio
loop, built on raw asyncio streams so it can fail at the byte and socket level. The same
instance serves plain-asyncio tests, Qt/qasync GUI tests, a `prompt-studio run`
subprocess and benchmarks.

    with Simulator() as sim:
        sim.script("gpt-x", Status(429, retry_after="1"), Synthetic(["Hi", "!"]))
        config = ProviderConfig("sim", "openai", sim.url("openai"), needs_key=False)
        ...                              # run the engine or the CLI against it
        assert sim.requests_for("gpt-x")[0].headers["content-type"] == "application/json"

Routes (tests.support.sim_routes): OpenAI-compatible /v1/chat/completions, Anthropic
/v1/messages, Gemini /v1beta/models/{model}:streamGenerateContent, Ollama /api/chat, Azure
OpenAI /openai/deployments/{deployment}/chat/completions?api-version=V and
/openai/v1/chat/completions, and each protocol's model listing. The model id comes from
the JSON body, or from the path for Gemini and Azure deployments.

Which answer a request gets:
- `script(model, *scenarios)`: the model's requests get the scenarios in order; the last
  one repeats. `script_listing(protocol, *scenarios)` does the same for a listing route.
- Unscripted model ids that name a recording ("rec:deepseek_reasoner_stream" or just
  "deepseek_reasoner_stream") replay it byte-exact with its recorded status and headers;
  a recording with several interactions answers successive requests with them in turn.
- Any other model gets the protocol's default: openai → deepseek_reasoner_stream,
  anthropic → anthropic_text_stream, gemini → gemini_stream_usage, azure →
  azure_chat_stream (recordings), and ollama → `DEFAULT_OLLAMA` (synthetic; there is no
  Ollama recording).
- `require_key`: when set, a request that does not present that key (Bearer, x-api-key,
  x-goog-api-key or ?key=; for Azure only its api-key header) gets the protocol's 401.

Scenarios (tests.support.scenarios, re-exported here): Replay, Synthetic, TinyChunks,
Status, HtmlPage, ErrorEvent, ConnectionReset, Stalled, SlowDrip, MalformedJson, CutOff,
HugeChunk, InvalidUtf8, ModelList. Each tells what a correct client ends up with (`text`,
`reasoning`; for faults the text kept from before the failure). `Synthetic(per_write=N)`
packs N frames per HTTP chunk: one frame per chunk costs the simulator ~10 µs a frame,
which high-volume ingest benchmarks may not want to measure.

Observing: `requests` (every parsed request, in arrival order, each with the span during
which it was being answered: `started`, `ended`), `active_requests` and `peak_active` (the
most requests ever answered at once; `reset_peak()`), `peak_concurrency(requests)` for any
subset, `open_connections` (sockets accepted and not yet closed), `wait_idle()` /
`await_idle()` (until every client socket is closed), and `errors` (exceptions inside the
simulator itself: a test should assert it stays empty). `stop()` aborts every connection,
stalled ones included, and returns once every socket the simulator opened is closed and every
task of its loop has ended, so nothing of it is left for the garbage collector to find in a
later test.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import struct
import threading
import time
from http import HTTPStatus
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from tests.support.recordings import load_recording, recording_names
from tests.support.scenarios import (
    Close,
    ConnectionReset,
    CutOff,
    Drip,
    ErrorEvent,
    Hold,
    HtmlPage,
    HugeChunk,
    InvalidUtf8,
    MalformedJson,
    ModelList,
    Paced,
    Pause,
    Replay,
    Reply,
    Reset,
    Scenario,
    SlowDrip,
    Split,
    Stall,
    Stalled,
    Status,
    Synthetic,
    TinyChunks,
)
from tests.support.sim_routes import LISTING_KEY, SeenRequest, misuse, route

# One import for tests: the server and every scenario.
__all__ = [
    "ConnectionReset", "CutOff", "ErrorEvent", "Hold", "HtmlPage", "HugeChunk", "InvalidUtf8",
    "MalformedJson", "ModelList", "Replay", "Scenario", "SeenRequest", "Simulator", "SlowDrip",
    "Stalled", "Status", "Synthetic", "TinyChunks", "peak_concurrency",
]

URL_SUFFIXES = {"openai": "/v1", "anthropic": "/v1", "gemini": "/v1beta", "ollama": "",
                "azure": ""}
DEFAULT_RECORDINGS = {"openai": "deepseek_reasoner_stream",
                      "anthropic": "anthropic_text_stream",
                      "gemini": "gemini_stream_usage",
                      "azure": "azure_chat_stream"}
DEFAULT_OLLAMA = Synthetic(["Hello", " from", " the simulated", " Ollama."], usage=(9, 5))

class _BadRequest(Exception):
    pass


# How long stop() waits for the simulator's own sockets and tasks to end. They end at once
# (every socket is aborted, every task cancelled); the bound only turns a bug into an error.
_STOP_LIMIT_S = 30.0


class _Connection(asyncio.StreamReaderProtocol):
    """One accepted socket, tracked from its accept to its close, whatever its handler did:
    a connection accepted just as the simulator stops has no handler running yet."""

    def __init__(self, sim: Simulator, handler: Any) -> None:
        super().__init__(asyncio.StreamReader(limit=1 << 20), handler)
        self._sim = sim
        self._transport_seen: asyncio.BaseTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport_seen = transport
        self._sim._opened(transport)
        super().connection_made(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        try:
            super().connection_lost(exc)
        finally:
            # The event loop closes the socket as soon as this returns.
            if self._transport_seen is not None:
                self._sim._closed(self._transport_seen)


class Simulator:
    def __init__(self, *, require_key: str | None = None) -> None:
        self.require_key = require_key
        self.requests: list[SeenRequest] = []
        self.errors: list[BaseException] = []
        self.total_connections = 0
        self.active_requests = 0
        self.peak_active = 0
        self.port = 0
        self._lock = threading.Lock()
        self._scripts: dict[str, tuple[Scenario, ...]] = {}
        self._served: dict[str, int] = {}
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._ready = threading.Event()
        self._start_error: BaseException | None = None
        self._transports: set[asyncio.BaseTransport] = set()
        self._unadopted: set[socket.socket] = set()
        self._adopting: set[asyncio.Task[None]] = set()
        self._handlers: set[asyncio.Task[None]] = set()  # handlers that have started
        self._all_closed: asyncio.Event | None = None

    # --- life cycle -----------------------------------------------------------------------

    def start(self) -> Simulator:
        if self._thread is not None:
            raise RuntimeError("simulator already started")
        self._thread = threading.Thread(target=self._run, name="provider-simulator",
                                        daemon=True)
        self._thread.start()
        self._ready.wait(10)
        if self._start_error is not None:
            raise RuntimeError("simulator failed to start") from self._start_error
        if not self.port:
            raise RuntimeError("simulator did not start within 10 s")
        return self

    def stop(self) -> None:
        thread, loop, stopping = self._thread, self._loop, self._stopping
        if thread is None:
            return
        if loop is not None and stopping is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop may have just ended
                loop.call_soon_threadsafe(stopping.set)
        thread.join(_STOP_LIMIT_S * 2)
        if thread.is_alive():
            raise RuntimeError("simulator thread did not stop")
        self._thread = None
        if self._transports:
            raise RuntimeError(f"simulator left {len(self._transports)} sockets open")

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, protocol: str) -> str:
        """The base URL to put in a ProviderConfig of this protocol."""
        return self.base_url + URL_SUFFIXES[protocol]

    # --- scripting and observing ----------------------------------------------------------

    def script(self, model: str, *scenarios: Scenario) -> None:
        if not scenarios:
            raise ValueError("script() needs at least one scenario")
        with self._lock:
            self._scripts[model] = scenarios
            self._served[model] = 0

    def script_listing(self, protocol: str, *scenarios: Scenario) -> None:
        self.script(LISTING_KEY + protocol, *scenarios)

    def reset(self) -> None:
        """Forget scripts and seen requests (between tests sharing one simulator)."""
        with self._lock:
            self._scripts.clear()
            self._served.clear()
            self.requests.clear()
            self.errors.clear()

    def reset_peak(self) -> None:
        with self._lock:
            self.peak_active = self.active_requests

    @property
    def open_connections(self) -> int:
        """Client connections accepted and not yet closed."""
        return len(self._transports)

    def requests_for(self, model: str) -> list[SeenRequest]:
        with self._lock:
            return [r for r in self.requests if r.model == model]

    # Connections close within milliseconds; the limit is only how long a test waits before
    # it reports one that never does, so it is generous for a loaded machine.
    def wait_idle(self, timeout: float = 20.0) -> bool:
        """Block until no client connection is open (from a thread without a loop)."""
        deadline = time.monotonic() + timeout
        while self.open_connections and time.monotonic() < deadline:
            time.sleep(0.005)
        return self.open_connections == 0

    async def await_idle(self, seconds: float = 20.0) -> bool:
        """Like wait_idle, without blocking the caller's event loop (asyncio or qasync)."""
        deadline = time.monotonic() + seconds
        for _ in range(int(seconds / 0.005) + 1):
            if not self.open_connections or time.monotonic() >= deadline:
                break
            await asyncio.sleep(0.005)
        return self.open_connections == 0

    # --- the server thread ----------------------------------------------------------------

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._main())
        except BaseException as exc:
            self._start_error = exc
            self._ready.set()
        finally:
            with contextlib.suppress(Exception):
                loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    async def _main(self) -> None:
        self._stopping = asyncio.Event()
        self._all_closed = asyncio.Event()
        self._all_closed.set()
        loop = asyncio.get_running_loop()
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            listener.bind(("127.0.0.1", 0))
            listener.listen(128)
            listener.setblocking(False)
            self.port = listener.getsockname()[1]
            loop.add_reader(listener.fileno(), self._accept, listener)
            self._ready.set()
            try:
                await self._stopping.wait()
            finally:
                loop.remove_reader(listener.fileno())
                await self._shut_down()
        finally:
            listener.close()

    # asyncio's own server (and sock_accept) can lose a socket it has just accepted when it
    # is closed or cancelled at that moment; here every accepted socket is ours until a
    # transport (tracked by its _Connection) has taken it, and closed by us otherwise.

    def _accept(self, listener: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                conn, _address = listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:  # out of file descriptors, say: the test must know
                self.errors.append(exc)
                return
            conn.setblocking(False)
            self._unadopted.add(conn)
            task = loop.create_task(self._adopt(conn))
            self._adopting.add(task)
            task.add_done_callback(self._adopting.discard)

    async def _adopt(self, conn: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        try:
            await loop.connect_accepted_socket(lambda: _Connection(self, self._serve), conn)
        except Exception as exc:
            self.errors.append(exc)
            conn.close()
        self._unadopted.discard(conn)

    async def _shut_down(self) -> None:
        """Abort every accepted socket, end every other task, wait until all are closed.

        A handler that has not started yet is not cancelled (asyncio's stream protocol
        reports a handler cancelled before its first step as an error): it starts, finds
        its connection closed and ends, so the tasks end in rounds until none is left.
        """
        me = asyncio.current_task()
        while True:
            for transport in list(self._transports):
                transport.abort()
            tasks = [t for t in asyncio.all_tasks() if t is not me]
            if not tasks:
                break
            for task in tasks:
                if task in self._handlers or task in self._adopting:
                    task.cancel()
            _done, pending = await asyncio.wait(tasks, timeout=_STOP_LIMIT_S)
            if pending:
                self.errors.append(RuntimeError(f"{len(pending)} simulator tasks did not end"))
                break
        for conn in self._unadopted:
            conn.close()  # accepted, but its transport never came to be
        self._unadopted.clear()
        assert self._all_closed is not None
        try:
            await asyncio.wait_for(self._all_closed.wait(), _STOP_LIMIT_S)
        except TimeoutError:
            self.errors.append(RuntimeError(f"{len(self._transports)} sockets did not close"))

    def _opened(self, transport: asyncio.BaseTransport) -> None:
        self._transports.add(transport)
        self.total_connections += 1
        if self._all_closed is not None:
            self._all_closed.clear()

    def _closed(self, transport: asyncio.BaseTransport) -> None:
        self._transports.discard(transport)
        if not self._transports and self._all_closed is not None:
            self._all_closed.set()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            while True:
                request = await self._read_request(reader)
                if request is None:
                    break
                request.started = time.monotonic()
                with self._lock:
                    self.requests.append(request)
                    self.active_requests += 1
                    self.peak_active = max(self.peak_active, self.active_requests)
                reply = self._answer(request)
                try:
                    if not await self._send(reply, reader, writer, request):
                        break
                finally:
                    self._ended(request)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                _BadRequest):
            pass  # the client went away or sent garbage: nothing to answer
        except asyncio.CancelledError:
            pass  # stop(): the transport is already aborted
        except Exception as exc:
            self.errors.append(exc)
        finally:
            writer.transport.abort()
            self._handlers.discard(task)

    async def _read_request(self, reader: asyncio.StreamReader) -> SeenRequest | None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError as exc:
            if exc.partial.strip():
                raise _BadRequest("truncated request head") from None
            return None
        lines = head.decode("latin-1").split("\r\n")
        try:
            method, target, _version = lines[0].split(" ", 2)
        except ValueError:
            raise _BadRequest(lines[0]) from None
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = await self._read_chunked(reader)
        else:
            body = await reader.readexactly(int(headers.get("content-length", "0") or 0))
        parts = urlsplit(target)
        request = SeenRequest(method.upper(), unquote(parts.path), dict(parse_qsl(parts.query)),
                              headers, body)
        if body:
            with contextlib.suppress(ValueError):
                request.json = json.loads(body)
        return request

    @staticmethod
    async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
        parts: list[bytes] = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0].strip(), 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                return b"".join(parts)
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)

    # --- routing --------------------------------------------------------------------------

    def _answer(self, request: SeenRequest) -> Reply:
        protocol, model = route(request)
        request.protocol = protocol
        request.model = model or None
        if protocol is None:
            return Reply(404, [("content-type", "application/json")],
                         [json.dumps({"error": {"message": f"no route for {request.method} "
                                                f"{request.path}", "type": "not_found"}}
                                     ).encode()], chunked=False)
        if self.require_key is not None and request.key_for(protocol) != self.require_key:
            return Status(401).reply(protocol, model)
        problem = misuse(protocol, request)
        if problem is not None:
            return Status(problem[0], message=problem[1]).reply(protocol, model)
        return self._scenario_for(protocol, model).reply(protocol, model)

    def _scenario_for(self, protocol: str, model: str) -> Scenario:
        with self._lock:
            script = self._scripts.get(model)
            served = self._served.get(model, 0)
            self._served[model] = served + 1
        if script:
            return script[min(served, len(script) - 1)]
        if model.startswith(LISTING_KEY):
            return ModelList()
        name = model.removeprefix("rec:")
        if name in recording_names():
            count = len(load_recording(name).interactions)
            return Replay(name, interaction=min(served, count - 1))
        default = DEFAULT_RECORDINGS.get(protocol)
        return Replay(default) if default is not None else DEFAULT_OLLAMA

    # --- writing replies ------------------------------------------------------------------

    def _ended(self, request: SeenRequest) -> None:
        with self._lock:
            if request.ended is None:
                request.ended = time.monotonic()
                self.active_requests -= 1

    async def _send(self, reply: Reply, reader: asyncio.StreamReader,
                    writer: asyncio.StreamWriter, request: SeenRequest) -> bool:
        """Write one reply; False when the connection cannot be reused afterwards."""
        try:
            phrase = HTTPStatus(reply.status).phrase
        except ValueError:
            phrase = "Overloaded" if reply.status == 529 else "Unknown"
        head = [f"HTTP/1.1 {reply.status} {phrase}"]
        head += [f"{name}: {value}" for name, value in reply.headers]
        if not reply.chunked:
            data = b"".join(step for step in reply.body if isinstance(step, bytes))
            head.append(f"content-length: {len(data)}")
            self._ended(request)
            writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + data)
            await writer.drain()
            return True
        head.append("transfer-encoding: chunked")
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
        for written, step in enumerate(reply.body):
            if isinstance(step, bytes):
                await _chunk(writer, step)
                if written % 32 == 31:
                    await asyncio.sleep(0)  # let the other connections have their turn
            elif isinstance(step, Pause):
                await asyncio.sleep(step.seconds)
            elif isinstance(step, Hold):
                await writer.drain()
                step.reached.set()
                # Released from the test's thread: polled, so stop() can still cancel it.
                # A client that leaves meanwhile ends the connection, as with Stall.
                while True:
                    if step.released.is_set():
                        break
                    if reader.at_eof() or writer.transport.is_closing():
                        return False
                    await asyncio.sleep(0.005)
            elif isinstance(step, Drip):
                for start in range(0, len(step.data), step.size):
                    if start:
                        await asyncio.sleep(step.interval)
                    await _chunk(writer, step.data[start:start + step.size])
            elif isinstance(step, Paced):
                await _paced(writer, step)
            elif isinstance(step, Split):
                for start in range(0, len(step.frames), step.per_write):
                    await _chunk(writer, b"".join(step.frames[start:start + step.per_write]))
                    await asyncio.sleep(0)
            elif isinstance(step, Reset):
                await writer.drain()
                self._ended(request)
                sock = writer.get_extra_info("socket")
                if sock is not None:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                writer.transport.abort()
                return False
            elif isinstance(step, Stall):
                await writer.drain()
                while await reader.read(65536):
                    pass  # discard whatever comes until the client closes
                return False
            elif isinstance(step, Close):
                await writer.drain()
                self._ended(request)
                writer.close()
                return False
        await writer.drain()
        self._ended(request)
        writer.write(b"0\r\n\r\n")
        await writer.drain()
        return True


_HIGH_WATER = 64 * 1024


async def _chunk(writer: asyncio.StreamWriter, data: bytes) -> None:
    # drain() only when the transport buffers: awaiting it for every small frame would
    # cost the simulator more than the client it is measuring.
    if data:
        transport = writer.transport
        if transport.is_closing():
            raise ConnectionResetError("the client closed the connection")
        transport.write(b"%x\r\n%b\r\n" % (len(data), data))
        if transport.get_write_buffer_size() > _HIGH_WATER:
            await writer.drain()


async def _paced(writer: asyncio.StreamWriter, step: Paced) -> None:
    # Frames follow a fixed timetable, so a late wake-up sends the overdue frames together
    # instead of drifting.
    loop = asyncio.get_running_loop()
    start = loop.time()
    period = 1.0 / step.per_second
    sent = 0
    total = len(step.frames)
    while sent < total:
        due = min(total, int((loop.time() - start) / period) + 1)
        if due > sent:
            await _chunk(writer, b"".join(step.frames[sent:due]))
            sent = due
        if sent < total:
            await asyncio.sleep(max(0.0, start + sent * period - loop.time()))


def peak_concurrency(requests: list[SeenRequest]) -> int:
    """The most of `requests` that were being answered at the same moment."""
    now = time.monotonic()
    edges = sorted([(r.started, 1) for r in requests]
                   + [(r.ended if r.ended is not None else now, -1) for r in requests],
                   key=lambda edge: (edge[0], edge[1]))
    peak = current = 0
    for _when, step in edges:
        current += step
        peak = max(peak, current)
    return peak
