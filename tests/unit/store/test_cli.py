"""The collections, prompts, history and search commands, against a real database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from studio.cli import collections_cmd, history_cmd, prompts_cmd
from studio.core.paths import studio_paths
from studio.store import ResponseData, Store

from .cli_driver import Cli
from .conftest import finished_run


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(capsys, collections_cmd, prompts_cmd, history_cmd)


def test_collections_and_prompts(cli: Cli, tmp_path: Path) -> None:
    assert cli("collections", "add", "Games")[0] == 0
    assert cli("collections", "add", "Physics", "--parent", "Games")[0] == 0
    prompt_file = tmp_path / "voxel.txt"
    prompt_file.write_text("Build a {{style}} voxel pagoda", encoding="utf-8")
    code, out, _ = cli("prompts", "add", "--collection", "Games", "--title", "Pagoda",
                       "-f", str(prompt_file), "--var", "style=Japanese", "--tag", "3d")
    assert code == 0 and "Pagoda" in out
    assert cli("prompts", "add", "--collection", "Games/Physics", "--title", "Hexagon",
               "-p", "A ball in a {{shape}}", "--system", "One HTML file")[0] == 0
    assert cli.json("collections", "list") == [
        {"name": "Games", "prompts": 1, "id": 1, "parent": None, "path": "Games"},
        {"name": "Physics", "prompts": 1, "id": 2, "parent": "Games", "path": "Games/Physics"}]
    listed = cli.json("prompts", "list", "--collection", "Games")
    assert [(p["title"], p["variables"], p["tags"]) for p in listed] == [
        ("Pagoda", {"style": "Japanese"}, ["3d"]), ("Hexagon", {"shape": ""}, [])]
    assert listed[1]["system"] == "One HTML file" and listed[1]["collection"] == "Games/Physics"
    code, out, _ = cli("collections", "list")
    assert out.splitlines() == ["Games (1 prompt)", "  Physics (1 prompt)"]


def test_usage_and_lookup_errors_have_clear_messages(cli: Cli) -> None:
    cli("collections", "add", "Games")
    code, _, err = cli("prompts", "add", "--collection", "Nope", "--title", "T", "-p", "x")
    assert code == 1 and "no collection named 'Nope'" in err
    code, _, err = cli("prompts", "add", "--collection", "Games", "--title", "T", "-p", "x",
                       "--var", "novalue")
    assert code == 2 and "KEY=DEFAULT" in err
    code, _, err = cli("prompts", "add", "--collection", "Games", "--title", "T", "-p", "  ")
    assert code == 2 and "empty" in err
    code, _, err = cli("prompts", "add", "--collection", "Games", "--title", "T")
    assert code == 2  # neither -p nor -f
    code, _, err = cli("collections", "add", "Games")
    assert code == 1 and "already exists" in err
    code, _, err = cli("collections", "import", "/nonexistent/file.json")
    assert code == 2 and "no such file" in err
    code, _, err = cli("history", "show", "42")
    assert code == 1 and "no run" in err
    code, _, err = cli("history", "list", "--since", "yesterday")
    assert code == 2 and "--since" in err


def test_export_and_import_files(cli: Cli, tmp_path: Path) -> None:
    cli("collections", "add", "Games")
    cli("prompts", "add", "--collection", "Games", "--title", "Hexagon", "-p", "A ball")
    out_file = tmp_path / "games.json"
    code, _, err = cli("collections", "export", "Games", "-o", str(out_file), "--with-runs")
    assert code == 0 and "1 prompt" in err
    document = json.loads(out_file.read_text(encoding="utf-8"))
    assert document["format"] == "prompt-studio.collection" and document["runs"] == []
    code, out, _ = cli("collections", "import", str(out_file))
    assert code == 0 and "0 prompts added" in out and "1 unchanged" in out

    broken = tmp_path / "broken.json"
    document["collections"][0]["prompts"][0]["variables"] = ["x"]
    broken.write_text(json.dumps(document), encoding="utf-8")
    code, _, err = cli("collections", "import", str(broken))
    assert code == 1
    assert "collections[0].prompts[0].variables: expected an object, got an array" in err
    assert "nothing was imported" in err

    config = tmp_path / "promptfooconfig.yaml"
    config.write_text("prompts:\n  - 'Write {{topic}}'\ntests:\n  - vars: {topic: cats}\n")
    code, out, _ = cli("collections", "import", str(config), "--collection", "From promptfoo")
    assert code == 0 and "1 prompt added" in out
    prompts = cli.json("prompts", "list", "--collection", "From promptfoo")
    assert prompts[0]["variables"] == {"topic": "cats"}


def test_history_list_show_and_search(cli: Cli) -> None:
    with Store.open(studio_paths()) as store:
        games = store.add_collection("Games")
        run_id = finished_run(store, text="requestAnimationFrame loop", collection_id=games.id)
        turn = store.add_turn(run_id, "make it 10 balls", slots=[1])
        store.save_response(turn, 1, ResponseData(
            model="anthropic:claude-sonnet-4", state="failed", error_kind="rate_limit",
            error_status=429, error_message="slow down", text="partial"))
        other = finished_run(store, title="Landing", models=("kimi:kimi-k2",))
    runs = cli.json("history", "list")
    assert [r["id"] for r in runs] == [other, run_id]
    first = runs[1]
    assert first["title"] == "Hexagon" and first["prompt"] == "Hexagon prompt"
    assert first["models"] == ["openai:gpt-4o", "anthropic:claude-sonnet-4"]
    assert first["time"].endswith("Z") and first["collection"] == "Games"
    assert [r["id"] for r in cli.json("history", "list", "--model", "kimi:kimi-k2")] == [other]
    assert [r["id"] for r in cli.json("history", "list", "--collection", "Games")] == [run_id]
    assert len(cli.json("history", "list", "--limit", "1")) == 1

    shown = cli.json("history", "show", str(run_id))
    assert shown["id"] == run_id and len(shown["turns"]) == 2
    failed = shown["turns"][1]["responses"][0]
    assert failed["error"] == {"kind": "rate_limit", "status": 429, "message": "slow down"}
    assert failed["text"] == "partial"
    code, out, _ = cli("history", "show", shown["uuid"])
    assert code == 0 and "make it 10 balls" in out and "rate_limit" in out

    hits = cli.json("search", "requestanim")
    assert [h["kind"] for h in hits] == ["response", "response"]
    assert "requestAnimationFrame" in hits[0]["snippet"] and hits[0]["run_id"] == run_id
    code, out, _ = cli("search", '"; DROP TABLE runs; --')
    assert code == 0 and "no matches" in out
    assert cli.json("search", "hexagon", "--kind", "prompt") == []
