"""A batch as Markdown: the model set, the matrix as a table (each cell its thumbnail, state,
figures and checks as ✓ ✗ ·), the per-model totals as its last line, then per row its
prompt and the reasons of the checks that did not pass and of the failures. The thumbnails
are PNG files beside the text; the answers themselves are left to the HTML report and the
history (a batch has hundreds)."""

from __future__ import annotations

from studio.report.model import BatchCellView, BatchRowView, BatchSection, Sealed, Text
from studio.report.texts import stars, table_cell

PROMPT_IN_TABLE = 160  # characters of a row's prompt in the matrix (the whole one below it)


def _plain(value: Text) -> str:
    return "hidden" if isinstance(value, Sealed) else value


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _one_line(text: str, limit: int) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _checks(cell: BatchCellView) -> str:
    return " ".join(f"{c.mark} {table_cell(c.name)}" for c in cell.checks)


def _cell(cell: BatchCellView, image_dir: str, files: dict[str, bytes]) -> str:
    parts = []
    page = cell.page
    if page is not None and page.screenshot is not None:
        name = f"{image_dir}/{cell.key}.{page.screenshot.extension}"
        files[name] = page.screenshot.data
        parts.append(f"![{table_cell(cell.label)}, row {cell.row}]({name})")
    elif page is not None:
        parts.append("_no screenshot_")
    state = cell.state
    if cell.error is not None:
        state += f": {cell.error.kind.replace('_', ' ')}"
    if cell.rating is not None:
        state += f" {stars(cell.rating)}"
    parts.append(state)
    f = cell.figures
    if f is not None and (f.ttft, f.rate, _plain(f.cost)) != ("–", "–", "–"):
        cost = _plain(f.cost)
        parts.append(f"{f.ttft} · {f.rate} tok/s" + ("" if cost == "hidden" else f" · {cost}"))
    if cell.checks:
        parts.append(_checks(cell))
    if cell.judging:
        parts.append(cell.judging)
    return "<br>".join(table_cell(p) for p in parts)


def _matrix(section: BatchSection, image_dir: str) -> tuple[str, dict[str, bytes]]:
    files: dict[str, bytes] = {}
    lines = [_row(["#", "Prompt", *(table_cell(m.label) for m in section.models)]),
             "|--:|---|" + "---|" * len(section.models)]
    for row in section.rows:
        title = f"**{table_cell(row.title)}**"
        values = ", ".join(f"{k}={v}" for k, v in row.variables.items())
        prompt = [title] + ([table_cell(values)] if values else []) + [
            table_cell(_one_line(row.prompt, PROMPT_IN_TABLE))]
        lines.append(_row([str(row.number), "<br>".join(prompt),
                           *(_cell(c, image_dir, files) for c in row.cells)]))
    totals = []
    for t in section.totals:
        cost = _plain(t.cost)
        spent = [] if cost == "hidden" else [f"cost {cost}"]
        if t.judging:  # beside the answers' cost, or alone when that is sealed
            spent = [f"{spent[0]} + {t.judging}"] if spent else [t.judging]
        totals.append("<br>".join(table_cell(x) for x in [
            *spent, f"median TTFT {t.ttft}",
            f"failures {t.failed}", f"checks passed {t.pass_rate}",
            f"mean rating {t.rating}"]))
    lines.append(_row(["", "**Totals**", *totals]))
    return "\n".join(lines), files


def _quote(text: str) -> str:
    return "\n".join(f"> {line}".rstrip() for line in text.splitlines() or [""])


def _row_notes(row: BatchRowView) -> list[str]:
    """What did not go well in the row, with the reasons: failures and checks not passed."""
    items = []
    for cell in row.cells:
        if not cell.answered:
            items.append(f"- **{cell.label}** {cell.state}: the batch did not finish this cell")
        elif cell.state == "stopped":
            items.append(f"- **{cell.label}** stopped before the answer was complete")
        if cell.error is not None:
            status = f" (HTTP {cell.error.status})" if cell.error.status else ""
            message = "" if isinstance(cell.error.message, Sealed) else f": {cell.error.message}"
            items.append(f"- **{cell.label}** failed — {cell.error.kind.replace('_', ' ')}"
                         f"{status}{message}")
        for check in cell.checks:
            if check.passed is not True:
                spent = f" · {check.cost}" if check.cost else ""
                items.append(f"- **{cell.label}** {check.mark} {check.name} — "
                             f"{check.explained}{spent}")
    return items


def batch_blocks(section: BatchSection, image_dir: str, blind: bool
                 ) -> tuple[list[str], dict[str, bytes]]:
    """The section's Markdown blocks and the thumbnails they link to (under `image_dir`)."""
    if blind:
        models = "\n".join(_row([table_cell(m.label)]) for m in section.models)
        blocks = ["## Models", f"| Label |\n|---|\n{models}"]
    else:
        models = "\n".join(_row([table_cell(m.label), table_cell(_plain(m.settings))])
                           for m in section.models)
        blocks = ["## Models", f"| Model | Settings |\n|---|---|\n{models}"]
    blocks += [f"_{note}_" for note in section.notes]
    matrix, files = _matrix(section, image_dir)
    blocks += ["## Matrix",
               "Checks: ✓ passed, ✗ failed, · not run (the reasons are under each row below). "
               "The answers and their pages are in the HTML report and in the studio's history.",
               matrix, "## Rows"]
    for row in section.rows:
        blocks.append(f"### {row.number}. {row.title}")
        if row.variables:
            blocks.append(", ".join(f"`{k}` = {v}" for k, v in row.variables.items()))
        blocks.append(_quote(row.prompt))
        if row.shortened:
            blocks.append(f"_{row.shortened}_")
        if row.system:
            blocks += ["System prompt:", _quote(row.system)]
        notes = _row_notes(row)
        checked = any(c.checks for c in row.cells)
        blocks.append("\n".join(notes) if notes else "Every answer arrived"
                      + (" and passed its checks." if checked else "."))
    return blocks, files
