"""A batch as a report section: its model set, the grid of rows × models (each cell's
thumbnail, state, figures and checks), the per-model totals, and for each cell's detail its
answer and page, as far as the report's size allows.

Nothing here reads pictures: `batch_pages` lists the pages of the grid, the caller finds or
takes their screenshots, and `batch_document` puts the pictures in (as `run_report` does
for a comparison).
"""

from __future__ import annotations

import secrets
import time
import zlib
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass

from studio import APP_NAME, __version__
from studio.core.batch import Batch, BatchRow, Cell, CellState, column_summary
from studio.core.metrics import Metrics
from studio.core.metrics_text import fmt_cost
from studio.core.thread import estimated_metrics
from studio.core.variables import find_variables
from studio.report.batch_checks import check_views, model_unnamer
from studio.report.containment import normalize_page
from studio.report.model import (
    BatchCellView,
    BatchRowView,
    BatchSection,
    ColumnTotals,
    ErrorView,
    PageFrame,
    Picture,
    ReportDocument,
)
from studio.report.run_report import (
    NO_SCREENSHOT,
    ColumnsBuilder,
    PageKey,
    PageRef,
    figure_texts,
)
from studio.report.scrub import Scrubber

# What the HTML report may hold of the answers and pages for the cells' details, measured as
# the compressed size of their Markdown, reasoning and page source (packed in the file as
# rendered HTML in base64, they take about twice that: 1.5 MB here, 3 MB there). Rows are
# taken in order while they fit; the rows after the first that does not fit keep their
# thumbnails, figures and checks, and their details say why the rest is left out.
DETAIL_BUDGET = 1_500_000
MAX_ANSWER_CHARS = 60_000  # of one answer's Markdown, in a cell's detail
MAX_REASONING_CHARS = 20_000
MAX_PROMPT_CHARS = 8_000  # of a row's prompt, as the grid shows it
_STATES = {CellState.WAITING: "not run", CellState.RUNNING: "unfinished",
           CellState.STREAMING: "unfinished", CellState.CHECKING: "unfinished",
           CellState.DONE: "done", CellState.FAILED: "failed", CellState.CANCELLED: "stopped"}


def page_key(cell: Cell) -> PageKey | None:
    """The cell's page as a report names it (its answer's page as the model wrote it)."""
    html = cell.result.html if cell.result is not None else None
    if not html or cell.response_id is None:
        return None
    return (int(cell.response_id), 0)


def batch_pages(batch: Batch) -> list[PageRef]:
    """Every page of the grid, row by row."""
    refs = []
    for cell in batch.cells:
        key = page_key(cell)
        if key is not None and cell.result is not None and cell.result.html:
            refs.append(PageRef(key, cell.result.html,
                                f"row {cell.row + 1}, {batch.columns[cell.col].ref}",
                                cell.has_screenshot))
    return refs


def packed_size(*texts: str) -> int:
    """What texts cost of the budget: their size compressed."""
    return sum(len(zlib.compress(t.encode("utf-8", "surrogatepass"), 6)) for t in texts if t)


def _shorten(text: str, limit: int, what: str) -> tuple[str, str]:
    """`text` cut to `limit` characters, and the note that says so ("" when whole)."""
    if len(text) <= limit:
        return text, ""
    return text[:limit], (f"The {what} is {len(text):,} characters long; the first "
                          f"{limit:,} are shown here (the whole {what} is in the history).")


@dataclass(frozen=True, slots=True)
class _Detail:
    text: str
    shortened: str
    reasoning: str
    page: str


class _BatchBuilder(ColumnsBuilder):
    def __init__(self, batch: Batch, pictures: Mapping[PageKey, Picture],
                 missing: Mapping[PageKey, str], held: Set[PageKey], scrub: Scrubber,
                 blind: bool, order: Sequence[int], budget: int) -> None:
        super().__init__(batch.columns, pictures, missing, held, scrub, blind, order)
        self.batch = batch
        self.budget = budget
        self.unname = model_unnamer(batch, self.labels, blind)
        self.left_out_from: int | None = None  # the first row without details

    def section(self) -> BatchSection:
        batch = self.batch
        details = self._details()
        rows = tuple(self._row(index, row, details) for index, row in enumerate(batch.rows))
        notes = []
        if self.left_out_from is not None:
            notes.append(f"To keep this report small, the answers and page sources of rows "
                         f"{self.left_out_from + 1}–{len(batch.rows)} are left out (their "
                         "pictures, figures and checks are here); every answer is in the "
                         "studio's history.")
        return BatchSection(
            title=self.scrub.content(batch.title) or f"Batch {batch.id}",
            state=batch.state.value, models=tuple(self.column(slot) for slot in self.order),
            rows=rows, totals=tuple(self._totals(slot) for slot in self.order),
            notes=tuple(notes))

    def _details(self) -> dict[tuple[int, int], _Detail]:
        """The answers and pages the report holds, row by row while they fit the budget."""
        found: dict[tuple[int, int], _Detail] = {}
        used = 0
        for index in range(len(self.batch.rows)):
            row: dict[tuple[int, int], _Detail] = {}
            for cell in self.batch.row_cells(index):
                result = cell.result
                if result is None:
                    continue
                text, shortened = _shorten(self.scrub.content(result.text), MAX_ANSWER_CHARS,
                                           "answer")
                reasoning, cut = _shorten(self.scrub.content(result.reasoning),
                                          MAX_REASONING_CHARS, "reasoning")
                if cut:
                    reasoning += f"\n\n[{cut}]"
                page = (self.scrub.content(normalize_page(result.html)) if result.html
                        else "")
                row[(cell.row, cell.col)] = _Detail(text, shortened, reasoning, page)
            cost = sum(packed_size(d.text, d.reasoning, d.page) for d in row.values())
            if used + cost > self.budget:
                self.left_out_from = index
                break
            used += cost
            found.update(row)
        return found

    def _row(self, index: int, row: BatchRow,
             details: Mapping[tuple[int, int], _Detail]) -> BatchRowView:
        prompt, shortened = _shorten(self.scrub.content(row.prompt), MAX_PROMPT_CHARS, "prompt")
        used = find_variables(row.template)
        cells = tuple(self._cell(index, self.batch.cell(index, slot), details)
                      for slot in self.order)
        return BatchRowView(
            number=index + 1, title=self.scrub.content(row.title), prompt=prompt,
            shortened=shortened, system=self.scrub.content(row.system) if row.system else None,
            variables={k: self.scrub.content(v) for k, v in row.variables.items() if k in used},
            cells=cells)

    def _cell(self, index: int, cell: Cell,
              details: Mapping[tuple[int, int], _Detail]) -> BatchCellView:
        column = self.order.index(cell.col) + 1
        key = f"cell-{index + 1}-{column}"
        result = cell.result
        checks = check_views(cell.checks, self.scrub.message, self.unname)
        judging = cell.judging.text()
        state = _STATES.get(cell.state, cell.state.value)
        label = self.labels[cell.col]
        if result is None:
            return BatchCellView(key=key, row=index + 1, column=column, label=label,
                                 state=state, checks=checks, passed=cell.passed,
                                 judged=cell.judged, judging=judging, rating=cell.rating,
                                 attempt=cell.attempt)
        metrics = estimated_metrics(Metrics(
            ttft_s=result.ttft_s, total_s=result.total_s, tokens_per_s=result.tokens_per_s,
            input_tokens=result.input_tokens, output_tokens=result.output_tokens,
            cost_usd=result.cost_usd), result.text, result.reasoning)
        error = None
        if result.error is not None:
            error = ErrorView(result.error.kind.value, result.error.status,
                              self.seal(self.scrub.message(result.error.message)))
        detail = details.get((cell.row, cell.col))
        page = None
        pkey = page_key(cell)
        if pkey is not None:
            page = PageFrame(key=f"page-{index + 1}-{column}",
                             html=detail.page if detail is not None else "", revision=0,
                             screenshot=self.pictures.get(pkey),
                             missing=self.missing.get(pkey, NO_SCREENSHOT),
                             held=pkey in self.held)
        left_out = "" if detail is not None else (
            "The answer and its page are left out of this report to keep it small; the "
            "answer is in the studio's history.")
        return BatchCellView(
            key=key, row=index + 1, column=column, label=label, state=state,
            figures=figure_texts(metrics, self.seal), error=error, checks=checks,
            passed=cell.passed, judged=cell.judged, judging=judging, rating=cell.rating,
            attempt=cell.attempt,
            text=detail.text if detail is not None else "",
            reasoning=detail.reasoning if detail is not None else "",
            shortened=detail.shortened if detail is not None else "", page=page,
            live=detail is not None and page is not None, left_out=left_out)

    def _totals(self, slot: int) -> ColumnTotals:
        summary = column_summary(self.batch.column_cells(slot))
        if summary.finished and summary.unknown_cost == summary.finished:
            cost = "unknown"
        else:
            cost = fmt_cost(summary.total_cost_usd) if summary.finished else "–"
            if summary.unknown_cost:
                cost += f" (+{summary.unknown_cost} unknown)"
        # The judges' cost stays shown in a blind report: a row's judge is the same for
        # every column, so what it cost tells no model apart.
        return ColumnTotals(label=self.labels[slot], summary=summary, cost=self.seal(cost),
                            judging=summary.judging.text())


def _subtitle(batch: Batch, blind: bool) -> str:
    models, rows = len(batch.columns), len(batch.rows)
    counts = batch.counts()
    done, failed = counts[CellState.DONE], counts[CellState.FAILED]
    rest = len(batch.cells) - done - failed
    parts = [f"{models} model{'s' if models != 1 else ''}",
             f"{rows} row{'s' if rows != 1 else ''}",
             f"{len(batch.cells)} cell{'s' if len(batch.cells) != 1 else ''}: {done} done, "
             f"{failed} failed" + (f", {rest} not finished" if rest else "")]
    if batch.state.value not in ("done", "running"):
        parts.append(f"batch {batch.state.value}")
    if blind:
        parts.append("blind: the models are named A, B, C …")
    return " · ".join(parts)


def batch_document(batch: Batch, *, pictures: Mapping[PageKey, Picture] | None = None,
                   missing: Mapping[PageKey, str] | None = None,
                   held: Set[PageKey] = frozenset(), blind: bool = False,
                   scrub: Scrubber | None = None, now: float | None = None,
                   budget: int = DETAIL_BUDGET) -> ReportDocument:
    """The report of a batch. `pictures`: the thumbnails, by page (see `batch_pages`);
    `missing`: why a page has none; `held`: pages that hung or crashed when their
    screenshot was taken. A blind report names the models A, B, C … in a column order of
    its own and seals their names, settings, costs and error messages."""
    order = list(range(len(batch.columns)))
    if blind:
        secrets.SystemRandom().shuffle(order)
    builder = _BatchBuilder(batch, pictures or {}, missing or {}, held, scrub or Scrubber(),
                            blind, order, budget)
    section = builder.section()
    return ReportDocument(
        title=section.title, subtitle=_subtitle(batch, blind), created_at=batch.created_at,
        exported_at=time.time() if now is None else now,
        generator=f"{APP_NAME} {__version__}", blind=blind, sections=(section,),
        sealed=dict(builder.seal.values), created_label="run")
