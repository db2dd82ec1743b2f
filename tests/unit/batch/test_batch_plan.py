"""Planning a batch: rows from prompts and their variable rows, cells, column footers."""

from __future__ import annotations

import pytest

from studio.core.batch import (
    Batch,
    BatchError,
    BatchRow,
    Cell,
    CellResult,
    CellState,
    PromptSource,
    column_summary,
    plan_rows,
)
from studio.core.catalog import ModelRef
from studio.core.checks import Check, CheckResult
from studio.core.model_sets import ModelSetEntry
from studio.core.runner import ModelState

GAME = PromptSource(
    title="Mini-game", body="Write {{game}} in one HTML file, {{style}} style",
    system="One file", variables={"game": "snake", "style": "retro"},
    variable_rows=({"game": "snake"}, {"game": "pong"}, {"game": "breakout", "style": "neon"}),
    checks=(Check("icontains", "{{game}}"), Check("contains", "<canvas", row=1),
            Check("has-page")),
    prompt_id=7)
PAGODA = PromptSource(title="Pagoda", body="A voxel pagoda", checks=(Check("has-page"),))


def test_each_variable_row_is_a_grid_row_with_its_values_and_checks() -> None:
    rows = plan_rows([GAME, PAGODA])
    assert [r.prompt for r in rows] == [
        "Write snake in one HTML file, retro style", "Write pong in one HTML file, retro style",
        "Write breakout in one HTML file, neon style", "A voxel pagoda"]
    assert [r.variable_row for r in rows] == [0, 1, 2, None]
    assert [r.label for r in rows] == [
        "Mini-game · game=snake, style=retro", "Mini-game · game=pong, style=retro",
        "Mini-game · game=breakout, style=neon", "Pagoda"]
    assert [[c.label for c in r.checks] for r in rows] == [
        ["icontains 'snake'", "has-page"],
        ["icontains 'pong'", "contains '<canvas'", "has-page"],
        ["icontains 'breakout'", "has-page"],
        ["has-page"]]
    assert rows[0].system == "One file" and rows[0].prompt_id == 7
    assert rows[0].template == GAME.body


def test_command_line_values_and_system_override_everything() -> None:
    rows = plan_rows([GAME], {"style": "pixel"}, system="Be brief")
    assert {r.prompt.split(", ")[1] for r in rows} == {"pixel style"}
    assert all(r.system == "Be brief" for r in rows)


def test_a_variable_without_a_value_names_the_prompt_and_the_row() -> None:
    source = PromptSource(title="Landing", body="A page for {{product}}",
                          variable_rows=({"product": "x"}, {"other": "y"}))
    with pytest.raises(BatchError, match=r"'Landing' \(variable row 2\) uses \{\{product\}\}"):
        plan_rows([source])


def test_cells_are_row_major_and_addressable() -> None:
    batch = Batch(tuple(plan_rows([GAME, PAGODA])),
                  (ModelSetEntry(ModelRef("o", "a")), ModelSetEntry(ModelRef("a", "b"))))
    assert len(batch.cells) == 8
    assert batch.cell(2, 1) is batch.cells[5]
    assert [c.col for c in batch.row_cells(3)] == [0, 1]
    assert [c.row for c in batch.column_cells(1)] == [0, 1, 2, 3]
    with pytest.raises(IndexError):
        batch.cell(4, 0)
    assert not batch.complete and batch.counts()[CellState.WAITING] == 8


@pytest.mark.parametrize(("concurrency", "per_provider"), [(0, None), (65, None), (4, 0)])
def test_limits_are_checked(concurrency: int, per_provider: int | None) -> None:
    with pytest.raises(BatchError):
        Batch((BatchRow("t", "p", "p"),), (ModelSetEntry(ModelRef("o", "a")),),
              concurrency=concurrency, per_provider=per_provider)


def test_a_batch_needs_prompts_and_models() -> None:
    with pytest.raises(BatchError):
        Batch((), (ModelSetEntry(ModelRef("o", "a")),))


def _done(cost: float | None, ttft: float | None, checks: tuple[bool | None, ...] = (),
          rating: int | None = None) -> Cell:
    return Cell(0, 0, state=CellState.DONE, rating=rating,
                result=CellResult("o:a", ModelState.DONE, cost_usd=cost, ttft_s=ttft),
                checks=tuple(CheckResult("c", p) for p in checks))


def test_column_footer_totals() -> None:
    failed = Cell(0, 0, state=CellState.FAILED, result=CellResult("o:a", ModelState.FAILED))
    cells = [_done(0.01, 1.0, (True, False), 5), _done(0.02, 3.0, (True, None), 3),
             _done(None, 2.0), failed, Cell(0, 0)]
    summary = column_summary(cells)
    assert summary.cells == 5 and summary.finished == 4 and summary.failures == 1
    assert summary.total_cost_usd == pytest.approx(0.03)
    assert summary.unknown_cost == 2  # the answer without a price and the failed one
    assert summary.median_ttft_s == 2.0
    assert (summary.checks_passed, summary.checks_run) == (2, 3)
    assert summary.pass_rate == pytest.approx(2 / 3)
    assert summary.mean_rating == 4.0
    empty = column_summary([Cell(0, 0)])
    assert empty.pass_rate is None and empty.median_ttft_s is None and empty.mean_rating is None


def test_the_command_line_knows_the_same_default_and_bounds_without_loading_the_engine(
        ) -> None:
    from studio.cli import batch_args
    from studio.core import batch

    assert batch_args.DEFAULT_CONCURRENCY == batch.DEFAULT_CONCURRENCY
    assert batch_args.MAX_CONCURRENCY == batch.MAX_CONCURRENCY
