"""What users type, checked where they type it: `prompt-studio` against the loopback simulator.

Each case runs the real CLI. Input that cannot succeed (an empty prompt, NUL bytes,
bytes that are not UTF-8, a model without a provider, an unusable base URL, a prompt too
big for a model's context window) gets a clear message and nothing is sent: the
simulator saw no request for it. Input that is unusual but valid (a 1 MB prompt, RTL
text, emoji sequences, Unicode line separators, CR/LF mixes) arrives intact: the same
characters in the request the simulator parsed, and the same bytes on the wire as JSON
encodes them.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from studio.core.catalog import ModelRef, ProviderConfig
from studio.core.events import ErrorKind
from studio.core.paths import studio_paths
from studio.core.prices import PriceTable
from studio.core.request import single_turn
from studio.core.runner import Engine, ModelState, ModelTarget
from studio.core.secrets import KeyStore
from studio.store import Store
from tests.e2e.cli import Result, cli
from tests.support.memory_keyring import MemoryKeyring
from tests.support.scenarios import Synthetic
from tests.support.simulator import SeenRequest, Simulator

pytestmark = pytest.mark.timeout(120)

PROTOCOLS = ("openai", "anthropic", "gemini")
MODELS = {"openai": "gpt-4.1", "anthropic": "claude-sim", "gemini": "gemini-2.5-pro"}
UNSET_KEY_ENV = "PROMPT_STUDIO_TEST_KEY_NEVER_SET"

# Text that stresses encoders and line splitters, but is an ordinary prompt.
WORLD = ("مرحبا بالعالم \u200fשלום עולם\u202e reversed\u202c 👩‍👩‍👧‍👦 👍🏽 🇯🇵 e\u0301 "
         "家族 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 \u2028line\u2029para\x85nel \t tab \"quoted\" \\back\\ "
         "\r\nCRLF\rCR\nLF  trailing  ")


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    with Simulator() as s:
        yield s


@pytest.fixture(scope="module")
def module_home(tmp_path_factory: pytest.TempPathFactory, sim: Simulator) -> Path:
    home = tmp_path_factory.mktemp("bad-input") / "studio-home"
    for protocol in PROTOCOLS:
        r = cli("providers", "add", f"sim-{protocol}", "--kind", protocol, "--base-url",
                sim.url(protocol), "--no-key", home=home)
        assert r.code == 0, r.err
    r = cli("providers", "add", "keyless", "--kind", "openai", "--base-url", sim.url("openai"),
            "--key-env", UNSET_KEY_ENV, home=home)
    assert r.code == 0, r.err
    return home


@pytest.fixture
def home(module_home: Path, sim: Simulator) -> Path:
    sim.reset()
    for protocol in PROTOCOLS:
        sim.script(MODELS[protocol], Synthetic(["ok"]))
    sim.script("ok", Synthetic(["ok"]))
    return module_home


def _sent_prompt(request: SeenRequest) -> str:
    body: dict[str, Any] = request.json
    if request.protocol == "gemini":
        return "".join(p["text"] for p in body["contents"][-1]["parts"])
    content = body["messages"][-1]["content"]
    if isinstance(content, str):
        return content
    return "".join(block["text"] for block in content)


def _sent_system(request: SeenRequest) -> str | None:
    body: dict[str, Any] = request.json
    if request.protocol == "gemini":
        instruction = body.get("systemInstruction") or body.get("system_instruction")
        return None if instruction is None else "".join(p["text"] for p in instruction["parts"])
    if request.protocol == "anthropic":
        system = body.get("system")
        if isinstance(system, list):
            return "".join(block["text"] for block in system)
        return system
    first = body["messages"][0]
    return first["content"] if first["role"] in ("system", "developer") else None


def _on_the_wire(text: str) -> bytes:
    """How a JSON body written without ASCII escaping carries `text`."""
    return json.dumps(text, ensure_ascii=False)[1:-1].encode("utf-8")


def _all_models() -> list[str]:
    return [a for p in PROTOCOLS for a in ("-m", f"sim-{p}:{MODELS[p]}")]


def _refused(r: Result, message: str, sim: Simulator) -> None:
    assert r.code == 2, (r.out, r.err)
    assert message in r.err, r.err
    assert "Traceback" not in r.err
    assert r.out == ""
    assert sim.requests == [], "something was sent"


# --- big prompts ---------------------------------------------------------------------------


def _megabyte() -> str:
    line = WORLD.replace("\r", "") + "\n"
    text = (line * (1_048_576 // len(line) + 1))[:1_048_576]
    assert len(text.encode("utf-8")) > 1_048_576
    return text


def test_a_1mb_prompt_is_sent_whole_to_every_protocol(home: Path, sim: Simulator) -> None:
    prompt = _megabyte()
    source = home.parent / "big.txt"
    source.write_text(prompt, encoding="utf-8", newline="")
    r = cli("run", *_all_models(), "-f", str(source), "--json", home=home)
    assert r.code == 0, r.err
    assert [x["error"] for x in r.json()["results"]] == [None] * 3
    for protocol in PROTOCOLS:
        (seen,) = sim.requests_for(MODELS[protocol])
        assert _sent_prompt(seen) == prompt
        assert _on_the_wire(prompt) in seen.body
    shown = cli("history", "show", str(r.json()["run_id"]), "--json", home=home).json()
    assert shown["turns"][0]["prompt"] == prompt


def test_a_prompt_too_big_for_one_model_is_refused_for_that_model_only(
        home: Path, sim: Simulator) -> None:
    source = home.parent / "big.txt"
    source.write_text(_megabyte(), encoding="utf-8", newline="")
    # deepseek-chat has a 128k-token window in resources/prices.json, gpt-4.1 about 1M.
    r = cli("run", "-m", "sim-openai:deepseek-chat", "-m", "sim-openai:gpt-4.1", "-f",
            str(source), "--json", home=home)
    assert r.code == 1, r.err
    small, large = r.json()["results"]
    assert small["error"]["kind"] == "bad_request"
    assert "context window of 128,000 tokens" in small["error"]["message"]
    assert small["text"] == ""
    assert large["error"] is None
    assert sim.requests_for("deepseek-chat") == []
    assert len(sim.requests_for("gpt-4.1")) == 1


def test_a_prompt_over_the_size_limit_is_refused(home: Path, sim: Simulator) -> None:
    source = home.parent / "huge.txt"
    source.write_text("x" * 4_000_001, encoding="utf-8")
    _refused(cli("run", "-m", "sim-openai:ok", "-f", str(source), home=home),
             "the limit is 4,000,000", sim)


# --- empty, NUL, not UTF-8 -----------------------------------------------------------------


def _collection(home: Path, name: str, body: str, variables: dict[str, str] | None = None
                ) -> None:
    document = {"format": "prompt-studio.collection", "version": 1, "collections": [{
        "name": name, "collections": [],
        "prompts": [{"title": "Stored", "body": body, "variables": variables or {}}]}]}
    path = home.parent / f"{name}.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    r = cli("collections", "import", str(path), home=home)
    assert r.code == 0, r.err


def _stored_directly(home: Path, name: str, body: str,
                     variables: dict[str, str] | None = None) -> None:
    # Imports refuse NUL characters, but a database written by other means may hold them.
    with Store.open(studio_paths({"PROMPT_STUDIO_HOME": str(home)}).ensure()) as store:
        collection = store.add_collection(name)
        store.add_prompt(collection.id, "Stored", body, variables=variables or {})


@pytest.mark.parametrize(("how", "message"), [
    ("argv", "the prompt is empty"),
    ("blank argv", "the prompt is empty"),
    ("empty file", "the prompt is empty"),
    ("file with only a byte-order mark", "the prompt is empty"),
    ("empty stdin", "the prompt is empty"),
    ("variable filled with spaces", "the prompt is empty"),
    ("stored prompt", "the prompt 'Stored' of collection 'Blank' is empty"),
])
def test_empty_prompts_are_refused(home: Path, sim: Simulator, how: str, message: str) -> None:
    source = home.parent / "empty.txt"
    source.write_bytes(b"\xef\xbb\xbf" if "mark" in how else b"")
    args = {
        "argv": ["-p", ""],
        "blank argv": ["-p", " \n\t\r\n "],
        "empty file": ["-f", str(source)],
        "file with only a byte-order mark": ["-f", str(source)],
        "empty stdin": ["-f", "-"],
        "variable filled with spaces": ["-p", "{{topic}}", "--var", "topic=  "],
        "stored prompt": ["--collection", "Blank"],
    }[how]
    if how == "stored prompt":
        _collection(home, "Blank", " \n ")
    _refused(cli("run", "-m", "sim-openai:ok", *args, stdin="", home=home), message, sim)


@pytest.mark.parametrize("how", ["file", "stdin", "stored prompt", "stored variable",
                                 "prompts add"])
def test_nul_bytes_are_refused(home: Path, sim: Simulator, how: str) -> None:
    source = home.parent / "nul.txt"
    source.write_bytes(b"before\0after")
    if how == "prompts add":
        assert cli("collections", "add", "Target", home=home).code == 0
        r = cli("prompts", "add", "--collection", "Target", "--title", "T", "-f", str(source),
                home=home)
        _refused(r, "contains NUL characters", sim)
        assert "Target (0 prompts)" in cli("collections", "list", home=home).out
        return
    if how == "stored prompt":
        _stored_directly(home, "Nul", "before\0after")
        args = ["--collection", "Nul"]
    elif how == "stored variable":
        _stored_directly(home, "NulVar", "Say {{word}}", {"word": "a\0b"})
        args = ["--collection", "NulVar"]
    else:
        args = ["-f", str(source) if how == "file" else "-"]
    r = cli("run", "-m", "sim-openai:ok", *args, stdin="before\0after", home=home)
    _refused(r, "contains NUL characters", sim)


@pytest.mark.parametrize(("args", "message"), [
    (["-p", "caf\udcff"], "the prompt is not valid UTF-8 text"),
    (["-p", "hi", "--system", "sys\udcfe"], "the system prompt is not valid UTF-8 text"),
    (["-f", "{latin1}"], "is not UTF-8 text (byte 3 cannot be decoded"),
    (["-m", "sim-gemini:gem\udcffini", "-p", "hi"], "contains control characters or bytes"),
    (["-m", "sim-openai:tab\there", "-p", "hi"], "contains control characters or bytes"),
])
def test_bytes_that_are_not_text_are_refused(home: Path, sim: Simulator, args: list[str],
                                             message: str) -> None:
    latin1 = home.parent / "latin1.txt"
    latin1.write_bytes("café".encode("latin-1"))
    # Lone surrogates in argv reach the child as the raw bytes (os.fsencode), as typed.
    argv = [a.replace("{latin1}", str(latin1)) for a in args]
    if "-m" not in argv:
        argv = ["-m", "sim-openai:ok", *argv]
    _refused(cli("run", *argv, home=home), message, sim)


# --- unusual text arrives intact -------------------------------------------------------------


@pytest.mark.parametrize("source", ["argv", "file", "stdin", "file with byte-order mark"])
def test_rtl_emoji_and_line_separators_arrive_byte_exact(home: Path, sim: Simulator,
                                                         source: str) -> None:
    prompt = WORLD + " — " + source
    system = "أجب بالعربية 🙂 \u200f(RTL)"
    path = home.parent / "world.txt"
    path.write_bytes((b"\xef\xbb\xbf" if "mark" in source else b"") + prompt.encode("utf-8"))
    given = {"argv": ["-p", prompt], "stdin": ["-f", "-"]}.get(source, ["-f", str(path)])
    r = cli("run", *_all_models(), *given, "--system", system, "--json",
            stdin=prompt if source == "stdin" else None, home=home)
    assert r.code == 0, r.err
    for protocol in PROTOCOLS:
        (seen,) = sim.requests_for(MODELS[protocol])
        assert _sent_prompt(seen) == prompt, protocol
        assert _sent_system(seen) == system, protocol
        assert _on_the_wire(prompt) in seen.body
        assert _on_the_wire(system) in seen.body
    shown = cli("history", "show", str(r.json()["run_id"]), "--json", home=home).json()
    assert shown["turns"][0]["prompt"] == prompt
    assert shown["system"] == system


# --- models, providers, keys, base URLs --------------------------------------------------------


@pytest.mark.parametrize(("model", "message"), [
    ("gpt-4o", "must be written PROVIDER:MODEL"),
    (":gpt-4o", "must be written PROVIDER:MODEL"),
    ("sim-openai:", "must be written PROVIDER:MODEL"),
    ("sim-openai:  ", "must be written PROVIDER:MODEL"),
    ("nosuch:gpt-4o", "unknown provider 'nosuch'"),
])
def test_a_model_without_a_usable_provider_stops_the_whole_run(
        home: Path, sim: Simulator, model: str, message: str) -> None:
    # All or nothing at the point of entry: the valid model is not asked either.
    r = cli("run", "-m", "sim-openai:ok", "-m", model, "-p", "hi", "--json", home=home)
    _refused(r, message, sim)


def test_a_provider_without_a_key_fails_alone_and_sends_nothing(home: Path,
                                                               sim: Simulator) -> None:
    r = cli("run", "-m", "keyless:ok", "-m", "sim-anthropic:ok", "-p", "hi", "--json",
            home=home)
    assert r.code == 1, r.err
    keyless, other = r.json()["results"]
    assert keyless["error"]["kind"] == "auth"
    assert "prompt-studio keys set keyless" in keyless["error"]["message"]
    assert UNSET_KEY_ENV in keyless["error"]["message"]
    assert other["error"] is None and other["text"] == "ok"
    assert [q.protocol for q in sim.requests_for("ok")] == ["anthropic"]


@pytest.mark.parametrize(("url", "message"), [
    ("localhost:8000", "expected http:// or https:// with a host"),
    ("ftp://10.0.0.5/v1", "expected http:// or https:// with a host"),
    ("http://", "expected http:// or https:// with a host"),
    ("javascript:alert(1)", "expected http:// or https:// with a host"),
    ("http:// spaced.example/v1", "spaces or control characters"),
    ("https://exa mple.com/v1", "spaces or control characters"),
    ("http://127.0.0.1:99999/v1", "Port out of range"),
    ("http://[::1/v1", "Invalid IPv6 URL"),
    ("http://example.com/v1?api-version=1", "cannot have a ?query or #fragment"),
    ("http://example.com/v1#top", "cannot have a ?query or #fragment"),
    ("https://user:hunter2-secret@example.com/v1", "holds a user name or password"),
])
def test_an_invalid_base_url_is_refused_when_added(home: Path, sim: Simulator, url: str,
                                                   message: str) -> None:
    providers = home / "config" / "providers.json"
    before = providers.read_bytes()
    r = cli("providers", "add", "bad-url", "--kind", "openai", "--base-url", url, home=home)
    _refused(r, message, sim)
    assert "invalid base URL" in r.err
    assert "hunter2-secret" not in r.err  # a password in a URL is not printed back
    assert providers.read_bytes() == before


def test_a_hand_edited_invalid_base_url_is_a_clear_error(studio_home: Path,
                                                         sim: Simulator) -> None:
    config = studio_home / "config"
    config.mkdir(parents=True)
    entry = {"kind": "openai", "base_url": "http://[::1/v1"}
    (config / "providers.json").write_text(json.dumps(
        {"version": 1, "providers": {"edited": entry}}))
    for args in (["run", "-m", "edited:ok", "-p", "hi"], ["providers", "list"],
                 ["keys", "list"]):
        _refused(cli(*args, home=studio_home), "invalid base URL 'http://[::1/v1'", sim)
    listed = cli("providers", "list", home=studio_home)
    assert "providers.json" in listed.err and "providers remove" in listed.err
    # The way out works even while the file is broken.
    assert cli("providers", "remove", "edited", home=studio_home).code == 0
    assert cli("providers", "list", home=studio_home).code == 0


def test_the_engine_fails_an_unusable_base_url_alone(studio_home: Path,
                                                    sim: Simulator) -> None:
    # Configs normally pass the registry's check; one made in code still fails alone.
    sim.reset()
    sim.script("ok", Synthetic(["fine"]))
    good = ProviderConfig("sim", "openai", sim.url("openai"), needs_key=False)
    bad = [ProviderConfig("bad", "openai", url, needs_key=False)
           for url in ("http://[::1/v1", "http://127.0.0.1:99999/v1", "ftp://x/v1")]

    async def main() -> list[tuple[ModelState, ErrorKind | None, str]]:
        engine = Engine(keys=KeyStore(env={}, backend=MemoryKeyring()),
                        prices=PriceTable.load(studio_home / "prices.json"))
        jobs = [(ModelTarget(ModelRef(c.name, "ok"), c), single_turn("ok", "hi"))
                for c in (*bad, good)]
        try:
            runs = await asyncio.wait_for(engine.start(jobs).wait(), 10)
        finally:
            await engine.aclose()
        return [(r.state, r.error.kind if r.error else None, r.text) for r in runs]

    *failed, fine = asyncio.run(main())
    assert all(state is ModelState.FAILED and kind is ErrorKind.BAD_REQUEST
               for state, kind, _ in failed), failed
    assert fine == (ModelState.DONE, None, "fine")
    assert len(sim.requests) == 1


@pytest.mark.parametrize(("args", "message"), [
    (["--max-tokens", "0"], "--max-tokens must be a positive number"),
    (["--temperature", "-0.5"], "--temperature must be between 0 and 2"),
    (["--var", "no-equals-sign"], "--var expects KEY=VALUE"),
    (["--seed", "forty-two"], "invalid int value"),
    (["--reasoning", "maximum"], "invalid choice"),
    (["-p", "Say {{word}}"], "{{word}} but no value was given"),
])
def test_bad_settings_are_refused_before_sending(home: Path, sim: Simulator, args: list[str],
                                                 message: str) -> None:
    given = args if "-p" in args else ["-p", "hi", *args]
    _refused(cli("run", "-m", "sim-openai:ok", *given, home=home), message, sim)
