"""`votes import|export` and `leaderboard`, in process against a real database."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from studio.cli import collections_cmd, leaderboard_cmd, votes_cmd
from studio.core.arena import Entry, pair_vote
from studio.core.arena_fit import SCALE
from studio.core.paths import studio_paths
from studio.store import Store

from .cli_driver import Cli


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(capsys, collections_cmd, votes_cmd, leaderboard_cmd)


def _battles(path: Path, rows: list[tuple[str, str, str]], start: int = 0) -> Path:
    path.write_text("".join(json.dumps({"id": f"b{start + i}", "model_a": a, "model_b": b,
                                        "winner": w, "tstamp": 1_719_900_000 + i}) + "\n"
                            for i, (a, b, w) in enumerate(rows)), encoding="utf-8")
    return path


def test_import_then_leaderboard_json(cli: Cli, tmp_path: Path) -> None:
    rows = [("x", "y", "model_a")] * 7 + [("y", "x", "model_a")] * 3 + [("x", "y", "tie")] * 2
    path = _battles(tmp_path / "b.jsonl", rows)
    code, out, _ = cli("votes", "import", str(path))
    assert code == 0 and out.strip() == "imported b.jsonl: 12 battles added, 0 already present"
    code, out, _ = cli("votes", "import", str(path))
    assert out.strip() == "imported b.jsonl: 0 battles added, 12 already present"
    board = cli.json("leaderboard")
    assert board["battles"] == 12
    x, y = board["models"]
    assert [x["model"], y["model"]] == ["x", "y"]  # highest rating first
    assert (x["battles"], x["wins"], x["losses"], x["ties"]) == (12, 7, 3, 2)
    assert (y["wins"], y["losses"], y["ties"]) == (3, 7, 2)
    assert (x["rating"] + y["rating"]) / 2 == pytest.approx(1000.0, abs=1e-3)
    # The default prior barely moves a board like this from the plain MLE: ln(8 / 4).
    assert x["rating"] - y["rating"] == pytest.approx(SCALE * math.log(8 / 4), rel=0.02)
    for row in board["models"]:
        assert row["ci_low"] < row["rating"] < row["ci_high"]
        assert set(row) >= {"model", "rating", "ci_low", "ci_high", "battles", "wins",
                            "losses", "ties"}
    assert board["position_bias"]["first_wins"] == 10


def test_a_broken_file_imports_nothing_and_names_the_line(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "b.jsonl"
    path.write_text('{"model_a": "x", "model_b": "y", "winner": "model_a"}\n'
                    '{"model_a": "x", "model_b": "y", "winner": "draw"}\n', encoding="utf-8")
    code, _, err = cli("votes", "import", str(path))
    assert code == 1
    assert err.startswith(f"prompt-studio: error: nothing was imported from {path}: line 2: "
                          "winner: 'draw' is not one of")
    assert cli.json("leaderboard")["battles"] == 0
    code, _, err = cli("votes", "import", str(tmp_path / "missing.jsonl"))
    assert code == 2 and "no such file" in err


def test_leaderboard_table_groups_and_marks(cli: Cli, tmp_path: Path) -> None:
    code, out, _ = cli("leaderboard")
    assert code == 0 and out.startswith("no votes yet")
    rows = ([("a", "b", "model_a")] * 5 + [("b", "a", "model_a")] * 3
            + [("c", "d", "model_a")] * 2)
    cli("votes", "import", str(_battles(tmp_path / "b.jsonl", rows)))
    code, out, _ = cli("leaderboard")
    lines = out.splitlines()
    assert lines[0] == "10 battles from 10 votes"
    assert "group 1 of 2 (not comparable with the others)" in lines
    a_line = next(line for line in lines if line.split()[1:2] == ["a"])
    assert a_line.split()[-1] == "5-3-0" and a_line.split()[-2] == "8"
    c_line = next(line for line in lines if line.split()[1:2] == ["c"])
    assert c_line.endswith("2-0-0 *")
    assert any(line.startswith("position bias: the answer shown first won 100 %")
               for line in lines)
    assert any("never met" in line for line in lines)


def test_filters_voters_and_agreement(cli: Cli, tmp_path: Path) -> None:
    with Store.open(studio_paths().ensure()) as store:
        games = store.add_collection("Games")
        prompt = store.add_prompt(games.id, "Hexagon", "A ball", tags=["physics"])
        other = store.add_prompt(store.add_collection("Other").id, "Other", "x")
        for mine, theirs in [("a", "a"), ("b", "a"), ("a", "a")]:
            meta = {"prompt_id": prompt.id}
            store.add_vote(pair_vote(Entry(0, "p:x", slot=0), Entry(1, "p:y", slot=1), mine,
                                     **meta))  # type: ignore[arg-type]
            store.add_vote(pair_vote(Entry(0, "p:x", slot=0), Entry(1, "p:y", slot=1), theirs,
                                     voter_kind="judge", voter="p:judge",
                                     **meta))  # type: ignore[arg-type]
        store.add_vote(pair_vote(Entry(0, "p:x"), Entry(1, "p:z"), "b", prompt_id=other.id,
                                 judged="pages"))
    assert cli.json("leaderboard")["battles"] == 4
    assert cli.json("leaderboard", "--collection", "Games")["battles"] == 3
    assert cli.json("leaderboard", "--tag", "physics")["battles"] == 3
    assert cli.json("leaderboard", "--judged", "pages")["battles"] == 1
    assert cli.json("leaderboard", "--voter", "judge")["battles"] == 3
    assert cli.json("leaderboard", "--judge-model", "p:judge")["battles"] == 3
    assert cli.json("leaderboard", "--judge-model", "p:other")["battles"] == 0
    assert cli.json("leaderboard", "--voter", "all")["battles"] == 7
    assert cli.json("leaderboard", "--since", "2000-01-01", "--until", "2000-01-02"
                    )["battles"] == 0
    code, _, err = cli("leaderboard", "--since", "last week")
    assert code == 2 and "expected a date" in err
    code, _, err = cli("leaderboard", "--collection", "Nope")
    assert code == 1 and "no collection named 'Nope'" in err
    assert cli.json("leaderboard", "--voter", "all", "--by-model")["battles"] == 7


def test_agreement_is_printed_for_votes_on_the_same_turns(cli: Cli, tmp_path: Path) -> None:
    from studio.core.model_sets import entries_from_refs

    with Store.open(studio_paths().ensure()) as store:
        for mine, theirs in [("a", "a"), ("b", "a"), ("a", "a"), ("tie", "tie")]:
            run = store.start_run(body="p", models=entries_from_refs(["p:x", "p:y"]),
                                  first_turn="p")
            turn = store.run(run).turns[0].id
            for winner, extra in ((mine, {}), (theirs, {"voter_kind": "judge",
                                                        "voter": "p:judge"})):
                store.add_vote(pair_vote(Entry(0, "p:x", slot=0), Entry(1, "p:y", slot=1),
                                         winner, run_id=run, turn_id=turn,
                                         **extra))  # type: ignore[arg-type]
    board = cli.json("leaderboard")
    # κ by hand: p_o = 3/4; yours (low, high, low, draw), the judge's (low, low, low, draw):
    # p_e = (2/4)(3/4) + (1/4)(0) + (1/4)(1/4) = 7/16; κ = (3/4 − 7/16) / (1 − 7/16) = 5/9.
    assert board["agreement"] == [{"judge": "p:judge", "pairs": 4, "agreed": 3, "rate": 0.75,
                                   "decisive": 3, "decisive_agreed": 2,
                                   "kappa": pytest.approx(5 / 9)}]
    code, out, _ = cli("leaderboard")
    assert code == 0
    assert "judge p:judge agreed with you on 3 of 4 pairs (75 %, κ 0.56)" in out
    _, out, _ = cli("leaderboard", "--voter", "judge")
    assert "agreed with you on 3 of 4" in out
    # With only judge votes, the default (your votes) says where they are.
    with Store.open(studio_paths().ensure()) as store:
        for vote in store.votes():
            if vote.voter_kind == "user":
                store.delete_vote(vote.id)  # type: ignore[arg-type]
    _, out, _ = cli("leaderboard")
    assert out.startswith("no votes of yours here; 4 by a judge model")


def test_export_writes_lmarena_lines_or_an_array(cli: Cli, tmp_path: Path) -> None:
    rows = [("x", "y", "model_a"), ("y", "z", "tie (bothbad)")]
    cli("votes", "import", str(_battles(tmp_path / "in.jsonl", rows)))
    code, _, err = cli("votes", "export", "-o", str(tmp_path / "out.jsonl"))
    assert code == 0 and err.strip().startswith("exported 2 battles to")
    lines = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [(x["id"], x["model_a"], x["model_b"], x["winner"]) for x in lines] == [
        ("b0", "x", "y", "model_a"), ("b1", "y", "z", "tie (bothbad)")]
    assert lines[0]["tstamp"] == 1_719_900_000
    cli("votes", "export", "-o", str(tmp_path / "out.json"), "--voter", "you")
    assert json.loads((tmp_path / "out.json").read_text()) == lines
    code, out, _ = cli("votes", "export", "-o", "-", "--voter", "judge")
    assert code == 0 and out == ""
    code, _, err = cli("votes", "export", "-o", str(tmp_path))
    assert code == 2 and "is a directory" in err


def test_bootstrap_and_style_options(cli: Cli, tmp_path: Path) -> None:
    rows = [("x", "y", "model_a")] * 6 + [("y", "x", "model_a")] * 4 + [("y", "z", "tie")] * 3
    cli("votes", "import", str(_battles(tmp_path / "b.jsonl", rows)))
    boot = cli.json("leaderboard", "--ci", "bootstrap", "--rounds", "50", "--seed", "4")
    assert boot["interval"] == "bootstrap"
    assert boot == cli.json("leaderboard", "--ci", "bootstrap", "--rounds", "50", "--seed", "4")
    styled = cli.json("leaderboard", "--style-control")
    assert styled["style"] == []  # imported battles carry no lengths
    code, _, err = cli("leaderboard", "--rounds", "0")
    assert code == 2 and "--rounds" in err
