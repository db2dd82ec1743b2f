"""A batch: every prompt of a collection (× its variable rows) against a model set, as cells.

The grid's rows are `BatchRow`s (one prompt with one set of variable values), its columns
are models, and each `Cell` is one answer. The batch is pure data: `BatchRunner`
(studio.core.batch_runner) drives the cells through the engine, the store keeps them
(studio.store.batches), and the grid window shows them. Each row is saved as one normal
run in history (one slot per column), so a row opens in the workspace like any comparison.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from studio.core.attachments import Attachment
from studio.core.cell_result import CellResult
from studio.core.checks import Check, CheckResult, JudgingCost, judging_cost
from studio.core.model_sets import ModelSetEntry
from studio.core.request import ChatRequest, Message
from studio.core.runner import ModelRun, ModelTarget
from studio.core.variables import fill_variables, find_variables

DEFAULT_CONCURRENCY = 4
MAX_CONCURRENCY = 64
MAX_CELLS = 100_000


class BatchError(ValueError):
    """A batch that cannot be planned or resumed; the message is for the user."""


class CellState(StrEnum):
    WAITING = "waiting"  # not sent yet
    RUNNING = "running"  # admitted: the request is out
    STREAMING = "streaming"  # the answer is arriving
    CHECKING = "checking"  # the answer is complete; its checks are being evaluated
    DONE = "done"
    FAILED = "failed"  # the request failed (see the result's error)
    CANCELLED = "cancelled"  # stopped before the answer was complete

    @property
    def finished(self) -> bool:
        """Done or failed: a finished cell is never sent again unless asked to."""
        return self in (CellState.DONE, CellState.FAILED)

    @property
    def active(self) -> bool:
        return self in (CellState.RUNNING, CellState.STREAMING, CellState.CHECKING)


class BatchState(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    INTERRUPTED = "interrupted"  # its process ended without finishing it
    CANCELLED = "cancelled"
    DONE = "done"  # every cell is finished (some may have failed)


@dataclass(frozen=True, slots=True)
class BatchRow:
    """One line of the grid: a prompt with one set of variable values, as sent."""

    title: str
    template: str  # the prompt as written, with {{variables}}
    prompt: str  # as sent
    system: str | None = None
    variables: Mapping[str, str] = field(default_factory=dict)
    checks: tuple[Check, ...] = ()  # for this row, variables filled in
    prompt_id: int | None = None
    variable_row: int | None = None  # index into the prompt's variable rows, if it has any
    run_id: int | None = None  # the history run holding this row's answers
    turn_id: int | None = None
    attachments: tuple[Attachment, ...] = ()  # the files sent with the prompt

    def request(self, target: ModelTarget, images_anyway: bool = False) -> ChatRequest:
        """What one column's model is sent for this row."""
        return ChatRequest(target.ref.model, (Message("user", self.prompt, self.attachments),),
                           self.system, target.settings, images_anyway=images_anyway)

    @property
    def label(self) -> str:
        if self.variable_row is None:
            return self.title
        shown = ", ".join(f"{k}={v}" for k, v in self.variables.items()
                          if k in find_variables(self.template))
        return f"{self.title} · {shown}" if shown else f"{self.title} · row {self.variable_row + 1}"


@dataclass(eq=False, slots=True)
class Cell:
    row: int
    col: int
    attempt: int = 0
    state: CellState = CellState.WAITING
    response_id: int | None = None
    result: CellResult | None = None  # the latest complete (or failed) answer
    checks: tuple[CheckResult, ...] = ()
    run: ModelRun | None = None  # the engine's live run, while this process drives the cell
    started_at: float | None = None  # UNIX time
    finished_at: float | None = None
    has_screenshot: bool = False
    rating: int | None = None

    @property
    def text(self) -> str:
        """The answer so far: live while streaming, else the saved result."""
        if self.run is not None:
            return self.run.text
        return self.result.text if self.result is not None else ""

    @property
    def error_kind(self) -> str | None:
        error = self.result.error if self.result is not None else None
        return error.kind.value if error is not None else None

    @property
    def passed(self) -> int:
        return sum(1 for c in self.checks if c.passed is True)

    @property
    def judged(self) -> int:
        """Checks that ran (passed or failed); checks not run do not count either way."""
        return sum(1 for c in self.checks if c.passed is not None)

    @property
    def judging(self) -> JudgingCost:
        """What its judge checks' requests cost (not part of the answer's cost)."""
        return judging_cost(self.checks)


@dataclass(eq=False)
class Batch:
    rows: tuple[BatchRow, ...]
    columns: tuple[ModelSetEntry, ...]
    cells: list[Cell] = field(default_factory=list)  # row-major
    id: int | None = None
    title: str = ""
    state: BatchState = BatchState.RUNNING
    concurrency: int = DEFAULT_CONCURRENCY
    per_provider: int | None = None  # the most streams open at once to one provider
    judge: str | None = None  # judge model for judge checks that name none
    collection_id: int | None = None
    created_at: float = 0.0

    def __post_init__(self) -> None:
        if not self.rows or not self.columns:
            raise BatchError("a batch needs at least one prompt and one model")
        if len(self.rows) * len(self.columns) > MAX_CELLS:
            raise BatchError(f"{len(self.rows) * len(self.columns):,} cells is more than "
                             f"{MAX_CELLS:,}; split the collection")
        check_limits(self.concurrency, self.per_provider)
        if not self.cells:
            self.cells = [Cell(r, c) for r in range(len(self.rows))
                          for c in range(len(self.columns))]

    def cell(self, row: int, col: int) -> Cell:
        if not (0 <= row < len(self.rows) and 0 <= col < len(self.columns)):
            raise IndexError(f"no cell at row {row}, column {col}")
        return self.cells[row * len(self.columns) + col]

    def row_cells(self, row: int) -> list[Cell]:
        n = len(self.columns)
        return self.cells[row * n:(row + 1) * n]

    def column_cells(self, col: int) -> list[Cell]:
        return self.cells[col::len(self.columns)]

    @property
    def complete(self) -> bool:
        return all(c.state.finished for c in self.cells)

    def counts(self) -> dict[CellState, int]:
        counts = dict.fromkeys(CellState, 0)
        for cell in self.cells:
            counts[cell.state] += 1
        return counts


def check_limits(concurrency: int, per_provider: int | None) -> None:
    if not 1 <= concurrency <= MAX_CONCURRENCY:
        raise BatchError(f"the concurrency must be between 1 and {MAX_CONCURRENCY}")
    if per_provider is not None and not 1 <= per_provider <= MAX_CONCURRENCY:
        raise BatchError(f"the per-provider limit must be between 1 and {MAX_CONCURRENCY}")


@dataclass(frozen=True, slots=True)
class PromptSource:
    """A stored prompt as a batch plans it: its variable rows and checks included."""

    title: str
    body: str
    system: str | None = None
    variables: Mapping[str, str] = field(default_factory=dict)  # defaults
    variable_rows: tuple[Mapping[str, str], ...] = ()
    checks: tuple[Check, ...] = ()
    prompt_id: int | None = None
    attachments: tuple[Attachment, ...] = ()  # the prompt's own files


def plan_rows(prompts: Iterable[PromptSource], given: Mapping[str, str] | None = None,
              system: str | None = None) -> list[BatchRow]:
    """One row per prompt, or one per variable row of a prompt that has several.

    Values: the prompt's defaults, under the variable row, under `given` (the command
    line's --var). A variable still without a value is a BatchError naming it.
    """
    rows: list[BatchRow] = []
    given = dict(given or {})
    for source in prompts:
        value_rows: Sequence[Mapping[str, str] | None] = source.variable_rows or (None,)
        for index, values in enumerate(value_rows):
            merged = {**source.variables, **(values or {}), **given}
            missing = [n for n in find_variables(source.body) if n not in merged]
            if missing:
                where = f" (variable row {index + 1})" if values is not None else ""
                raise BatchError(f"prompt {source.title!r}{where} uses {{{{{missing[0]}}}}} but "
                                 "no value was given (pass --var NAME=VALUE, or give it a "
                                 "default)")
            row_index = index if values is not None else None
            checks = tuple(c.for_row(merged) for c in source.checks if c.applies_to(row_index))
            rows.append(BatchRow(
                title=source.title, template=source.body,
                prompt=fill_variables(source.body, merged),
                system=system if system is not None else source.system,
                variables=merged, checks=checks, prompt_id=source.prompt_id,
                variable_row=row_index, attachments=source.attachments))
    return rows


@dataclass(frozen=True, slots=True)
class ColumnSummary:
    """A grid column's footer."""

    cells: int
    finished: int
    failures: int
    total_cost_usd: float  # of the answers whose cost is known
    unknown_cost: int  # finished answers whose cost is not known
    median_ttft_s: float | None
    checks_passed: int
    checks_run: int
    mean_rating: float | None
    # What its answers' judges cost, not part of total_cost_usd.
    judging: JudgingCost = field(default_factory=JudgingCost)

    @property
    def pass_rate(self) -> float | None:
        return self.checks_passed / self.checks_run if self.checks_run else None


@dataclass(frozen=True, slots=True)
class Spending:
    """What some cells cost so far: their answers, and apart from them their judges."""

    answers_usd: float = 0.0  # the finished answers whose cost is known
    unknown: int = 0  # finished answers whose cost is not known
    finished: int = 0
    judging: JudgingCost = field(default_factory=JudgingCost)

    def text(self) -> str:
        """"cost $0.0450 + judging $0.0012"; "" before any answer is finished."""
        if not self.finished:
            return ""
        if self.unknown == self.finished:
            cost = "cost unknown"
        else:
            cost = f"cost ${self.answers_usd:.4f}"
            if self.unknown:
                cost += f" ({self.unknown} unknown)"
        judging = self.judging.text()
        return f"{cost} + {judging}" if judging else cost


def spending(cells: Iterable[Cell]) -> Spending:
    answers = 0.0
    unknown = finished = 0
    judging = JudgingCost()
    for cell in cells:
        if cell.checks:
            judging += cell.judging
        result = cell.result
        if not cell.state.finished or result is None:
            continue
        finished += 1
        if result.cost_usd is None:
            unknown += 1
        else:
            answers += result.cost_usd
    return Spending(answers, unknown, finished, judging)


def column_summary(cells: Sequence[Cell]) -> ColumnSummary:
    results = [c.result for c in cells if c.state.finished and c.result is not None]
    ttfts = [r.ttft_s for r in results if r.ttft_s is not None]
    ratings = [c.rating for c in cells if c.rating is not None]
    spent = spending(cells)
    return ColumnSummary(
        cells=len(cells),
        finished=sum(1 for c in cells if c.state.finished),
        failures=sum(1 for c in cells if c.state is CellState.FAILED),
        total_cost_usd=spent.answers_usd,
        unknown_cost=spent.unknown,
        median_ttft_s=statistics.median(ttfts) if ttfts else None,
        checks_passed=sum(c.passed for c in cells),
        checks_run=sum(c.judged for c in cells),
        mean_rating=statistics.fmean(ratings) if ratings else None,
        judging=spent.judging,
    )
