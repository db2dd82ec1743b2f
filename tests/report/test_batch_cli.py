"""`prompt-studio report --batch`, run as a real subprocess: a batch made by `run
--collection` against the loopback simulator, every format with and without a display,
blind, keys from the environment masked, an unknown batch, a batch with no answer yet, and
usage errors."""

from __future__ import annotations

import re
import struct
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from studio.store import Store
from tests.e2e.cli import Result, add_sim_providers, cli
from tests.e2e.test_cli_batch import import_collection
from tests.report.conftest import needs_display
from tests.support.report_batches import SLOTS, batch_of_pages, rich_batch
from tests.support.report_runs import HOME, KEY
from tests.support.scenarios import Status, Synthetic
from tests.support.simulator import Simulator

NO_DISPLAY = {"DISPLAY": "", "WAYLAND_DISPLAY": "", "QT_QPA_PLATFORM": ""}
pytestmark = pytest.mark.timeout(240)


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    with Simulator() as s:
        yield s


def _report(home: Path, *args: str, display: bool = False,
            env: dict[str, str] | None = None) -> Result:
    return cli("report", *args, home=home, env={**({} if display else NO_DISPLAY),
                                                 **(env or {})}, timeout=180)


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_a_batch_run_from_the_command_line_is_reported_in_every_format(
        studio_home: Path, sim: Simulator, tmp_path: Path) -> None:
    sim.reset()
    add_sim_providers(studio_home, sim, {"o": "openai", "a": "anthropic"})
    import_collection(studio_home, tmp_path, [
        {"title": "Game", "body": "Write {{game}} as a page", "variables": {"game": "snake"},
         "variable_rows": [{"game": "snake"}, {"game": "pong"}],
         "checks": [{"kind": "icontains", "value": "{{game}}"},
                    {"kind": "has-page", "name": "page"}]}])
    sim.script("coder", Synthetic(["<html><body>", "A SNAKE game", "</body></html>"]))
    sim.script("broken", Status(401))
    run = cli("run", "--collection", "Games", "-m", "o:coder", "-m", "a:broken", "--json",
              home=studio_home)
    assert run.code == 1, run.err  # a cell failed
    batch_id = str(run.json()["batch_id"])
    out = tmp_path / "out"
    out.mkdir()
    for name in ("games.html", "games.md", "games.zip", "games.png"):
        result = _report(studio_home, "--batch", batch_id, "-o", str(out / name))
        assert result.code == 0, result.err
        # Two pages (the coder's), no screenshot kept and no display to take one.
        assert f"wrote {out / name} (" in result.err
        assert "2 pages, 2 without a screenshot)" in result.err
        assert "warning: 2 page screenshots were not in the history" in result.err
    html = (out / "games.html").read_text()
    assert html.count('class="cell state-done"') == 2
    assert html.count('class="cell state-failed"') == 2
    assert '<span class="kind">auth (HTTP 401)</span>' in html
    assert html.count("title=\"icontains &#39;snake&#39; — passed: found (ignoring case)\"") == 1
    assert html.count("title=\"icontains &#39;pong&#39; — failed:") == 1
    assert html.count('title="page — not run: the answer failed"') == 2
    assert html.count("No screenshot: there was no display when the report was written") == 2
    md = (out / "games.md").read_text()
    assert md.startswith("# Games\n")
    assert "| # | Prompt | o:coder | a:broken |" in md
    assert "| 1 | **Game**<br>game=snake<br>Write snake as a page | _no screenshot_<br>done" \
        in md
    assert "- **a:broken** failed — auth (HTTP 401)" in md
    assert not (out / "games-screenshots").exists()  # no thumbnail to put there
    with zipfile.ZipFile(out / "games.zip") as archive:
        assert archive.namelist() == ["games.md"]
    width, height = _png_size(out / "games.png")
    assert width == 2 * 28 + 240 + 2 * (240 + 14) and height > 400


def test_pictures_beside_the_markdown_and_in_the_zip(studio_home: Path, store: Store,
                                                      tmp_path: Path) -> None:
    batch_id = str(rich_batch(store).batch_id)
    md, archive, sheet = tmp_path / "b.md", tmp_path / "b.zip", tmp_path / "b.png"
    for out in (md, archive, sheet):
        result = _report(studio_home, "--batch", batch_id, "-o", str(out))
        assert result.code == 0, result.err
        assert "4 pages, 1 screenshot from the history, 3 without a screenshot" in result.err
    assert "![openai:gpt-5 (T 0.2), row 1](b-screenshots/cell-1-1.png)" in md.read_text()
    assert _png_size(tmp_path / "b-screenshots" / "cell-1-1.png") == (320, 200)
    with zipfile.ZipFile(archive) as opened:
        assert opened.namelist() == ["b.md", "screenshots/cell-1-1.png"]
    assert _png_size(sheet)[0] == 2 * 28 + 240 + 3 * (240 + 14)


@needs_display
def test_missing_screenshots_are_taken_under_a_display(
        studio_home: Path, store: Store, tmp_path: Path) -> None:
    batch_id = str(rich_batch(store).batch_id)
    out = tmp_path / "b.html"
    result = _report(studio_home, "--batch", batch_id, "-o", str(out), display=True)
    assert result.code == 0, result.err
    assert result.err.strip().endswith(
        " KB; 4 pages, 1 screenshot from the history, 3 taken now)")
    html = out.read_text()
    assert len(re.findall(r'<img src="data:image/jpeg;base64,', html)) == 4


def test_a_blind_report_and_keys_from_the_environment(
        studio_home: Path, store: Store, tmp_path: Path) -> None:
    env_key = "zz-openai-env-key-0a1b2c3d4e"  # no known key shape: masked because it is ours
    batch_id = str(batch_of_pages(store, {"one": f"<p>{env_key}</p>", "two": "<p>two</p>"}))
    out = tmp_path / "blind.html"
    result = _report(studio_home, "--batch", batch_id, "-o", str(out), "--blind",
                     env={"OPENAI_API_KEY": env_key})
    assert result.code == 0, result.err
    html = out.read_text()
    assert env_key not in html and "lab:one" not in html and "lab:two" not in html
    assert "Reveal the models" in html and "<b>A</b>" in html and "<b>B</b>" in html


def test_keys_and_home_paths_stay_out_of_every_format(
        studio_home: Path, store: Store, tmp_path: Path) -> None:
    batch_id = str(rich_batch(store).batch_id)
    for name in ("k.html", "k.md"):
        result = _report(studio_home, "--batch", batch_id, "-o", str(tmp_path / name),
                         env={"HOME": HOME})
        assert result.code == 0, result.err
        text = (tmp_path / name).read_text()
        assert KEY not in text and f"{HOME}/" not in text
        assert all(slot in text for slot in SLOTS)


def test_an_unknown_batch_or_one_without_answers_exits_1(
        studio_home: Path, store: Store, tmp_path: Path) -> None:
    out = tmp_path / "b.html"
    result = _report(studio_home, "--batch", "99", "-o", str(out))
    assert (result.code, result.err) == (1, "prompt-studio: error: no batch with id 99\n")
    from studio.core.batch import Batch, plan_rows
    from studio.core.model_sets import entries_from_refs

    shelf = store.add_collection("Waiting")
    store.add_prompt(shelf.id, "One", "Hello")
    rows = plan_rows(store.batch_store().prompt_sources(shelf.id))
    batch = store.batch_store().create(Batch(tuple(rows), entries_from_refs(["a:b"])))
    result = _report(studio_home, "--batch", str(batch.id), "-o", str(out))
    assert result.code == 1
    assert result.err == (f"prompt-studio: error: nothing to report: batch {batch.id} has no "
                          "answer yet (it is running)\n")
    assert not out.exists()


@pytest.mark.parametrize(("args", "message"), [
    (["--batch", "x"], "argument --batch: 'x' is not a batch number (see `history batches`)"),
    (["--batch", "0"], "argument --batch: 0 is not a batch number (they start at 1)"),
    (["--batch", "1", "5"], "give either a RUN_ID or --batch, not both"),
    (["--batch", "1", "--leaderboard"], "give either --batch or --leaderboard, not both"),
    (["--batch", "1", "--layout", "stacked"],
     "--layout: only for a comparison (a batch is a matrix)"),
    (["--batch", "1", "--collection", "Games"], "--collection: only with --leaderboard"),
])
def test_bad_arguments_are_usage_errors(studio_home: Path, tmp_path: Path, args: list[str],
                                        message: str) -> None:
    result = _report(studio_home, *args, "-o", str(tmp_path / "b.html"))
    assert result.code == 2 and message in result.err, result.err
    assert not (tmp_path / "b.html").exists()
