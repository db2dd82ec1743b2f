"""`prompt-studio run` end to end: a real subprocess against the loopback simulator."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.e2e.cli import add_sim_providers, cli
from tests.support.scenarios import ErrorEvent, Status
from tests.support.simulator import Simulator

ANSWER_DEEPSEEK = "Hello there! 😊 How can I help you today?"
ANSWER_GEMINI = "The capital of France is Paris.\n"


@pytest.fixture
def home(studio_home: Path, sim: Simulator) -> Path:
    sim.reset()
    add_sim_providers(studio_home, sim, {"sim-openai": "openai", "sim-anthropic": "anthropic",
                                         "sim-gemini": "gemini"})
    return studio_home


def test_all_protocols_return_the_recorded_answers(home: Path, sim: Simulator) -> None:
    r = cli("run", "-m", "sim-openai:deepseek_reasoner_stream",
            "-m", "sim-anthropic:anthropic_text_stream", "-m", "sim-gemini:gemini_stream",
            "-p", "Say hello", "--json", home=home)
    assert r.code == 0, r.err
    results = r.json()["results"]
    assert [x["model"] for x in results] == [
        "sim-openai:deepseek_reasoner_stream", "sim-anthropic:anthropic_text_stream",
        "sim-gemini:gemini_stream"]
    deepseek, anthropic, gemini = results
    assert deepseek["text"] == ANSWER_DEEPSEEK
    assert len(deepseek["reasoning"]) == 882
    assert deepseek["usage"] == {"input_tokens": 6, "output_tokens": 212,
                                 "cached_input_tokens": 0, "cache_write_tokens": None}
    assert anthropic["text"] == "Hello"
    assert anthropic["usage"]["input_tokens"] == 10
    assert gemini["text"] == ANSWER_GEMINI
    for x in results:
        assert x["error"] is None
        assert x["html"] is None
        assert x["total_s"] > 0 and x["ttft_s"] is not None


def test_a_failing_model_keeps_its_text_and_does_not_disturb_the_others(
        home: Path, sim: Simulator) -> None:
    sim.script("broken", ErrorEvent())
    sim.script("limited", Status(429, retry_after="0"), Status(429, retry_after="0"),
               Status(429, retry_after="0"), Status(429, retry_after="0"),
               Status(429, retry_after="0"))
    r = cli("run", "-m", "sim-openai:broken", "-m", "sim-gemini:gemini_stream",
            "-m", "sim-anthropic:limited", "-p", "hi", "--json", home=home)
    assert r.code == 1
    broken, gemini, limited = r.json()["results"]
    assert broken["error"]["kind"] in {"server", "overloaded", "rate_limit"}
    assert broken["text"]  # what streamed before the error is kept
    assert gemini["error"] is None and gemini["text"] == ANSWER_GEMINI
    assert limited["error"]["kind"] == "rate_limit" and limited["error"]["status"] == 429
    assert len(sim.requests_for("limited")) == 4  # the retry budget, then it gave up


def test_human_output_lists_each_answer(home: Path) -> None:
    r = cli("run", "-m", "sim-gemini:gemini_stream", "-p", "capital?", home=home)
    assert r.code == 0, r.err
    assert "── sim-gemini:gemini_stream" in r.out
    assert ANSWER_GEMINI.strip() in r.out


@pytest.mark.parametrize(("args", "message"), [
    (["run", "-p", "hi"], "at least one model"),
    (["run", "-m", "gpt-4o", "-p", "hi"], "PROVIDER:MODEL"),
    (["run", "-m", "nosuch:model", "-p", "hi"], "unknown provider 'nosuch'"),
    (["run", "-m", "sim-openai:x", "-p", "   "], "prompt is empty"),
    (["run", "-m", "sim-openai:x", "-f", "{nul_file}"], "NUL"),
    (["run", "-m", "sim-openai:x", "-f", "/nonexistent/prompt.md"], "not found"),
    (["run", "-m", "sim-openai:x", "-p", "hi", "--temperature", "7"], "temperature"),
    (["providers", "add", "bad", "--kind", "openai", "--base-url", "localhost:99"],
     "invalid base URL"),
])
def test_usage_errors_exit_2_with_a_clear_message(
        home: Path, sim: Simulator, args: list[str], message: str) -> None:
    seen = len(sim.requests)
    nul_file = home / "binary.txt"
    nul_file.parent.mkdir(parents=True, exist_ok=True)
    nul_file.write_bytes(b"a\x00b")
    r = cli(*[a.replace("{nul_file}", str(nul_file)) for a in args], home=home)
    assert r.code == 2
    assert message in r.err
    assert len(sim.requests) == seen  # nothing was sent


def test_a_provider_without_a_key_fails_before_sending(home: Path, sim: Simulator) -> None:
    r = cli("providers", "add", "needs-key", "--kind", "openai", "--base-url",
            sim.url("openai"), home=home)
    assert r.code == 0
    seen = len(sim.requests)
    r = cli("run", "-m", "needs-key:deepseek_reasoner_stream", "-p", "hi", "--json", home=home)
    assert r.code == 1
    (result,) = r.json()["results"]
    assert result["error"]["kind"] == "auth"
    assert "prompt-studio keys set needs-key" in result["error"]["message"]
    assert len(sim.requests) == seen


def test_keys_without_a_keyring_are_refused_and_nothing_is_written(home: Path) -> None:
    r = cli("keys", "set", "openai", stdin="sk-test-should-never-be-written\n", home=home)
    assert r.code == 1
    assert "no usable OS keyring" in r.err
    for path in home.rglob("*"):
        if path.is_file():
            assert b"sk-test-should-never-be-written" not in path.read_bytes()


real_keyring = pytest.mark.skipif(
    os.environ.get("PROMPT_STUDIO_TEST_KEYRING") != "1",
    reason="needs the Secret Service session that tests/run.sh starts")


@pytest.mark.keyring
@real_keyring
def test_keys_go_through_the_real_secret_service(home: Path, sim: Simulator) -> None:
    key = "sk-e2e-keyring-4242-distinctive"
    cli("keys", "delete", "sim-keyed", home=home, real_keyring=True)
    assert cli("providers", "add", "sim-keyed", "--kind", "openai", "--base-url",
               sim.url("openai"), home=home).code == 0
    r = cli("keys", "set", "sim-keyed", stdin=key + "\n", home=home, real_keyring=True)
    assert r.code == 0, r.err
    listed = cli("keys", "list", "--json", home=home, real_keyring=True).json()
    assert {"name": "sim-keyed", "source": "keyring", "where": "OS keyring"} in listed["keys"]
    assert "SecretService" in listed["keyring"]

    r = cli("run", "-m", "sim-keyed:deepseek_reasoner_stream", "-p", "hi", "--json",
            home=home, real_keyring=True)
    assert r.code == 0, r.err
    (seen,) = sim.requests_for("deepseek_reasoner_stream")
    assert seen.headers["authorization"] == f"Bearer {key}"
    assert key not in r.out and key not in r.err
    for path in home.rglob("*"):
        if path.is_file():
            assert key.encode() not in path.read_bytes(), path

    assert cli("keys", "delete", "sim-keyed", home=home, real_keyring=True).code == 0
    r = cli("run", "-m", "sim-keyed:deepseek_reasoner_stream", "-p", "hi", "--json",
            home=home, real_keyring=True)
    assert r.json()["results"][0]["error"]["kind"] == "auth"
