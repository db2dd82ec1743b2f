"""The arena's commands as real processes: import LMArena battles, the leaderboard's JSON
contract, export, and votes travelling with a collection file to another home."""

from __future__ import annotations

import json
import random
from pathlib import Path

from studio.core.arena import Entry, pair_vote
from studio.core.paths import studio_paths
from studio.store import Store
from tests.e2e.cli import cli


def _battles(path: Path) -> Path:
    rng = random.Random(5)
    strength = {"strong": 1.0, "middle": 0.0, "weak": -1.0}
    lines = []
    for i in range(300):
        a, b = rng.sample(sorted(strength), 2)
        p = 1 / (1 + 10 ** ((strength[b] - strength[a]) * 0.4343))
        winner = "tie" if rng.random() < 0.1 else "model_a" if rng.random() < p else "model_b"
        lines.append({"id": f"arena-{i}", "model_a": a, "model_b": b, "winner": winner,
                      "tstamp": 1_719_900_000 + i, "language": "English", "turn": 1})
    path.write_text(json.dumps(lines), encoding="utf-8")
    return path


def test_import_leaderboard_export_and_import_elsewhere(tmp_path: Path) -> None:
    home, elsewhere = tmp_path / "home", tmp_path / "elsewhere"
    battles = _battles(tmp_path / "arena.json")
    first = cli("votes", "import", str(battles), home=home)
    assert first.code == 0 and first.err == ""
    assert first.out == "imported arena.json: 300 battles added, 0 already present\n"
    again = cli("votes", "import", str(battles), home=home)
    assert again.out == "imported arena.json: 0 battles added, 300 already present\n"

    board = cli("leaderboard", "--json", home=home)
    assert board.code == 0 and board.err == ""
    data = board.json()
    assert data["battles"] == 300
    assert [m["model"] for m in data["models"]] == ["strong", "middle", "weak"]
    assert sum(m["rating"] for m in data["models"]) / 3 == 1000.0
    for m in data["models"]:
        assert m["ci_low"] < m["rating"] < m["ci_high"]
        assert m["wins"] + m["losses"] + m["ties"] == m["battles"]
    assert sum(m["battles"] for m in data["models"]) == 600

    exported = tmp_path / "out.jsonl"
    assert cli("votes", "export", "-o", str(exported), home=home).code == 0
    assert len(exported.read_text().splitlines()) == 300
    assert cli("votes", "import", str(exported), home=elsewhere).code == 0
    copied = cli("leaderboard", "--json", home=elsewhere).json()
    assert copied["models"] == data["models"]

    table = cli("leaderboard", home=home)
    assert table.out.splitlines()[0] == "300 battles from 300 votes"
    assert table.out.splitlines()[1].split()[:2] == ["rank", "model"]


def test_a_broken_battle_file_changes_nothing(tmp_path: Path) -> None:
    home = tmp_path / "home"
    path = tmp_path / "broken.jsonl"
    path.write_text('{"model_a": "x", "model_b": "y", "winner": "model_a"}\n'
                    '{"model_a": "x", "model_b": "y", "winner": "model_a"\n', encoding="utf-8")
    result = cli("votes", "import", str(path), home=home)
    assert result.code == 1 and result.out == ""
    assert result.err.startswith(f"prompt-studio: error: nothing was imported from {path}: "
                                 "line 2: not valid JSON")
    assert cli("leaderboard", "--json", home=home).json()["battles"] == 0


def test_votes_travel_with_a_collection_between_homes(tmp_path: Path) -> None:
    home, other = tmp_path / "home", tmp_path / "other"
    assert cli("collections", "add", "Games", home=home).code == 0
    assert cli("prompts", "add", "--collection", "Games", "--title", "Hexagon", "-p",
               "A ball in a hexagon", home=home).code == 0
    with Store.open(studio_paths({"PROMPT_STUDIO_HOME": str(home)})) as store:
        prompt = store.prompts(store.find_collection("Games").id)[0]
        for winner in ("a", "a", "b"):
            store.add_vote(pair_vote(Entry(0, "p:x"), Entry(1, "p:y"), winner,
                                     prompt_id=prompt.id))
    path = tmp_path / "games.json"
    assert cli("collections", "export", "Games", "-o", str(path), home=home).code == 0
    assert len(json.loads(path.read_text())["votes"]) == 3
    imported = cli("collections", "import", str(path), home=other)
    assert imported.code == 0 and "3 votes added" in imported.out
    board = cli("leaderboard", "--json", "--collection", "Games", home=other).json()
    assert board["battles"] == 3 and board["models"][0]["model"] == "p:x"
