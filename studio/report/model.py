"""What a report shows, as plain frozen data: a document made of sections.

A `ReportDocument` holds sections of any kind; each kind has its own HTML template
(`resources/report/section-KIND.html.j2`, with an optional `section-KIND.css`) and its own
Markdown writer. Three kinds today: a comparison (`RunSection`), a batch's grid
(`BatchSection`) and the arena's leaderboard (`LeaderboardSection`). Values a blind report
keeps back until "reveal" are `Sealed` keys into the document's `sealed` table, never the
values themselves.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Literal, Protocol, cast

from studio.core import constants
from studio.core.metrics_text import fmt_seconds

if TYPE_CHECKING:  # the engine's batch module is not needed to read the report's choices
    from studio.core.batch import ColumnSummary

Layout = Literal["columns", "stacked"]
ThemeChoice = Literal["auto", "light", "dark"]
LAYOUTS = cast("tuple[Layout, ...]", constants.REPORT_LAYOUTS)
THEMES = cast("tuple[ThemeChoice, ...]", constants.REPORT_THEMES)


@dataclass(frozen=True, slots=True)
class Sealed:
    """A value a blind report hides (model name, settings, cost, error message)."""

    key: str


Text = str | Sealed


@dataclass(frozen=True, slots=True)
class Picture:
    """An image as the report embeds it (already scaled and encoded)."""

    mime: str
    data: bytes
    width: int
    height: int

    @property
    def extension(self) -> str:
        return {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}.get(
            self.mime, "bin")

    def data_uri(self) -> str:
        return f"data:{self.mime};base64,{base64.b64encode(self.data).decode('ascii')}"


@dataclass(frozen=True, slots=True)
class PageFrame:
    """One generated page as the report runs it: in a sandboxed frame, beside its picture."""

    key: str  # unique in the document, safe as an HTML id and a file name
    html: str  # the page as the model wrote it (or the user's edit of it), scrubbed
    revision: int  # 0: extracted from the answer; 1, 2 …: the user's edits
    screenshot: Picture | None = None
    missing: str = ""  # why there is no screenshot
    held: bool = False  # it hung or crashed in the studio: run only when the reader asks


@dataclass(frozen=True, slots=True)
class ErrorView:
    kind: str
    status: int | None
    message: Text


@dataclass(frozen=True, slots=True)
class FigureTexts:
    """The figures of one answer as the app's metrics strip shows them."""

    ttft: str
    rate: str
    tokens_in: str
    tokens_out: str
    cost: Text
    total: str


@dataclass(frozen=True, slots=True)
class AnswerView:
    """One model's current answer to one turn (or the fact that it was not asked)."""

    label: str  # the column's name: the model, or A, B, C … in a blind report
    model: Text
    settings: Text
    asked: bool = True
    state: str = "done"  # done, failed, cancelled, unfinished
    text: str = ""  # Markdown, as the model wrote it (scrubbed)
    html: str = ""  # the same rendered (our own renderer's output: safe to embed)
    reasoning: str = ""
    figures: FigureTexts | None = None
    badges: tuple[str, ...] = ()
    error: ErrorView | None = None
    rating: int | None = None
    rating_note: str = ""
    attempt: int = 0
    attempts: int = 1
    page: PageFrame | None = None


@dataclass(frozen=True, slots=True)
class TurnView:
    number: int  # 1-based, along the branch shown
    prompt: str
    branch: int  # this prompt is branch `branch` of `branches` at its place in the thread
    branches: int
    answers: tuple[AnswerView, ...]
    # The files sent with the prompt, "mockup.png (image/png, 12 KB)"; one sent to a single
    # model only ends with whom it went to.
    files: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ModelColumn:
    label: str
    model: Text
    settings: Text
    system_override: str | None  # None in a blind report


class Section(Protocol):
    """What every kind of section offers the writers."""

    kind: ClassVar[str]
    layouts: ClassVar[bool]  # the reader's columns / stacked switch applies to it

    @property
    def title(self) -> str: ...

    def frames(self) -> Iterator[PageFrame]: ...


@dataclass(frozen=True, slots=True)
class RunSection:
    """A comparison: its prompt, its models and the turns of the branch shown in the app."""

    kind: ClassVar[str] = "run"
    layouts: ClassVar[bool] = True
    title: str
    system: str | None
    template: str | None  # the prompt as written with {{variables}}, when it had any
    variables: Mapping[str, str]
    models: tuple[ModelColumn, ...]
    turns: tuple[TurnView, ...]

    def frames(self) -> Iterator[PageFrame]:
        for turn in self.turns:
            for answer in turn.answers:
                if answer.page is not None:
                    yield answer.page


CheckMark = Literal["✓", "✗", "·"]


@dataclass(frozen=True, slots=True)
class CheckView:
    """One check's outcome on one cell: passed, failed, or not run (`passed` None)."""

    name: str
    passed: bool | None
    reason: str
    score: float | None = None
    # What asking its judge cost, "judging $0.0009" or "judging cost unknown" ("" when no
    # judge was asked), and the judge's tokens, "1,830 tokens in, 64 out"; apart from the
    # answer's own cost.
    cost: str = ""
    tokens: str = ""

    @property
    def mark(self) -> CheckMark:
        return "✓" if self.passed is True else "✗" if self.passed is False else "·"

    @property
    def outcome(self) -> str:
        return {True: "passed", False: "failed", None: "not run"}[self.passed]

    @property
    def explained(self) -> str:
        """"failed: 'circle' is not in the answer": the outcome and its reason, once."""
        if not self.reason:
            return self.outcome
        if self.reason.startswith(self.outcome):
            return self.reason
        return f"{self.outcome}: {self.reason}"


@dataclass(frozen=True, slots=True)
class BatchCellView:
    """One cell of a batch's grid: one model's answer to one row.

    `page.screenshot` is the cell's thumbnail. `live`: the answer and the page's source are
    in the report (for the cell's detail, the page run on demand); when they are not,
    `left_out` says why."""

    key: str  # "cell-ROW-COLUMN" (1-based, as shown): unique, safe as an HTML id
    row: int
    column: int
    label: str
    state: str  # done, failed, stopped, unfinished, not run
    figures: FigureTexts | None = None
    error: ErrorView | None = None
    checks: tuple[CheckView, ...] = ()
    passed: int = 0  # checks passed
    judged: int = 0  # checks run (passed or failed)
    judging: str = ""  # what its judges cost, "judging $0.0012" ("" when none was asked)
    rating: int | None = None
    attempt: int = 0
    text: str = ""  # the answer's Markdown (scrubbed, perhaps shortened)
    reasoning: str = ""
    shortened: str = ""  # what was cut from the answer, in words ("" when nothing)
    page: PageFrame | None = None
    live: bool = False
    left_out: str = ""

    @property
    def answered(self) -> bool:
        """An answer (done, failed or stopped) is saved for the cell."""
        return self.figures is not None


@dataclass(frozen=True, slots=True)
class BatchRowView:
    """A line of the grid: a prompt, or one variable row of it, with every model's cell."""

    number: int  # 1-based
    title: str
    prompt: str  # as sent (perhaps shortened: see `shortened`)
    shortened: str
    system: str | None
    variables: Mapping[str, str]  # the values the prompt uses
    cells: tuple[BatchCellView, ...]


@dataclass(frozen=True, slots=True)
class ColumnTotals:
    """A model's footer under the grid: the grid's own column summary, as the report
    writes it."""

    label: str
    summary: ColumnSummary
    cost: Text  # of the answers whose cost is known, and how many are not
    judging: str = ""  # what its judges cost, "judging $0.0009" ("" when none was asked)

    @property
    def ttft(self) -> str:
        return fmt_seconds(self.summary.median_ttft_s)

    @property
    def failed(self) -> str:
        return f"{self.summary.failures} of {self.summary.cells}"

    @property
    def pass_percent(self) -> str:
        rate = self.summary.pass_rate
        return "–" if rate is None else f"{100 * rate:.0f} %"

    @property
    def pass_rate(self) -> str:
        if self.summary.pass_rate is None:
            return "–"
        return (f"{self.pass_percent} ({self.summary.checks_passed} of "
                f"{self.summary.checks_run})")

    @property
    def rating(self) -> str:
        mean = self.summary.mean_rating
        return "–" if mean is None else f"{mean:.1f}"


@dataclass(frozen=True, slots=True)
class BatchSection:
    """A batch: its model set, the grid of rows × models with thumbnails, figures and
    checks, and the per-model totals."""

    kind: ClassVar[str] = "batch"
    layouts: ClassVar[bool] = False
    title: str
    state: str  # the batch's: done, interrupted, cancelled …
    models: tuple[ModelColumn, ...]
    rows: tuple[BatchRowView, ...]
    totals: tuple[ColumnTotals, ...]
    notes: tuple[str, ...] = ()

    @property
    def cells(self) -> Iterator[BatchCellView]:
        for row in self.rows:
            yield from row.cells

    def frames(self) -> Iterator[PageFrame]:
        """The pages whose source the report holds (the others show only a thumbnail)."""
        for cell in self.cells:
            if cell.live and cell.page is not None:
                yield cell.page


@dataclass(frozen=True, slots=True)
class Fact:
    """A labelled value: one of the filters a leaderboard was made with, and the like."""

    label: str
    value: str


@dataclass(frozen=True, slots=True)
class AxisTick:
    value: float
    at: float  # percent of the axis' width
    label: str


@dataclass(frozen=True, slots=True)
class RatingAxis:
    """The one scale every interval bar of a leaderboard is drawn on (rating points)."""

    low: float
    high: float
    ticks: tuple[AxisTick, ...]

    def at(self, value: float) -> float:
        """`value`'s place in percent of the axis (outside 0 … 100 when off the axis)."""
        return 100.0 * (value - self.low) / (self.high - self.low)


@dataclass(frozen=True, slots=True)
class IntervalBar:
    """A rating and its interval on the axis, in percent, cut to the axis."""

    low: float
    high: float
    mark: float  # the rating
    cut_low: bool = False  # the interval runs on below the axis
    cut_high: bool = False


@dataclass(frozen=True, slots=True)
class BoardRow:
    model: str
    rank: str  # "2", or "1–3": the best and worst rank the intervals allow
    rating: float
    ci_low: float
    ci_high: float
    battles: int
    wins: int
    losses: int
    ties: int  # ties and "both bad" together
    both_bad: int
    separated: bool  # won or lost every battle against part of its group: rests on the prior
    bar: IntervalBar


HeatShade = Literal["self", "none", "win", "loss", "even"]


@dataclass(frozen=True, slots=True)
class HeatCell:
    """One cell of the win-rate matrix: how the row's model did against the column's."""

    shade: HeatShade
    strength: float  # 0 (an even split) … 1 (won or lost every decisive battle)
    text: str  # "75 %": the row's share of their decisive battles
    counts: str  # "30–10": the row's wins and losses against the column
    title: str  # all of it in words, for the tooltip


@dataclass(frozen=True, slots=True)
class BoardGroup:
    """Models linked by battles; the ratings of different groups cannot be compared."""

    number: int  # 1-based
    rows: tuple[BoardRow, ...]
    matrix: tuple[tuple[HeatCell, ...], ...]  # matrix[i][j]: rows[i] against rows[j]


@dataclass(frozen=True, slots=True)
class EffectRow:
    """A style-control covariate's effect."""

    name: str
    points: str  # "+35": rating points per typical difference
    interval: str  # "+12 to +58"


@dataclass(frozen=True, slots=True)
class AgreementRow:
    judge: str
    pairs: int  # pairs you both judged
    agreed: int
    rate: str
    decisive: str  # agreement where you both named a winner: "12 of 14 (86 %)"
    kappa: str  # Cohen's κ, or "–"


@dataclass(frozen=True, slots=True)
class LeaderboardSection:
    """The arena's leaderboard: ratings with intervals on one axis, rank ranges, counts,
    the groups, the pairwise win-rate matrix, position bias, style effects, the judge's
    agreement with you, and the filters that chose the votes."""

    kind: ClassVar[str] = "leaderboard"
    layouts: ClassVar[bool] = False
    title: str
    filters: tuple[Fact, ...]
    battles: int
    votes: int
    interval: str  # how the 95 % intervals were made, in words
    axis: RatingAxis
    groups: tuple[BoardGroup, ...]
    position_bias: str  # in words; "" when no battle had a winner
    bias: IntervalBar | None  # the first answer's win rate and its interval, on 0 … 100 %
    style: tuple[EffectRow, ...]  # empty without style control
    agreement: tuple[AgreementRow, ...] | None  # None: the judge's votes are not shown
    notes: tuple[str, ...]
    chart: Picture | None = None  # the table and its bars as a picture (Markdown links it)

    @property
    def models(self) -> int:
        return sum(len(g.rows) for g in self.groups)

    def frames(self) -> Iterator[PageFrame]:
        return iter(())


@dataclass(frozen=True, slots=True)
class ReportDocument:
    title: str
    subtitle: str
    created_at: float  # when the reported comparison was made (UNIX seconds)
    exported_at: float
    generator: str
    blind: bool
    sections: tuple[Section, ...]
    sealed: Mapping[str, str] = field(default_factory=dict)
    created_label: str = "compared"  # what `created_at` is: "compared", "last vote" …

    @property
    def layouts(self) -> bool:
        """Whether the reader's columns / stacked switch does anything here."""
        return any(section.layouts for section in self.sections)

    def frames(self) -> Iterator[PageFrame]:
        for section in self.sections:
            yield from section.frames()

    def unseal(self, value: Text) -> str:
        return self.sealed.get(value.key, "") if isinstance(value, Sealed) else value
