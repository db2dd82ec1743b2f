"""Runs are kept: history, collections and follow-ups through the real CLI and simulator."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.cli import add_sim_providers, cli
from tests.support.scenarios import Synthetic
from tests.support.simulator import Simulator


@pytest.fixture
def home(studio_home: Path, sim: Simulator) -> Path:
    sim.reset()
    add_sim_providers(studio_home, sim, {"o": "openai", "a": "anthropic", "g": "gemini"})
    return studio_home


def test_every_run_is_saved_and_can_be_shown(home: Path, sim: Simulator) -> None:
    sim.script("m1", Synthetic(["<p>", "one", "</p>"]))
    r = cli("run", "-m", "o:m1", "-m", "g:gemini_stream", "-p", "Say {{word}}",
            "--var", "word=hello", "--json", home=home)
    assert r.code == 0, r.err
    doc = r.json()
    run_id = doc["run_id"]
    assert isinstance(run_id, int)
    assert sim.requests_for("m1")[0].json["messages"][-1]["content"] == "Say hello"

    listed = cli("history", "list", "--json", home=home).json()
    assert [x["id"] for x in listed] == [run_id]
    shown = cli("history", "show", str(run_id), "--json", home=home)
    assert shown.code == 0, shown.err
    assert "<p>one</p>" in shown.out and "The capital of France is Paris." in shown.out
    assert cli("run", "-m", "o:m1", "-p", "x", "--no-save", home=home).code == 0
    assert len(cli("history", "list", "--json", home=home).json()) == 1


def test_a_missing_variable_is_a_usage_error(home: Path, sim: Simulator) -> None:
    r = cli("run", "-m", "o:m1", "-p", "Say {{word}}", home=home)
    assert r.code == 2
    assert "{{word}}" in r.err and "--var" in r.err
    assert sim.requests == []


def test_collection_prompts_run_with_their_variables(home: Path, sim: Simulator) -> None:
    assert cli("collections", "add", "Games", home=home).code == 0
    assert cli("prompts", "add", "--collection", "Games", "--title", "Hexagon", "-p",
               "A ball in a {{shape}}", "--var", "shape=hexagon", home=home).code == 0
    assert cli("prompts", "add", "--collection", "Games", "--title", "Pagoda", "-p",
               "A voxel pagoda", home=home).code == 0
    sim.script("m2", Synthetic(["ok"]))
    r = cli("run", "--collection", "Games", "-m", "o:m2", "--var", "shape=square", "--json",
            home=home)
    assert r.code == 0, r.err
    runs = r.json()["runs"]
    assert sorted(x["prompt"] for x in runs) == ["Hexagon", "Pagoda"]
    sent = sorted(q.json["messages"][-1]["content"] for q in sim.requests_for("m2"))
    assert sent == ["A ball in a square", "A voxel pagoda"]

    r = cli("run", "--collection", "Games", "--prompt", "Pagoda", "-m", "o:m2", "--json",
            home=home)
    assert [x["prompt"] for x in r.json()["runs"]] == ["Pagoda"]
    r = cli("run", "--collection", "Nope", "-m", "o:m2", home=home)
    assert r.code == 2 and "Nope" in r.err


def test_a_follow_up_continues_each_models_own_thread(home: Path, sim: Simulator) -> None:
    sim.script("gpt-x", Synthetic(["<html>gpt one</html>"]), Synthetic(["gpt two"]))
    sim.script("claude-x", Synthetic(["claude one"]), Synthetic(["claude two"]))
    sim.script("gem-x", Synthetic(["gem one"]), Synthetic(["gem two"]))
    first = cli("run", "-m", "o:gpt-x", "-m", "a:claude-x", "-m", "g:gem-x", "-p",
                "Write a page", "--system", "Be brief", "--json", home=home)
    assert first.code == 0, first.err
    run_id = first.json()["run_id"]

    second = cli("run", "--continue", str(run_id), "-p", "Make it 10 balls", "--json",
                 home=home)
    assert second.code == 0, second.err
    assert [x["text"] for x in second.json()["results"]] == [
        "gpt two", "claude two", "gem two"]

    openai_body = sim.requests_for("gpt-x")[1].json
    assert openai_body["messages"] == [
        {"role": "system", "content": "Be brief"},
        {"role": "user", "content": "Write a page"},
        {"role": "assistant", "content": "<html>gpt one</html>"},
        {"role": "user", "content": "Make it 10 balls"},
    ]
    anthropic_body = sim.requests_for("claude-x")[1].json
    assert anthropic_body["system"] == "Be brief"
    assert [(m["role"], _text(m["content"])) for m in anthropic_body["messages"]] == [
        ("user", "Write a page"), ("assistant", "claude one"), ("user", "Make it 10 balls")]
    gemini_body = sim.requests_for("gem-x")[1].json
    assert [(c["role"], c["parts"][0]["text"]) for c in gemini_body["contents"]] == [
        ("user", "Write a page"), ("model", "gem one"), ("user", "Make it 10 balls")]

    # Only one model continues; the thread in history grows by one turn.
    third = cli("run", "--continue", str(run_id), "-m", "a:claude-x", "-p", "Add a score",
                "--json", home=home)
    assert [x["model"] for x in third.json()["results"]] == ["a:claude-x"]
    shown = cli("history", "show", str(run_id), "--json", home=home)
    assert "Add a score" in shown.out and "Make it 10 balls" in shown.out


def test_continue_an_unknown_run_is_a_usage_error(home: Path) -> None:
    r = cli("run", "--continue", "999", "-p", "more", home=home)
    assert r.code == 2
    assert "999" in r.err


def _text(content: object) -> str:
    if isinstance(content, str):
        return content
    assert isinstance(content, list)
    return "".join(part["text"] for part in content)
