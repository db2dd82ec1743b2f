"""What a grid cell and a column footer say, as plain text (no Qt): computed once per change,
painted many times.

A cell: its state (with the error kind of a failure, or a retry note), the first lines of
the answer, TTFT, tokens/s and cost, and its checks as ✓ / ✗ / · (not run) with the
reasons for the tooltip. While a cell streams its first lines settle quickly; the text is
then no longer scanned, only the figures move.
"""

from __future__ import annotations

from dataclasses import dataclass

from studio.core.batch import Batch, BatchState, Cell, CellState, ColumnSummary
from studio.core.batch_runner import Progress
from studio.core.metrics_text import fmt_cost, fmt_rate, fmt_seconds

SNIPPET_LINES = 3
SNIPPET_CHARS = 90  # per line: wider cells elide what is left when painting
_ENOUGH = SNIPPET_LINES * SNIPPET_CHARS * 2  # answer text that surely holds the lines shown
MARKS = {True: "✓", False: "✗", None: "·"}


@dataclass(frozen=True, slots=True)
class CellFace:
    state: CellState
    status: str  # "done", "failed · rate_limit", "streaming", "retrying in 2 s …"
    snippet: tuple[str, ...]
    figures: str  # "TTFT 1.2 s · 54 tok/s · $0.0123"
    marks: str  # "✓✓✗"
    passed: int
    judged: int
    checks: tuple[str, ...]  # one line per check, with its reason
    attempt: int
    final: bool  # the snippet will not change any more


def snippet(text: str) -> tuple[str, ...]:
    """The answer's first non-empty lines, shortened."""
    lines: list[str] = []
    for raw in text[:_ENOUGH].splitlines():
        line = " ".join(raw.split())
        if not line:
            continue
        lines.append(line if len(line) <= SNIPPET_CHARS else line[:SNIPPET_CHARS - 1] + "…")
        if len(lines) == SNIPPET_LINES:
            break
    return tuple(lines)


def _status(cell: Cell) -> str:
    state = cell.state
    if state is CellState.FAILED:
        kind = cell.error_kind
        return f"failed · {kind}" if kind else "failed"
    run = cell.run
    if run is not None and run.status_note and not state.finished:
        return run.status_note
    if state is CellState.CHECKING:
        return "checking"
    return state.value


def _figures(cell: Cell) -> str:
    run = cell.run
    if run is not None and cell.state is CellState.STREAMING:
        m = run.refresh_metrics()
        return f"TTFT {fmt_seconds(m.ttft_s)} · {fmt_rate(m.tokens_per_s)} tok/s"
    result = cell.result
    if result is None:
        return ""
    parts = [f"TTFT {fmt_seconds(result.ttft_s)}", f"{fmt_rate(result.tokens_per_s)} tok/s",
             fmt_cost(result.cost_usd)]
    return " · ".join(parts)


def cell_face(cell: Cell, previous: CellFace | None = None) -> CellFace:
    """The cell as the grid shows it; `previous` lets a streaming cell skip its text once
    its first lines are settled."""
    final = cell.state.finished or cell.state is CellState.CHECKING
    if previous is not None and previous.final == final and previous.attempt == cell.attempt \
            and len(previous.snippet) == SNIPPET_LINES and not final \
            and cell.state is CellState.STREAMING:
        lines = previous.snippet
    else:
        text = cell.text
        if not text and cell.result is not None and cell.result.error is not None:
            text = cell.result.error.message
        lines = snippet(text)
    checks = tuple(f"{MARKS[c.passed]} {c.name}"
                   + (f" ({c.score:.2f})" if c.score is not None else "")
                   + (f": {c.reason}" if c.reason else "") for c in cell.checks)
    return CellFace(
        state=cell.state, status=_status(cell), snippet=lines, figures=_figures(cell),
        marks="".join(MARKS[c.passed] for c in cell.checks), passed=cell.passed,
        judged=cell.judged, checks=checks, attempt=cell.attempt, final=final)


def cell_tooltip(batch: Batch, cell: Cell, face: CellFace) -> str:
    row = batch.rows[cell.row]
    column = batch.columns[cell.col]
    lines = [f"{row.label} × {column.ref}", face.status]
    if cell.attempt:
        lines.append(f"attempt {cell.attempt + 1} (earlier attempts are kept; "
                     "open the cell to see them)")
    result = cell.result
    if result is not None and result.error is not None:
        status = f" (HTTP {result.error.status})" if result.error.status else ""
        lines.append(f"{result.error.kind.value}{status}: {result.error.message}")
    if face.figures:
        lines.append(face.figures)
    judging = cell.judging
    if judging.asked:
        lines.append(judging_detail(cell))
    if face.checks:
        lines.append("")
        lines.append(f"Checks: {face.passed} of {face.judged} passed" if face.judged
                     else "Checks: none run yet")
        lines.extend(face.checks)
    return "\n".join(lines)


def judging_detail(cell: Cell) -> str:
    """"judging $0.0012 (2 judge requests, 1,830 tokens in, 64 out)": apart from the answer's
    own cost, which stays the model's alone."""
    judging = cell.judging
    spends = [c.spend for c in cell.checks if c.spend is not None]
    tokens_in = [s.input_tokens for s in spends if s.input_tokens is not None]
    tokens_out = [s.output_tokens for s in spends if s.output_tokens is not None]
    asked = f"{judging.asked} judge request{'s' if judging.asked != 1 else ''}"
    if tokens_in or tokens_out:
        asked += f", {sum(tokens_in):,} tokens in, {sum(tokens_out):,} out"
    return f"{judging.text()} ({asked})"


def footer_text(summary: ColumnSummary) -> tuple[str, ...]:
    """A column's footer: cost (its judges' apart), median TTFT, failures, pass rate, mean
    rating."""
    known = summary.finished - summary.unknown_cost
    if summary.unknown_cost and not known:
        cost = "cost unknown"
    else:
        cost = fmt_cost(summary.total_cost_usd) if summary.finished else "–"
        if summary.unknown_cost:
            cost += f" + {summary.unknown_cost} unknown"
    rate = summary.pass_rate
    checks = (f"checks {rate * 100:.0f} % ({summary.checks_passed}/{summary.checks_run})"
              if rate is not None else "checks –")
    rating = (f"★ {summary.mean_rating:.1f}" if summary.mean_rating is not None
              else "★ –")
    failures = f"{summary.failures} failed" if summary.failures else "0 failed"
    judging = summary.judging.text()
    if judging:
        cost += f" + {judging}"
    return (f"{cost} · TTFT {fmt_seconds(summary.median_ttft_s)}",
            f"{failures} · {checks} · {rating}")


STATE_WORDS = {BatchState.RUNNING: "running", BatchState.PAUSED: "paused",
               BatchState.INTERRUPTED: "interrupted", BatchState.CANCELLED: "cancelled",
               BatchState.DONE: "done"}


def eta_text(seconds: float) -> str:
    minutes, rest = divmod(int(seconds + 0.5), 60)
    if minutes >= 60:
        hours, minutes = divmod(minutes, 60)
        return f"about {hours} h {minutes:02d} min left"
    return f"about {minutes} min {rest:02d} s left" if minutes else f"about {rest} s left"


def progress_text(p: Progress, state: BatchState | None, running: bool) -> str:
    parts = [f"{p.finished} of {p.total} finished"]
    if p.failed:
        parts.append(f"{p.failed} failed")
    if p.active:
        parts.append(f"{p.active} running")
    if p.waiting:
        parts.append(f"{p.waiting} waiting")
    if p.cancelled:
        parts.append(f"{p.cancelled} stopped")
    if running and p.eta_s is not None and p.finished < p.total:
        parts.append(eta_text(p.eta_s))
    spent = p.spent.text()
    if spent:
        parts.append(spent)
    if state is not None and (not running or state is BatchState.PAUSED):
        parts.insert(0, STATE_WORDS[state].capitalize())
    return " · ".join(parts)


def slowed_text(slowed: list[tuple[str, int, float]]) -> str:
    parts = []
    for provider, times, wait in slowed:
        limited = f"{provider}: slowed down after {times} rate limit" + ("s" if times > 1 else "")
        parts.append(f"{limited}, next stream in {wait:.0f} s" if wait > 0.5 else limited)
    return "; ".join(parts)
