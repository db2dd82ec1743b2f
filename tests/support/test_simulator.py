"""Self-tests of the loopback provider simulator: real sockets, an independent httpx client."""

from __future__ import annotations

import email.utils
import gc
import json
import socket
import threading
import time
import warnings
from collections.abc import Iterator

import httpx
import keyring.backend
import keyring.errors
import pytest

from tests.support.memory_keyring import MemoryKeyring
from tests.support.recordings import load_recording, recording_names
from tests.support.scenarios import (
    ConnectionReset,
    CutOff,
    ErrorEvent,
    HtmlPage,
    HugeChunk,
    InvalidUtf8,
    MalformedJson,
    ModelList,
    Replay,
    SlowDrip,
    Stalled,
    Status,
    Synthetic,
    TinyChunks,
)
from tests.support.simulator import Simulator, peak_concurrency

pytestmark = pytest.mark.timeout(30)

PATHS = {"openai": "/chat/completions", "anthropic": "/messages", "ollama": "/api/chat"}
STREAMED = [n for n in recording_names()
            if "event-stream" in load_recording(n).interactions[0].content_type]


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator() as server:
        yield server
        assert not server.errors


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5.0) as c:
        yield c


def _post(client: httpx.Client, sim: Simulator, protocol: str, model: str,
          headers: dict[str, str] | None = None) -> httpx.Response:
    if protocol == "gemini":
        url = f"{sim.url('gemini')}/models/{model}:streamGenerateContent?alt=sse"
        return client.post(url, json={"contents": []}, headers=headers)
    return client.post(sim.url(protocol) + PATHS[protocol],
                       json={"model": model, "stream": True}, headers=headers)


def _events(protocol: str, body: bytes) -> list[dict[str, object]]:
    """The JSON objects of a stream; an independent, strict reading of the wire format."""
    text = body.decode("utf-8")
    if protocol == "ollama":
        return [json.loads(line) for line in text.splitlines() if line]
    separator = "\r\n\r\n" if protocol == "gemini" else "\n\n"
    assert text.endswith(separator)
    events = []
    for block in text.split(separator)[:-1]:
        data = [line[6:] for line in block.splitlines() if line.startswith("data: ")]
        assert len(data) == 1, block
        if data[0] != "[DONE]":
            events.append(json.loads(data[0]))
    return events


def _texts(protocol: str, events: list[dict[str, object]]) -> tuple[str, str]:
    text, reasoning = [], []
    for e in events:
        ev: dict = e
        if protocol == "openai":
            for choice in ev["choices"]:
                text.append(choice["delta"].get("content") or "")
                reasoning.append(choice["delta"].get("reasoning_content") or "")
        elif protocol == "anthropic" and ev["type"] == "content_block_delta":
            text.append(ev["delta"].get("text", ""))
            reasoning.append(ev["delta"].get("thinking", ""))
        elif protocol == "gemini" and "candidates" in ev:
            for part in ev["candidates"][0]["content"]["parts"]:
                (reasoning if part.get("thought") else text).append(part["text"])
        elif protocol == "ollama" and "message" in ev:
            text.append(ev["message"]["content"])
            reasoning.append(ev["message"].get("thinking", ""))
    return "".join(text), "".join(reasoning)


@pytest.mark.parametrize("name", STREAMED)
def test_replay_is_byte_exact_in_any_chunking(sim: Simulator, client: httpx.Client,
                                              name: str) -> None:
    recorded = load_recording(name).interactions[0]
    for chunk_size in (None, 7):
        sim.script("m", Replay(name, chunk_size=chunk_size))
        with client.stream("POST", sim.url("openai") + "/chat/completions",
                           json={"model": "m", "stream": True}) as response:
            raw = b"".join(response.iter_raw())
        assert response.status_code == recorded.status
        assert response.headers["content-type"] == recorded.content_type
        assert raw == recorded.body


def test_unscripted_models_replay_recordings_or_the_protocol_default(
        sim: Simulator, client: httpx.Client) -> None:
    first = _post(client, sim, "openai", "rec:openrouter_stream_reasoning")
    assert first.content == load_recording("openrouter_stream_reasoning").interactions[0].body
    error = _post(client, sim, "openai", "openai_error_400")
    assert error.status_code == 400
    assert error.json()["error"]["type"] == "invalid_request_error"
    # A recording with several interactions answers with them in turn.
    tools = load_recording("openai_chat_stream_tools").interactions
    assert _post(client, sim, "openai", "openai_chat_stream_tools").content == tools[0].body
    assert _post(client, sim, "openai", "openai_chat_stream_tools").content == tools[1].body
    defaults = {"openai": "deepseek_reasoner_stream", "anthropic": "anthropic_text_stream",
                "gemini": "gemini_stream_usage"}
    for protocol, name in defaults.items():
        body = _post(client, sim, protocol, "whatever-model").content
        assert body == load_recording(name).interactions[0].body
    text, _ = _texts("ollama", _events("ollama", _post(client, sim, "ollama", "x").content))
    assert text == "Hello from the simulated Ollama."


def test_requests_are_recorded_with_protocol_model_and_key(sim: Simulator,
                                                           client: httpx.Client) -> None:
    _post(client, sim, "openai", "gpt-x", headers={"Authorization": "Bearer k-openai"})
    _post(client, sim, "anthropic", "claude-x", headers={"x-api-key": "k-anthropic"})
    _post(client, sim, "gemini", "gemini-x", headers={"x-goog-api-key": "k-gemini"})
    _post(client, sim, "ollama", "llama-x")
    seen = [(r.protocol, r.model, r.presented_key) for r in sim.requests]
    assert seen == [("openai", "gpt-x", "k-openai"), ("anthropic", "claude-x", "k-anthropic"),
                    ("gemini", "gemini-x", "k-gemini"), ("ollama", "llama-x", None)]
    assert sim.requests[0].json == {"model": "gpt-x", "stream": True}
    assert sim.requests[2].query == {"alt": "sse"}
    assert sim.requests[2].path == "/v1beta/models/gemini-x:streamGenerateContent"


def test_misuse_and_unknown_routes_get_clear_errors(sim: Simulator,
                                                    client: httpx.Client) -> None:
    no_sse = client.post(f"{sim.url('gemini')}/models/g:streamGenerateContent", json={})
    assert no_sse.status_code == 400
    assert "alt=sse" in no_sse.json()["error"]["message"]
    unstreamed = client.post(sim.url("openai") + "/chat/completions", json={"model": "m"})
    assert unstreamed.status_code == 400
    assert client.post(sim.base_url + "/nowhere", json={}).status_code == 404


def test_required_key_is_enforced_per_protocol() -> None:
    with Simulator(require_key="right") as sim, httpx.Client() as client:
        assert _post(client, sim, "openai", "m",
                     headers={"Authorization": "Bearer wrong"}).status_code == 401
        denied = _post(client, sim, "anthropic", "m", headers={"x-api-key": "wrong"})
        assert denied.json()["error"]["type"] == "authentication_error"
        allowed = _post(client, sim, "gemini", "m", headers={"x-goog-api-key": "right"})
        assert allowed.status_code == 200


@pytest.mark.parametrize("protocol", ["openai", "anthropic", "gemini", "ollama"])
def test_synthetic_streams_are_protocol_correct(sim: Simulator, client: httpx.Client,
                                                protocol: str) -> None:
    answer = Synthetic(["Hé", "llo ", "\"wörld\"\n", "😀"], ["hmm", " ok"], usage=(3, 4))
    sim.script("m", answer)
    response = _post(client, sim, protocol, "m")
    assert response.status_code == 200
    events = _events(protocol, response.content)
    assert _texts(protocol, events) == (answer.text, answer.reasoning)
    last = events[-1]
    if protocol == "openai":
        assert last["choices"] == []
        assert last["usage"]["completion_tokens"] == 4  # type: ignore[index]
        assert response.content.endswith(b"data: [DONE]\n\n")
    elif protocol == "anthropic":
        assert [e["type"] for e in events[-2:]] == ["message_delta", "message_stop"]
    elif protocol == "gemini":
        assert last["candidates"][0]["finishReason"] == "STOP"  # type: ignore[index]
        assert last["usageMetadata"]["candidatesTokenCount"] == 4  # type: ignore[index]
    else:
        assert last["done"] is True
        assert last["eval_count"] == 4


@pytest.mark.parametrize("protocol", ["openai", "anthropic", "gemini", "ollama"])
def test_status_errors_carry_the_protocol_shape_and_retry_after(
        sim: Simulator, client: httpx.Client, protocol: str) -> None:
    sim.script("m", Status(429, "7"), Status(429, retry_after_in=30), Status(404))
    first = _post(client, sim, protocol, "m")
    assert (first.status_code, first.headers["retry-after"]) == (429, "7")
    body = first.json()
    message = Status(429).message_for(protocol, "m")
    if protocol == "anthropic":
        assert body["type"] == "error"
        assert body["error"]["message"] == message
    elif protocol == "ollama":
        assert body["error"] == message
    else:
        assert body["error"]["message"] == message
    dated = _post(client, sim, protocol, "m").headers["retry-after"]
    delay = email.utils.parsedate_to_datetime(dated).timestamp() - time.time()
    assert 28 < delay <= 30
    for _ in range(2):  # the last scenario repeats
        assert _post(client, sim, protocol, "m").status_code == 404


def test_model_listings_per_protocol(sim: Simulator, client: httpx.Client) -> None:
    openai = client.get(sim.url("openai") + "/models").json()
    assert openai["object"] == "list"
    assert openai["data"][0]["id"] == "gpt-4o-mini"
    anthropic = client.get(sim.url("anthropic") + "/models",
                           headers={"anthropic-version": "2023-06-01"}).json()
    assert anthropic["data"][0]["type"] == "model"
    assert client.get(sim.url("gemini") + "/models").json()["models"][0]["name"].startswith(
        "models/")
    sim.script_listing("ollama", ModelList(["a:1"]), Status(500))
    assert client.get(sim.base_url + "/api/tags").json()["models"][0]["name"] == "a:1"
    assert client.get(sim.base_url + "/api/tags").status_code == 500


@pytest.mark.parametrize("protocol", ["openai", "anthropic", "gemini"])
def test_partial_faults_send_the_text_first(sim: Simulator, client: httpx.Client,
                                            protocol: str) -> None:
    sim.script("m", ErrorEvent(), MalformedJson(), CutOff())
    events = _events(protocol, _post(client, sim, protocol, "m").content)
    assert _texts(protocol, events)[0] == ErrorEvent().text
    assert ErrorEvent().message_for(protocol) in json.dumps(events[-1])
    broken = _post(client, sim, protocol, "m").content
    with pytest.raises(json.JSONDecodeError):
        _events(protocol, broken)
    cut = _events(protocol, _post(client, sim, protocol, "m").content)
    assert _texts(protocol, cut)[0] == CutOff().text
    assert all("finishReason" not in json.dumps(e) and e.get("type") != "message_stop"
               for e in cut)


def test_connection_reset_arrives_after_the_partial_text(sim: Simulator,
                                                         client: httpx.Client) -> None:
    sim.script("m", ConnectionReset(pause=0.05))
    received = bytearray()
    with pytest.raises(httpx.TransportError), client.stream(  # noqa: PT012
            "POST", sim.url("openai") + "/chat/completions",
            json={"model": "m", "stream": True}) as response:
        for part in response.iter_raw():
            received += part
    assert b"before the fault." in received


def test_http_level_cut_off_is_an_incomplete_body(sim: Simulator, client: httpx.Client) -> None:
    sim.script("m", CutOff(clean=False))
    with pytest.raises(httpx.RemoteProtocolError):
        _post(client, sim, "anthropic", "m")


def test_stall_holds_the_socket_until_the_client_leaves(sim: Simulator) -> None:
    sim.script("m", Stalled())
    with httpx.Client(timeout=httpx.Timeout(5.0, read=0.3)) as client, \
            pytest.raises(httpx.ReadTimeout):
        _post(client, sim, "gemini", "m")
    assert sim.wait_idle()


def test_stop_ends_stalled_connections_promptly() -> None:
    sim = Simulator().start()
    sim.script("m", Stalled())
    outcome: list[BaseException] = []
    client_timeout = 120.0

    def stalled_client() -> None:
        try:
            with httpx.Client(timeout=client_timeout) as client:
                _post(client, sim, "openai", "m")
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=stalled_client)
    thread.start()
    deadline = time.monotonic() + 25
    while not sim.requests and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sim.requests, "the client's request never arrived"
    sim.stop()
    thread.join(25)
    assert not thread.is_alive()
    # The simulator closed the stalled socket itself: the client saw the connection end,
    # not its own (two-minute) read timeout.
    assert isinstance(outcome[0], httpx.TransportError), outcome
    assert not isinstance(outcome[0], httpx.TimeoutException), outcome
    assert sim.open_connections == 0
    assert not [t for t in threading.enumerate() if t.name == "provider-simulator"]


def test_stop_closes_every_socket_it_accepted_even_mid_accept() -> None:
    """Connections accepted as the simulator stops (some with no handler running yet),
    idle ones and half-sent requests: stop() closes every one of its own sockets, so no
    ResourceWarning is left for the garbage collector to raise in a later test."""
    sim = Simulator().start()
    sim.script("m", Stalled())
    clients: list[socket.socket] = []
    try:
        for i in range(40):
            conn = socket.create_connection(("127.0.0.1", sim.port))
            clients.append(conn)
            if i % 3 == 1:
                conn.sendall(b"POST /v1/chat/completions HTTP/1.1\r\ncontent-le")
        sim.stop()
        assert sim.open_connections == 0
        assert sim.errors == []
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            gc.collect()
        leaked = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
        assert leaked == []
    finally:
        for conn in clients:
            conn.close()


def test_slow_drip_is_slow_and_complete(sim: Simulator, client: httpx.Client) -> None:
    drip = SlowDrip(size=64, interval=0.02)
    sim.script("m", drip)
    started = time.monotonic()
    body = _post(client, sim, "openai", "m").content
    pieces = (len(body) + 63) // 64
    assert time.monotonic() - started >= (pieces - 1) * 0.02
    assert _texts("openai", _events("openai", body))[0] == drip.text


def test_paced_synthetic_follows_its_rate(sim: Simulator, client: httpx.Client) -> None:
    sim.script("m", Synthetic(["x"] * 40, chunks_per_second=200))
    started = time.monotonic()
    body = _post(client, sim, "openai", "m").content
    assert time.monotonic() - started >= 0.19
    assert _texts("openai", _events("openai", body))[0] == "x" * 40


def test_big_small_and_broken_payloads(sim: Simulator, client: httpx.Client) -> None:
    huge, tiny, invalid = HugeChunk(), TinyChunks(10_000), InvalidUtf8()
    sim.script("m", huge, tiny, invalid, Synthetic(["a"] * 1000, per_write=64))
    assert _texts("anthropic", _events("anthropic", _post(client, sim, "anthropic", "m").content)
                  )[0] == huge.text
    assert len(huge.text) > 5_000_000
    with client.stream("POST", sim.url("openai") + "/chat/completions",
                       json={"model": "m", "stream": True}) as response:
        body = response.read()
    assert _texts("openai", _events("openai", body))[0] == tiny.text
    raw = _post(client, sim, "gemini", "m").content
    assert raw.count(b"\xff") == 2
    assert "€" in raw.decode("utf-8", errors="replace")
    assert invalid.text == "Caf\ufffd au lait costs 3 €\ufffd."
    assert _texts("ollama", _events("ollama", _post(client, sim, "ollama", "m").content)
                  )[0] == "a" * 1000


def test_html_page_with_status_200(sim: Simulator, client: httpx.Client) -> None:
    sim.script("m", HtmlPage())
    page = _post(client, sim, "openai", "m")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html"
    assert b"<title>502 Bad Gateway</title>" in page.content


def test_connections_are_counted_and_closed(sim: Simulator) -> None:
    with httpx.Client() as client:
        _post(client, sim, "openai", "m")
        _post(client, sim, "openai", "m")
        assert sim.open_connections == 1  # kept alive and reused
    assert sim.wait_idle()
    assert sim.total_connections == 1
    raw = socket.create_connection(("127.0.0.1", sim.port))
    raw.sendall(b"garbage without a request line end")
    raw.close()
    assert sim.wait_idle()


def test_memory_keyring_stays_out_of_keyrings_automatic_choice() -> None:
    assert MemoryKeyring not in getattr(keyring.backend.KeyringBackend, "_classes", set())
    backend = MemoryKeyring()
    backend.set_password("prompt-studio", "openai", "sk-test")
    assert backend.get_password("prompt-studio", "openai") == "sk-test"
    backend.delete_password("prompt-studio", "openai")
    with pytest.raises(keyring.errors.PasswordDeleteError):
        backend.delete_password("prompt-studio", "openai")


def test_requests_answered_at_once_are_counted_with_their_spans(sim: Simulator) -> None:
    # Each slow stream lasts 2 s, so the three (sent together) overlap even on a busy machine.
    sim.script("slow", Synthetic(["x"] * 40, chunks_per_second=20))
    sim.script("quick", Status(429, retry_after="1"))
    results: list[int] = []
    together = threading.Barrier(3)

    def ask(model: str) -> None:
        with httpx.Client(timeout=10.0) as own:
            together.wait()
            results.append(_post(own, sim, "openai", model).status_code)

    threads = [threading.Thread(target=ask, args=("slow",)) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with httpx.Client(timeout=5.0) as own:
        assert _post(own, sim, "openai", "quick").status_code == 429
    assert sorted(results) == [200, 200, 200]
    assert sim.active_requests == 0
    assert sim.peak_active == 3
    slow = sim.requests_for("slow")
    assert all(r.ended is not None and r.ended > r.started for r in slow)
    assert peak_concurrency(slow) == 3
    assert peak_concurrency(sim.requests_for("quick")) == 1
    sim.reset_peak()
    assert sim.peak_active == 0
