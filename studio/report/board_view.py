"""A fitted leaderboard as a report section: every number as the report shows it, the
interval bars placed on one axis, the win-rate matrix of each group, the filters in words.

Only what people or models named (model names, judge names, the collection, the tag)
passes through the scrubber; the rest is ours.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

from studio import APP_NAME, __version__
from studio.core.arena_agreement import Agreement
from studio.core.arena_board import Leaderboard, ModelRow
from studio.core.arena_fit import CENTER, SCALE
from studio.report.board_data import BoardData
from studio.report.model import (
    AgreementRow,
    AxisTick,
    BoardGroup,
    BoardRow,
    EffectRow,
    Fact,
    HeatCell,
    HeatShade,
    IntervalBar,
    LeaderboardSection,
    RatingAxis,
    ReportDocument,
)
from studio.report.scrub import Scrubber
from studio.report.texts import when

MAX_TICKS = 7
_FEATURES = {"answer_length": "answer length", "code_length": "code length"}


def _step(span: float) -> float:
    """A round tick step (1, 2, 2.5 or 5 times a power of ten) giving at most MAX_TICKS."""
    raw = span / (MAX_TICKS - 1)
    power = 10.0 ** math.floor(math.log10(raw))
    return next(m * power for m in (1.0, 2.0, 2.5, 5.0, 10.0) if m * power >= raw)


def rating_axis(rows: Sequence[ModelRow]) -> RatingAxis:
    """An axis holding every rating and every interval, except the intervals of models
    that rest on the prior: those can be far wider than everyone else's, and are cut."""
    firm = [r for r in rows if not r.separated] or list(rows)
    low = min([r.ci_low for r in firm] + [r.rating for r in rows], default=CENTER - 100)
    high = max([r.ci_high for r in firm] + [r.rating for r in rows], default=CENTER + 100)
    step = _step(max(high - low, 1.0))
    start = math.floor(low / step) * step
    end = math.ceil(high / step) * step
    if end <= start:
        end = start + step
    count = round((end - start) / step)
    values = [start + i * step for i in range(count + 1)]
    axis = RatingAxis(start, end, ())
    return RatingAxis(start, end, tuple(AxisTick(v, axis.at(v), f"{v:g}") for v in values))


def interval_bar(axis: RatingAxis, low: float, high: float, mark: float) -> IntervalBar:
    at_low, at_high = axis.at(low), axis.at(high)
    return IntervalBar(max(0.0, at_low), min(100.0, at_high),
                       min(100.0, max(0.0, axis.at(mark))), cut_low=at_low < 0,
                       cut_high=at_high > 100)


def _rank(row: ModelRow) -> str:
    best, worst = row.rank_range
    return str(best) if best == worst else f"{best}–{worst}"


def _cell(board: Leaderboard, x: str, y: str, names: dict[str, str]) -> HeatCell:
    if x == y:
        return HeatCell("self", 0.0, "", "", "")
    pair = board.pair(x, y)
    nx, ny = names[x], names[y]
    if pair is None:
        return HeatCell("none", 0.0, "", "", f"{nx} and {ny} never met")
    first = pair.a == x
    wins, losses = (pair.a_wins, pair.b_wins) if first else (pair.b_wins, pair.a_wins)
    ties = f", {pair.ties} tied" if pair.ties else ""
    said = (f"{nx} against {ny}: won {wins}, lost {losses}{ties} "
            f"({pair.battles} battle{'' if pair.battles == 1 else 's'})")
    decisive = wins + losses
    if not decisive:
        return HeatCell("even", 0.0, "–", f"{wins}–{losses}", f"{said}; no winner yet")
    share = wins / decisive
    text = f"{100 * share:.0f} %"
    said += f"; {text} of the battles with a winner"
    if pair.predicted is not None:
        expected = pair.predicted if first else 1.0 - pair.predicted
        said += f"; the ratings give {nx} {100 * expected:.0f} %"
    shade: HeatShade = "win" if share > 0.5 else "loss" if share < 0.5 else "even"
    return HeatCell(shade, abs(share - 0.5) * 2, text, f"{wins}–{losses}", said)


def _groups(board: Leaderboard, axis: RatingAxis, names: dict[str, str]
            ) -> tuple[BoardGroup, ...]:
    groups = []
    for number, members in enumerate(board.groups, 1):
        rows = tuple(
            BoardRow(names[r.model], _rank(r), r.rating, r.ci_low, r.ci_high, r.battles,
                     r.wins, r.losses, r.ties, r.both_bad, r.separated,
                     interval_bar(axis, r.ci_low, r.ci_high, r.rating))
            for r in (board.row(m) for m in members))
        matrix = tuple(tuple(_cell(board, x, y, names) for y in members) for x in members)
        groups.append(BoardGroup(number, rows, matrix))
    return tuple(groups)


def _bias(board: Leaderboard) -> tuple[str, IntervalBar | None]:
    bias = board.position_bias
    if bias.rate is None or bias.ci_low is None or bias.ci_high is None:
        return "", None
    ties = f"; {bias.ties} battle{'s' if bias.ties != 1 else ''} had no winner" \
        if bias.ties else ""
    text = (f"The answer shown first won {100 * bias.rate:.0f} % of {bias.decisive} "
            f"battle{'s' if bias.decisive != 1 else ''} with a winner (95 % CI "
            f"{100 * bias.ci_low:.0f}–{100 * bias.ci_high:.0f} %){ties}.")
    return text, IntervalBar(100 * bias.ci_low, 100 * bias.ci_high, 100 * bias.rate)


def _agreement(found: Sequence[Agreement], scrub: Scrubber) -> tuple[AgreementRow, ...]:
    rows = []
    for a in found:
        decisive = f"{a.decisive_agreed} of {a.decisive}"
        if a.decisive_rate is not None:
            decisive += f" ({100 * a.decisive_rate:.0f} %)"
        rows.append(AgreementRow(
            scrub.content(a.judge), a.pairs, a.agreed,
            f"{100 * a.rate:.0f} %" if a.rate is not None else "–", decisive,
            f"{a.kappa:.2f}" if a.kappa is not None else "–"))
    return tuple(rows)


def interval_method(data: BoardData) -> str:
    options = data.query.options
    if options.interval == "bootstrap":
        return (f"95 % intervals from {options.rounds} bootstrap rounds over the votes "
                f"(seed {options.seed})")
    return "95 % intervals from the robust (sandwich) covariance"


def _dates(data: BoardData) -> str:
    f = data.query.filters
    if f.since is not None and f.until is not None:
        return f"from {when(f.since)} until {when(f.until)}"
    if f.since is not None:
        return f"from {when(f.since)}"
    if f.until is not None:
        return f"until {when(f.until)}"
    return "any"


def _voter(data: BoardData, scrub: Scrubber) -> str:
    f = data.query.filters
    if f.voter_kind == "user":
        return "yours"
    if f.voter_kind == "judge":
        return f"the judge model {scrub.content(f.voter)}" if f.voter else "the judge models'"
    return "yours and the judge models'"


def filter_facts(data: BoardData, scrub: Scrubber) -> tuple[Fact, ...]:
    """The filters and fitting options, in words."""
    f, options = data.query.filters, data.query.options
    cast = "–"
    if data.first_vote is not None and data.last_vote is not None:
        cast = f"{when(data.first_vote)} – {when(data.last_vote)}"
    style = ", ".join(_FEATURES.get(s.feature, s.feature) for s in data.board.style)
    facts = [
        Fact("Votes", _voter(data, scrub)),
        Fact("Collection", scrub.content(data.collection) if data.collection else "all"),
        Fact("Tag", scrub.content(f.tag) if f.tag else "any"),
        Fact("Judged", {"answers": "the answers", "pages": "the pages"}.get(
            f.judged or "", "answers and pages")),
        Fact("Dates", _dates(data)),
        Fact("Cast", cast),
        Fact("Intervals", interval_method(data)),
        Fact("Style control", (f"on: {style}" if style else "on (no lengths to use)")
             if options.style_control else "off"),
        Fact("Contestants", "one per model, whatever its settings" if options.merge_settings
             else "each model with its settings"),
    ]
    return tuple(facts)


def leaderboard_section(data: BoardData, scrub: Scrubber | None = None) -> LeaderboardSection:
    scrub = scrub or Scrubber()
    board = data.board
    names = {r.model: scrub.content(r.model) for r in board.models}
    axis = rating_axis(board.models)
    bias_text, bias = _bias(board)
    judged_too = data.query.filters.voter_kind != "user"
    title = "Leaderboard"
    if data.collection:
        title += f" — {scrub.content(data.collection)}"
    return LeaderboardSection(
        title=title, filters=filter_facts(data, scrub), battles=board.battles,
        votes=board.votes, interval=interval_method(data), axis=axis,
        groups=_groups(board, axis, names), position_bias=bias_text, bias=bias,
        style=tuple(EffectRow(_FEATURES.get(s.feature, s.feature), f"{s.points:+.0f}",
                              f"{SCALE * s.ci_low:+.0f} to {SCALE * s.ci_high:+.0f}")
                    for s in board.style),
        agreement=_agreement(data.agreement, scrub) if judged_too else None,
        notes=board.notes)


def leaderboard_document(data: BoardData, *, scrub: Scrubber | None = None,
                         now: float | None = None) -> ReportDocument:
    """The report of a leaderboard (a board with at least one model)."""
    section = leaderboard_section(data, scrub)
    exported = time.time() if now is None else now
    models, battles = section.models, section.battles
    subtitle = (f"{models} model{'s' if models != 1 else ''} · {battles} battle"
                f"{'s' if battles != 1 else ''} from {section.votes} vote"
                f"{'s' if section.votes != 1 else ''}")
    if len(section.groups) > 1:
        subtitle += f" · {len(section.groups)} groups that never met"
    return ReportDocument(
        title=section.title, subtitle=subtitle,
        created_at=data.last_vote if data.last_vote is not None else exported,
        exported_at=exported, generator=f"{APP_NAME} {__version__}", blind=False,
        sections=(section,), created_label="last vote")
