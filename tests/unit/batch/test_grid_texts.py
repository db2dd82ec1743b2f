"""What the batch window says, computed without a display: a cell's face and tooltip, a
column's footer, the progress line, the remembered settings, planning from the library's
selection, and judge models named by the user."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from studio.core.batch import (
    Batch,
    BatchError,
    BatchRow,
    BatchState,
    Cell,
    CellResult,
    CellState,
    PromptSource,
    column_summary,
    spending,
)
from studio.core.batch_runner import Progress
from studio.core.catalog import CatalogError, ModelRef, ProviderConfig, ProviderRegistry
from studio.core.checks import Check, CheckResult, JudgeSpend
from studio.core.events import ErrorKind, Failed
from studio.core.judge import registry_resolver
from studio.core.metrics_text import fmt_cost
from studio.core.model_sets import ModelSetEntry
from studio.core.runner import ModelState, ModelTarget
from studio.ui.grid.faces import (
    SNIPPET_CHARS,
    cell_face,
    cell_tooltip,
    eta_text,
    footer_text,
    progress_text,
    slowed_text,
    snippet,
)
from studio.ui.grid.planning import checked_rows, judges_without_model, plan_batch, targets_of
from studio.ui.grid.settings import (
    DEFAULT_CONFIRM_USD,
    GridSettings,
    load_grid_settings,
    save_grid_settings,
)


def _batch(cells: list[Cell] | None = None) -> Batch:
    rows = (BatchRow("Game", "Write {{game}}", "Write snake", variables={"game": "snake"},
                     variable_row=0, checks=(Check("icontains", "snake"),)),)
    return Batch(rows, (ModelSetEntry(ModelRef("openai", "gpt-5")),), cells or [])


def _done(text: str, cost: float | None = 0.0123, ttft: float | None = 1.25) -> CellResult:
    return CellResult(model="openai:gpt-5", state=ModelState.DONE, text=text, ttft_s=ttft,
                      tokens_per_s=54.4, cost_usd=cost, total_s=3.0)


def test_the_snippet_is_the_first_non_empty_lines_shortened() -> None:
    long = "w" * (SNIPPET_CHARS + 10)
    assert snippet("\n\n  Here   is\tthe page.\n\n```html\n" + long + "\nfourth") == (
        "Here is the page.", "```html", "w" * (SNIPPET_CHARS - 1) + "…")
    assert snippet("") == ()


def test_a_finished_cell_shows_its_figures_and_its_checks() -> None:
    cell = Cell(0, 0, state=CellState.DONE, result=_done("Snake!\nIt moves."),
                checks=(CheckResult("icontains 'snake'", True, None, "found"),
                        CheckResult("judge", False, 0.4, "walls do not stop it"),
                        CheckResult("no-console-errors", None, None, "not run: no display")))
    face = cell_face(cell)
    assert (face.status, face.snippet, face.marks, face.passed, face.judged) == (
        "done", ("Snake!", "It moves."), "✓✗·", 1, 2)
    assert face.figures == "TTFT 1.2 s · 54 tok/s · $0.012"
    tip = cell_tooltip(_batch([cell]), cell, face)
    assert tip.splitlines() == [
        "Game · game=snake × openai:gpt-5", "done", "TTFT 1.2 s · 54 tok/s · $0.012", "",
        "Checks: 1 of 2 passed", "✓ icontains 'snake': found",
        "✗ judge (0.40): walls do not stop it", "· no-console-errors: not run: no display"]


def test_a_failed_cell_says_its_error_kind_and_message() -> None:
    error = Failed(ErrorKind.RATE_LIMIT, 429, "Too many requests, slow down")
    cell = Cell(0, 0, attempt=1, state=CellState.FAILED,
                result=CellResult(model="openai:gpt-5", state=ModelState.FAILED, error=error))
    face = cell_face(cell)
    assert face.status == "failed · rate_limit"
    assert face.snippet == ("Too many requests, slow down",)  # no text: the provider's words
    tip = cell_tooltip(_batch([cell]), cell, face)
    assert "rate_limit (HTTP 429): Too many requests, slow down" in tip
    assert "attempt 2 (earlier attempts are kept" in tip


def test_waiting_and_checking_cells() -> None:
    assert cell_face(Cell(0, 0)).status == "waiting" and cell_face(Cell(0, 0)).figures == ""
    checking = Cell(0, 0, state=CellState.CHECKING, result=_done("<html>"))
    assert cell_face(checking).status == "checking" and cell_face(checking).final


def test_the_footer_says_cost_ttft_failures_pass_rate_and_rating() -> None:
    cells = [Cell(0, 0, state=CellState.DONE, result=_done("a", 0.01, 1.0), rating=5,
                  checks=(CheckResult("x", True),)),
             Cell(1, 0, state=CellState.DONE, result=_done("b", None, 3.0), rating=4,
                  checks=(CheckResult("x", False),)),
             Cell(2, 0, state=CellState.FAILED,
                  result=CellResult("m", ModelState.FAILED, cost_usd=0.0)),
             Cell(3, 0)]
    assert footer_text(column_summary(cells)) == (
        "$0.010 + 1 unknown · TTFT 2.0 s", "1 failed · checks 50 % (1/2) · ★ 4.5")
    unknown = [Cell(0, 0, state=CellState.DONE, result=_done("a", None))]
    assert footer_text(column_summary(unknown))[0].startswith("cost unknown · ")
    assert footer_text(column_summary([Cell(0, 0)])) == ("– · TTFT –",
                                                        "0 failed · checks – · ★ –")


def test_the_progress_line() -> None:
    p = Progress(total=400, waiting=250, active=16, done=120, failed=4, cancelled=10,
                 elapsed_s=60.0, eta_s=150.0)
    assert progress_text(p, BatchState.RUNNING, True) == (
        "124 of 400 finished · 4 failed · 16 running · 250 waiting · 10 stopped · "
        "about 2 min 30 s left")
    assert progress_text(p, BatchState.PAUSED, True).startswith("Paused · 124 of 400")
    assert progress_text(p, BatchState.INTERRUPTED, False).startswith("Interrupted · ")
    assert eta_text(7) == "about 7 s left" and eta_text(3725) == "about 1 h 02 min left"
    assert slowed_text([("openai", 1, 3.2), ("anthropic", 2, 0.0)]) == (
        "openai: slowed down after 1 rate limit, next stream in 3 s; "
        "anthropic: slowed down after 2 rate limits")


def test_settings_are_read_forgivingly_and_kept_beside_other_sections(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text('{"workspace": {"zoom": 2}, "batches": {"concurrency": 999, '
                    '"per_provider": -3, "judge": 7, "confirm_above_usd": 2}}')
    settings = load_grid_settings(path)
    assert (settings.concurrency, settings.per_provider, settings.judge,
            settings.confirm_above_usd) == (64, 0, "", 2.0)
    assert GridSettings.from_dict({"confirm_above_usd": math.nan}).confirm_above_usd \
        == DEFAULT_CONFIRM_USD
    settings.judge = "anthropic:claude-sonnet-4"
    save_grid_settings(path, settings)
    assert load_grid_settings(path).judge == "anthropic:claude-sonnet-4"
    assert '"zoom": 2' in path.read_text()  # the workspace's section is kept


def test_planning_checks_every_prompt_as_it_will_be_sent() -> None:
    with pytest.raises(BatchError, match="no prompts"):
        checked_rows([])
    with pytest.raises(BatchError, match=r"uses \{\{level\}\}"):
        checked_rows([PromptSource("Game", "Write {{level}}")])
    with pytest.raises(BatchError, match="'Bad' contains NUL"):
        checked_rows([PromptSource("Bad", "a\x00b")])
    rows = checked_rows([PromptSource("Game", "Write {{game}}", variable_rows=(
        {"game": "snake"}, {"game": "pong"}), checks=(Check("judge", "fun"),
                                                      Check("judge", "x", model="a:b")))])
    assert [r.prompt for r in rows] == ["Write snake", "Write pong"]
    assert judges_without_model(rows) == 2
    with pytest.raises(BatchError, match="at least one model"):
        plan_batch(rows, [], title="T", concurrency=4, per_provider=None, judge=None,
                   collection_id=None)


def test_model_sets_and_judges_are_resolved_with_the_registry(tmp_path: Path) -> None:
    registry = ProviderRegistry(tmp_path / "providers.json")
    registry.add("mine", "openai", "http://127.0.0.1:9/v1", needs_key=False)
    targets, missing = targets_of(registry, [ModelSetEntry(ModelRef("mine", "m1")),
                                             ModelSetEntry(ModelRef("gone", "m2"))])
    assert [str(t.ref) for t in targets] == ["mine:m1"] and missing == ["gone:m2"]
    resolve = registry_resolver(registry)
    judge = resolve("mine:judge-1")
    assert isinstance(judge, ModelTarget) and isinstance(judge.config, ProviderConfig)
    assert str(judge.ref) == "mine:judge-1"
    with pytest.raises(CatalogError):
        resolve("nowhere:model")
    with pytest.raises(CatalogError, match="control characters"):
        resolve("mine:bad\x07model")


def test_judging_is_shown_apart_from_the_answers_cost() -> None:
    judged = (CheckResult("judge o:j", True, 0.8, "fine", JudgeSpend(0.0012, 1_830, 64)),
              CheckResult("judge o:k", False, 0.2, "no", JudgeSpend(None)))
    cells = [Cell(0, 0, state=CellState.DONE, result=_done("a", 0.01), checks=judged[:1]),
             Cell(1, 0, state=CellState.DONE, result=_done("b", 0.02), checks=judged)]
    summary = column_summary(cells)
    assert summary.total_cost_usd == pytest.approx(0.03)  # the answers' own, unchanged
    assert footer_text(summary)[0] == (
        "$0.030 + judging $0.0024 + 1 unknown · TTFT 1.2 s")
    batch = _batch(cells)
    tip = cell_tooltip(batch, cells[0], cell_face(cells[0]))
    figures = cell_face(cells[0]).figures
    assert figures.endswith(fmt_cost(0.01)) and figures in tip.splitlines()  # its own cost
    assert "judging $0.0012 (1 judge request, 1,830 tokens in, 64 out)" in tip.splitlines()
    p = Progress(total=2, waiting=0, active=0, done=2, failed=0, cancelled=0, elapsed_s=3.0,
                 eta_s=0.0, spent=spending(cells))
    assert progress_text(p, BatchState.DONE, False) == (
        "Done · 2 of 2 finished · cost $0.0300 + judging $0.0024 + 1 unknown")
    no_judge = [Cell(0, 0, state=CellState.DONE, result=_done("a", None))]
    assert spending(no_judge).text() == "cost unknown"
    assert spending([Cell(0, 0)]).text() == ""
