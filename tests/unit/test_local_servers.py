"""Finding local model servers, and streaming from Ollama's native API, against fake
servers on real loopback sockets (random ports)."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from studio.core.catalog import ProviderConfig
from studio.core.events import Finished, ReasoningDelta, TextDelta, Usage
from studio.core.local_servers import (
    DEFAULT_PROBES,
    DetectedServer,
    ServerProbe,
    detect_local_servers,
    probes_at,
)
from studio.core.providers import make_provider
from studio.core.request import GenerationSettings, single_turn
from tests.unit.local_cli import run_local_cli

OLLAMA_TAGS = {"models": [
    {"name": "qwen3:0.6b", "model": "qwen3:0.6b", "size": 522653767},
    {"name": "llama3.2:latest", "model": "llama3.2:latest", "size": 2019393189},
]}
OPENAI_MODELS = {"object": "list", "data": [
    {"id": "qwen2.5-coder-7b-instruct", "object": "model", "owned_by": "organization_owner"},
    {"id": "text-embedding-nomic-embed-text-v1.5", "object": "model"},
]}
THINKING = ["Okay, ", "the user wants ", "a red heading."]
ANSWER = ["<h1 style=", "\"color:red\">", "Hi</h1>"]


def _chat_lines(model: str) -> list[dict[str, Any]]:
    stamp = "2025-01-01T00:00:00Z"
    lines: list[dict[str, Any]] = [
        {"model": model, "created_at": stamp,
         "message": {"role": "assistant", "content": "", "thinking": part}, "done": False}
        for part in THINKING]
    lines += [{"model": model, "created_at": stamp,
               "message": {"role": "assistant", "content": part}, "done": False}
              for part in ANSWER]
    lines.append({"model": model, "created_at": stamp,
                  "message": {"role": "assistant", "content": ""}, "done": True,
                  "done_reason": "stop", "total_duration": 123456789,
                  "prompt_eval_count": 17, "eval_count": 42})
    return lines


class FakeServer:
    """A tiny HTTP server in a thread: routes map a path to (status, content type, body)."""

    def __init__(self, routes: dict[str, tuple[int, str, bytes]],
                 chat: bool = False) -> None:
        self.routes = routes
        self.chat = chat
        self.requests: list[tuple[str, str, Any]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _send(self, status: int, content_type: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                server.requests.append(("GET", self.path, None))
                status, content_type, body = server.routes.get(
                    self.path, (404, "text/html", b"<html><title>404</title></html>"))
                self._send(status, content_type, body)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"null")
                server.requests.append(("POST", self.path, body))
                if not (server.chat and self.path == "/api/chat"):
                    self._send(404, "text/plain", b"404 page not found")
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/x-ndjson")
                self.end_headers()  # HTTP/1.0: the body ends when the connection closes
                for line in _chat_lines(body["model"]):
                    self.wfile.write(json.dumps(line).encode() + b"\n")
                    self.wfile.flush()
                    time.sleep(0.005)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = int(self.httpd.server_address[1])
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,),
                                       daemon=True)

    def __enter__(self) -> FakeServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


def _json(data: Any) -> tuple[int, str, bytes]:
    return 200, "application/json; charset=utf-8", json.dumps(data).encode()


@pytest.fixture
def fake_ollama() -> Iterator[FakeServer]:
    with FakeServer({"/api/tags": _json(OLLAMA_TAGS),
                     "/v1/models": _json({"object": "list", "data": []})}, chat=True) as s:
        yield s


@pytest.fixture
def fake_openai() -> Iterator[FakeServer]:
    with FakeServer({"/v1/models": _json(OPENAI_MODELS)}) as s:
        yield s


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _detect(probes: tuple[ServerProbe, ...], wait_s: float = 0.5) -> list[DetectedServer]:
    async def run() -> list[DetectedServer]:
        async with httpx.AsyncClient(trust_env=False) as client:
            return await detect_local_servers(client, probes, wait_s)

    return asyncio.run(run())


def test_the_default_probes_are_the_usual_ports() -> None:
    assert [(p.provider, p.kind, p.host, p.port) for p in DEFAULT_PROBES] == [
        ("ollama", "ollama", "127.0.0.1", 11434),
        ("lmstudio", "openai", "127.0.0.1", 1234),
        ("llamacpp", "openai", "127.0.0.1", 8080),
    ]
    assert DEFAULT_PROBES[0].list_url == "http://127.0.0.1:11434/api/tags"
    assert DEFAULT_PROBES[1].list_url == "http://127.0.0.1:1234/v1/models"


def test_detects_ollama_and_an_openai_compatible_server(
        fake_ollama: FakeServer, fake_openai: FakeServer) -> None:
    closed = _free_port()
    probes = probes_at(ports={"ollama": fake_ollama.port, "lmstudio": fake_openai.port,
                              "llamacpp": closed})
    found = _detect(probes)
    assert found == [
        DetectedServer("ollama", "Ollama", "ollama", f"http://127.0.0.1:{fake_ollama.port}/v1",
                       ("qwen3:0.6b", "llama3.2:latest")),
        DetectedServer("lmstudio", "LM Studio", "openai",
                       f"http://127.0.0.1:{fake_openai.port}/v1",
                       ("qwen2.5-coder-7b-instruct", "text-embedding-nomic-embed-text-v1.5")),
    ]
    assert found[0].native_url == f"http://127.0.0.1:{fake_ollama.port}"
    assert found[1].native_url is None
    # Ollama is asked through its native listing, not /v1/models
    assert ("GET", "/api/tags", None) in fake_ollama.requests
    assert all(path != "/v1/models" for _, path, _ in fake_ollama.requests)


def test_servers_that_are_not_model_servers_are_not_detected() -> None:
    web_page = FakeServer({"/": (200, "text/html", b"<html>router admin</html>")})
    wrong_shape = FakeServer({"/v1/models": _json({"status": "ok"}),
                              "/api/tags": _json(["not", "a", "listing"])})
    broken_json = FakeServer({"/v1/models": (200, "application/json", b"{nope")})
    with web_page, wrong_shape, broken_json:
        probes = (
            ServerProbe("llamacpp", "llama.cpp server", "openai", port=web_page.port),
            ServerProbe("lmstudio", "LM Studio", "openai", port=wrong_shape.port),
            ServerProbe("ollama", "Ollama", "ollama", port=wrong_shape.port),
            ServerProbe("lmstudio", "LM Studio", "openai", port=broken_json.port),
        )
        assert _detect(probes) == []


def test_a_server_with_no_models_yet_is_still_detected() -> None:
    with FakeServer({"/api/tags": _json({"models": []})}) as empty:
        found = _detect((ServerProbe("ollama", "Ollama", "ollama", port=empty.port),))
    assert [(s.provider, s.models) for s in found] == [("ollama", ())]


def test_a_silent_server_costs_at_most_the_probe_timeout() -> None:
    # A socket that accepts connections but never answers (a hung server).
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = int(silent.getsockname()[1])
        probes = (ServerProbe("ollama", "Ollama", "ollama", port=port),
                  ServerProbe("lmstudio", "LM Studio", "openai", port=port),
                  ServerProbe("llamacpp", "llama.cpp server", "openai", port=_free_port()))
        wait_s = 1.5
        started = time.perf_counter()
        found = _detect(probes, wait_s=wait_s)
        elapsed = time.perf_counter() - started
    assert found == []
    # Probed concurrently: one timeout in all, not one per probe (two silent probes one
    # after the other would take twice as long); the rest of the second is the margin a
    # loaded machine needs.
    assert wait_s * 0.9 < elapsed < wait_s * 2


def test_nothing_listening_is_answered_at_once() -> None:
    probes = probes_at(ports={"ollama": _free_port(), "lmstudio": _free_port(),
                              "llamacpp": _free_port()})
    started = time.perf_counter()
    assert _detect(probes, wait_s=10.0) == []
    # Refused at once: far less than the probe timeout, however loaded the machine is.
    assert time.perf_counter() - started < 5.0


def _ollama_config(detected: DetectedServer) -> ProviderConfig:
    assert detected.native_url is not None
    return ProviderConfig(name=detected.provider, kind="ollama", base_url=detected.native_url,
                          needs_key=False, local=True)


def test_a_detected_ollama_streams_thinking_and_answer_over_ndjson(
        fake_ollama: FakeServer) -> None:
    probes = (ServerProbe("ollama", "Ollama", "ollama", port=fake_ollama.port),)
    [detected] = _detect(probes)
    provider = make_provider(_ollama_config(detected), None)
    request = single_turn(detected.models[0], "A red heading, please.", system="Be brief.",
                          settings=GenerationSettings(temperature=0.0, seed=7,
                                                      reasoning="high", max_tokens=64))

    async def run() -> list[object]:
        async with httpx.AsyncClient(trust_env=False) as client:
            return [event async for event in provider.stream(client, request)]

    events = asyncio.run(run())
    reasoning = "".join(e.text for e in events if isinstance(e, ReasoningDelta))
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert reasoning == "".join(THINKING)
    assert text == "".join(ANSWER)
    # thinking arrives before the answer, usage and the end come last
    kinds = [type(e).__name__ for e in events]
    assert kinds.index("TextDelta") > max(i for i, k in enumerate(kinds) if k == "ReasoningDelta")
    assert events[-2:] == [Usage(17, 42), Finished("stop")]

    [(method, path, body)] = [r for r in fake_ollama.requests if r[0] == "POST"]
    assert (method, path) == ("POST", "/api/chat")
    assert body["model"] == "qwen3:0.6b"
    assert body["stream"] is True
    assert body["think"] is True
    assert body["options"] == {"temperature": 0.0, "seed": 7, "num_predict": 64}
    assert body["messages"] == [{"role": "system", "content": "Be brief."},
                                {"role": "user", "content": "A red heading, please."}]


def test_ollama_lists_its_models_through_the_native_api(fake_ollama: FakeServer) -> None:
    config = ProviderConfig(name="ollama", kind="ollama",
                            base_url=f"http://127.0.0.1:{fake_ollama.port}/v1", needs_key=False)

    async def run() -> list[str]:
        async with httpx.AsyncClient(trust_env=False) as client:
            return [m.id for m in await make_provider(config, None).list_models(client)]

    assert asyncio.run(run()) == ["qwen3:0.6b", "llama3.2:latest"]


def test_cli_lists_the_servers_it_finds(fake_ollama: FakeServer, fake_openai: FakeServer,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    ports = ("--port", f"ollama={fake_ollama.port}", "--port", f"llamacpp={fake_openai.port}",
             "--port", f"lmstudio={_free_port()}")
    assert run_local_cli("local", "models", "--json", *ports) == 0
    servers = json.loads(capsys.readouterr().out)["servers"]
    assert servers == [
        {"provider": "ollama", "label": "Ollama", "kind": "ollama",
         "base_url": f"http://127.0.0.1:{fake_ollama.port}/v1",
         "models": ["qwen3:0.6b", "llama3.2:latest"]},
        {"provider": "llamacpp", "label": "llama.cpp server", "kind": "openai",
         "base_url": f"http://127.0.0.1:{fake_openai.port}/v1",
         "models": ["qwen2.5-coder-7b-instruct", "text-embedding-nomic-embed-text-v1.5"]},
    ]
    assert run_local_cli("local", "models", *ports) == 0
    text = capsys.readouterr().out
    assert f"ollama (Ollama, http://127.0.0.1:{fake_ollama.port}/v1): qwen3:0.6b" in text


def test_cli_rejects_a_bad_port_option(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_local_cli("local", "models", "--port", "vllm=8000") == 2
    assert "expected NAME=PORT" in capsys.readouterr().err
