"""`prompt-studio report --leaderboard`, run as a real subprocess with no display: LMArena
battles imported with `votes import`, every format, the leaderboard command's filters,
keys and home paths masked, no votes, and bad arguments."""

from __future__ import annotations

import re
import struct
import zipfile
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.e2e.cli import Result, cli
from tests.support.board_votes import ORDER, START, battle_lines, write_battles

NO_DISPLAY = {"DISPLAY": "", "WAYLAND_DISPLAY": "", "QT_QPA_PLATFORM": ""}


def _report(home: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return cli("report", "--leaderboard", *args, home=home, env={**NO_DISPLAY, **(env or {})},
               timeout=120)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    imported = cli("votes", "import", str(write_battles(tmp_path / "arena.jsonl")), home=home)
    assert imported.code == 0, imported.err
    return home


class _Rows(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr" and dict(attrs).get("data-model"):
            self.rows.append(dict(attrs))


def _rows(html: str) -> list[dict[str, str | None]]:
    parsed = _Rows()
    parsed.feed(html)
    return parsed.rows


def test_every_format_from_the_command_line_without_a_display(
        home: Path, tmp_path: Path) -> None:
    board = cli("leaderboard", "--json", home=home).json()
    out = tmp_path / "out"
    out.mkdir()
    for name in ("board.html", "board.md", "board.zip", "board.png"):
        result = _report(home, "-o", str(out / name))
        assert result.code == 0, result.err
        assert result.out == ""
        assert re.fullmatch(rf"wrote {re.escape(str(out / name))} \(\d+ KB; 5 models, "
                            r"88 battles\)\n", result.err), result.err
    # The HTML's table is the leaderboard command's, number for number.
    rows = _rows((out / "board.html").read_text())
    assert [r["data-model"] for r in rows] == ORDER  # by group, then by rating
    fitted = {m["model"]: m for m in board["models"]}
    assert len(fitted) == len(rows)
    for row in rows:
        model = fitted[str(row["data-model"])]
        assert round(float(str(row["data-rating"])), 3) == model["rating"]
        assert round(float(str(row["data-ci-low"])), 3) == model["ci_low"]
        assert round(float(str(row["data-ci-high"])), 3) == model["ci_high"]
    text = (out / "board.md").read_text()
    assert "| Rank | Model | Rating | 95 % CI | Battles | Wins | Losses | Ties |" in text
    assert "| **beta** | 25 % (10–30) | — | 75 % (24–8) |" in text
    assert "](board-images/leaderboard.png)" in text
    assert (out / "board-images" / "leaderboard.png").is_file()
    with zipfile.ZipFile(out / "board.zip") as archive:
        assert archive.namelist() == ["board.md", "images/leaderboard.png"]
    data = (out / "board.png").read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", data[16:24])
    assert width > 1000 and 300 < height < 800
    assert sorted(p.name for p in out.iterdir()) == [
        "board-images", "board.html", "board.md", "board.png", "board.zip"]


def test_the_leaderboard_filters_and_fit_options_apply(home: Path, tmp_path: Path) -> None:
    # Battles are an hour apart from START: --since keeps the ones from the 50th on.
    since = datetime.fromtimestamp(START + 50 * 3600).isoformat(timespec="minutes")
    expected = cli("leaderboard", "--json", "--since", since, home=home).json()
    kept = sum(1 for line in battle_lines() if float(str(line["tstamp"])) >= START + 50 * 3600)
    assert expected["battles"] == kept
    out = tmp_path / "since.html"
    result = _report(home, "-o", str(out), "--since", since, "--ci", "bootstrap", "--rounds",
                     "25", "--seed", "4", "--style-control", "--theme", "dark")
    assert result.code == 0, result.err
    assert f"models, {kept} battles)" in result.err
    html = out.read_text()
    ratings = {str(r["data-model"]): round(float(str(r["data-rating"])), 3)
               for r in _rows(html)}
    assert ratings == {m["model"]: m["rating"] for m in expected["models"]}
    assert "95 % intervals from 25 bootstrap rounds over the votes (seed 4)" in html
    assert "<dt>Dates</dt><dd>from " in html and "on (no lengths to use)" in html
    assert 'id="theme-dark" value="dark" aria-label="Theme: dark" checked' in html


def test_no_votes_is_nothing_to_report(tmp_path: Path) -> None:
    out = tmp_path / "board.html"
    result = _report(tmp_path / "empty", "-o", str(out))
    assert result.code == 1 and result.out == ""
    assert result.err == ("prompt-studio: error: nothing to report: no votes yet: judge "
                          "answers blind in the Arena, or import battles with `prompt-studio "
                          "votes import FILE`\n")
    assert not out.exists()


def test_a_filter_that_leaves_nothing_says_which(home: Path, tmp_path: Path) -> None:
    out = tmp_path / "board.md"
    judge = _report(home, "-o", str(out), "--voter", "judge")
    assert judge.code == 1
    assert judge.err == ("prompt-studio: error: nothing to report: no votes by a judge model "
                         "here; 88 of yours: use --voter you or --voter all\n")
    later = _report(home, "-o", str(out), "--since", "2099-01-01")
    assert later.code == 1 and "nothing to report: no matching votes" in later.err
    unknown = _report(home, "-o", str(out), "--collection", "Nowhere")
    assert unknown.code == 1 and "Nowhere" in unknown.err
    assert not out.exists()


def test_keys_and_home_paths_never_reach_the_files(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env_key = "zz-openai-env-key-7c8d9e0f1a"  # no known key shape: masked because it is ours
    own_home = str(Path.home())
    battles = tmp_path / "leaky.jsonl"
    battles.write_text("".join(
        f'{{"model_a": "{own_home}/models/{env_key}", "model_b": "p:y", "winner": "{w}"}}\n'
        for w in ("model_a", "model_b", "model_a")), encoding="utf-8")
    assert cli("votes", "import", str(battles), home=home).code == 0
    out = tmp_path / "out"
    out.mkdir()
    for name in ("b.html", "b.md"):
        result = _report(home, "-o", str(out / name), env={"OPENAI_API_KEY": env_key})
        assert result.code == 0, result.err
        text = (out / name).read_text()
        assert env_key not in text and own_home + "/" not in text
        assert "~/models/" in text


@pytest.mark.parametrize(("args", "message"), [
    (["1"], "give either a RUN_ID or --leaderboard, not both"),
    (["--blind"], "--blind: only for a comparison or a batch, not --leaderboard"),
    (["--layout", "stacked", "--network", "on"],
     "--layout, --network: only for a comparison or a batch, not --leaderboard"),
    (["--rounds", "0"], "--rounds must be at least 1"),
    (["--since", "yesterday"], "--since 'yesterday': expected a date like 2025-06-30"),
])
def test_bad_arguments_are_usage_errors(home: Path, tmp_path: Path, args: list[str],
                                        message: str) -> None:
    result = _report(home, "-o", str(tmp_path / "b.html"), *args)
    assert result.code == 2 and message in result.err, result.err
    assert not (tmp_path / "b.html").exists()


def test_a_run_report_refuses_the_leaderboard_options(home: Path, tmp_path: Path) -> None:
    result = cli("report", "1", "-o", str(tmp_path / "r.html"), "--collection", "Games",
                 "--ci", "bootstrap", home=home, env=NO_DISPLAY)
    assert result.code == 2
    assert result.err == ("prompt-studio: error: --collection, --ci: only with "
                          "--leaderboard\n")
    neither = cli("report", "-o", str(tmp_path / "r.html"), home=home, env=NO_DISPLAY)
    assert neither.code == 2 and ("give a RUN_ID (see `history list`), --batch BATCH_ID or "
                                  "--leaderboard") in neither.err
