"""The leaderboard as Markdown: the filters, the ratings and the win-rate matrix as tables,
position bias, style effects, the judge's agreement, and the picture of the table with its
interval bars (a file beside the text) for what a table cannot draw."""

from __future__ import annotations

from studio.report.model import BoardGroup, BoardRow, LeaderboardSection
from studio.report.texts import table_cell

CHART = "leaderboard"  # the picture's file name, without its extension
SELF, NEVER_MET = "—", "·"


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(table_cell(c) for c in cells) + " |"


def _model(row: BoardRow) -> str:
    # An asterisk marks a model resting on the prior; escaped, Markdown would italicise.
    return f"{row.model} \\*" if row.separated else row.model


def _ratings(group: BoardGroup) -> str:
    lines = ["| Rank | Model | Rating | 95 % CI | Battles | Wins | Losses | Ties |",
             "|---|---|--:|--:|--:|--:|--:|--:|"]
    for r in group.rows:
        ties = f"{r.ties} ({r.both_bad} both bad)" if r.both_bad else str(r.ties)
        lines.append(_row([r.rank, _model(r), f"{r.rating:.0f}",
                           f"{r.ci_low:.0f}–{r.ci_high:.0f}", str(r.battles), str(r.wins),
                           str(r.losses), ties]))
    return "\n".join(lines)


def _matrix(group: BoardGroup) -> str:
    lines = ["|   | " + " | ".join(table_cell(r.model) for r in group.rows) + " |",
             "|---|" + ":-:|" * len(group.rows)]
    for row, cells in zip(group.rows, group.matrix, strict=True):
        shown = []
        for cell in cells:
            if cell.shade == "self":
                shown.append(SELF)
            elif cell.shade == "none":
                shown.append(NEVER_MET)
            else:
                shown.append(f"{cell.text} ({cell.counts})")
        lines.append(_row([f"**{row.model}**", *shown]))
    return "\n".join(lines)


def leaderboard_blocks(section: LeaderboardSection, image_dir: str
                       ) -> tuple[list[str], dict[str, bytes]]:
    """The section's Markdown blocks and the files they link to (under `image_dir`)."""
    several = len(section.groups) > 1
    facts = "\n".join(_row([f.label, f.value]) for f in section.filters)
    blocks = ["## Votes and method", f"| | |\n|---|---|\n{facts}",
              "Bradley–Terry ratings fitted by maximum likelihood over all battles at once, "
              "as LMArena does: a tie or “both bad” is half a win for each side; 400 / ln 10 "
              f"points per logit, and the ratings of each group average 1000. "
              f"{section.interval}. Rank: the best and worst the intervals allow.",
              "## Ratings"]
    files: dict[str, bytes] = {}
    if several:
        blocks.append(f"{len(section.groups)} groups of models never met each other, "
                      "directly or through others: ratings compare only inside a group.")
    for group in section.groups:
        if several:
            blocks.append(f"### Group {group.number} of {len(section.groups)}")
        blocks.append(_ratings(group))
    if any(r.separated for g in section.groups for r in g.rows):
        blocks.append("\\* won or lost every battle against part of its group: its rating "
                      "rests on the prior.")
    if section.chart is not None:
        name = f"{image_dir}/{CHART}.{section.chart.extension}"
        files[name] = section.chart.data
        blocks.append(f"![The ratings with their 95 % intervals on a common axis]({name})")
    blocks += ["## Win rates",
               "How often the row's model beat the column's in their battles with a winner "
               f"(ties left out), with its wins–losses; {SELF} the model itself, {NEVER_MET} "
               "never met."]
    for group in section.groups:
        if several:
            blocks.append(f"### Group {group.number}")
        blocks.append(_matrix(group))
    blocks += ["## Position bias", section.position_bias or "No battle had a winner yet."]
    if section.style:
        rows = "\n".join(_row([e.name, e.points, e.interval]) for e in section.style)
        blocks += ["## Style control",
                   "Rating points per typical difference in length; the ratings above are "
                   "what is left once these are accounted for.",
                   f"| Covariate | Points | 95 % CI |\n|---|--:|---|\n{rows}"]
    if section.agreement is not None:
        blocks.append("## Judge agreement")
        if section.agreement:
            rows = "\n".join(_row([a.judge, str(a.pairs), str(a.agreed), a.rate, a.decisive,
                                   a.kappa]) for a in section.agreement)
            blocks.append("| Judge | Pairs | Agreed | Rate | Both named a winner: agreed "
                          f"| Cohen's κ |\n|---|--:|--:|--:|---|--:|\n{rows}")
        else:
            blocks.append("No pair was judged both by you and by a judge model.")
    if section.notes:
        blocks += ["## Notes", "\n".join(f"- {note}" for note in section.notes)]
    return blocks, files
