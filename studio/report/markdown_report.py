"""A report as Markdown: the answers as the models wrote them, a table of figures per prompt,
and the page screenshots as PNG files the text links to; a batch's matrix (batch_markdown);
a leaderboard's tables (board_markdown).

Markdown cannot run pages or keep a secret, so a blind Markdown report simply leaves the
model names out (there is no "reveal").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from studio.report.batch_markdown import batch_blocks
from studio.report.board_markdown import leaderboard_blocks
from studio.report.model import (
    AnswerView,
    BatchSection,
    LeaderboardSection,
    ReportDocument,
    RunSection,
    Sealed,
    Text,
    TurnView,
)
from studio.report.texts import stars, when
from studio.report.texts import table_cell as _cell

_HIDDEN = "hidden"


@dataclass(frozen=True, slots=True)
class MarkdownReport:
    text: str
    files: dict[str, bytes] = field(default_factory=dict)  # relative path → content


def _plain(value: Text) -> str:
    return _HIDDEN if isinstance(value, Sealed) else value


def _quote(text: str) -> str:
    return "\n".join(f"> {line}".rstrip() for line in text.splitlines() or [""])


def _fenced(text: str, info: str = "text") -> str:
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{text.rstrip()}\n{fence}"


class _Writer:
    def __init__(self, doc: ReportDocument, image_dir: str) -> None:
        self.doc = doc
        self.image_dir = image_dir.strip("/")
        self.out: list[str] = []
        self.files: dict[str, bytes] = {}

    def add(self, *blocks: str) -> None:
        self.out.extend(blocks)

    def document(self) -> MarkdownReport:
        doc = self.doc
        self.add(f"# {doc.title}",
                 f"{doc.subtitle} · {doc.created_label} {when(doc.created_at)} · exported "
                 f"{when(doc.exported_at)} with {doc.generator}")
        for section in doc.sections:
            # One writer per kind of section, as the HTML has one template per kind.
            if isinstance(section, RunSection):
                self.run(section)
            elif isinstance(section, BatchSection):
                blocks, files = batch_blocks(section, self.image_dir, doc.blind)
                self.add(*blocks)
                self.files.update(files)
            elif isinstance(section, LeaderboardSection):
                blocks, files = leaderboard_blocks(section, self.image_dir)
                self.add(*blocks)
                self.files.update(files)
            else:
                raise TypeError(f"no Markdown writer for {section.kind!r} sections")
        return MarkdownReport("\n\n".join(self.out).rstrip() + "\n", self.files)

    def run(self, section: RunSection) -> None:
        if section.system:
            self.add("**System prompt**", _quote(section.system))
        if section.template:
            self.add("**The prompt as written**", _quote(section.template))
            if section.variables:
                rows = "\n".join(f"| {_cell(k)} | {_cell(v)} |"
                                 for k, v in section.variables.items())
                self.add(f"| Variable | Value |\n|---|---|\n{rows}")
        rows = "\n".join(f"| {_cell(c.label)} | {_cell(_plain(c.settings))} |"
                         for c in section.models)
        self.add("## Models", f"| Model | Settings |\n|---|---|\n{rows}")
        for turn in section.turns:
            self.turn(turn, several=len(section.turns) > 1)

    def turn(self, turn: TurnView, several: bool) -> None:
        heading = f"## Prompt {turn.number}" if several else "## Prompt"
        if turn.number > 1:
            heading += " (follow-up)"
        if turn.branches > 1:
            heading += f" — branch {turn.branch} of {turn.branches}"
        self.add(heading, _quote(turn.prompt))
        if turn.files:
            self.add("Sent with: " + ", ".join(_cell(f) for f in turn.files))
        header = ("| Model | State | TTFT | tok/s | Total | Tokens in | Tokens out | Cost "
                  "| Rating |\n|---|---|---|---|---|---|---|---|---|")
        rows = []
        for a in turn.answers:
            if not a.asked:
                rows.append(f"| {_cell(a.label)} | not asked | – | – | – | – | – | – | – |")
                continue
            f = a.figures
            rating = stars(a.rating) if a.rating is not None else "–"
            figures = ([f.ttft, f.rate, f.total, f.tokens_in, f.tokens_out, _plain(f.cost)]
                       if f else ["–"] * 6)
            rows.append("| " + " | ".join(_cell(x) for x in [a.label, a.state, *figures, rating])
                        + " |")
        self.add(header + "\n" + "\n".join(rows))
        for answer in turn.answers:
            if answer.asked:
                self.answer(answer)

    def answer(self, a: AnswerView) -> None:
        self.add(f"### {a.label}")
        facts = [a.state]
        settings = _plain(a.settings)
        if settings and not self.doc.blind:
            facts.append(settings)
        if a.attempts > 1:
            facts.append(f"attempt {a.attempt + 1} of {a.attempts}")
        facts.extend(a.badges)
        self.add("_" + " · ".join(facts) + "_")
        if a.error is not None:
            status = f" (HTTP {a.error.status})" if a.error.status else ""
            message = "" if isinstance(a.error.message, Sealed) else f": {a.error.message}"
            self.add(f"**Failed** — {a.error.kind.replace('_', ' ')}{status}{message}")
        if a.rating is not None or a.rating_note:
            shown = stars(a.rating) if a.rating is not None else ""
            self.add(f"Rating: {shown}{' — ' + a.rating_note if a.rating_note else ''}".strip())
        page = a.page
        if page is not None:
            edited = f" (your edit, revision {page.revision})" if page.revision else ""
            if page.screenshot is not None:
                name = f"{self.image_dir}/{page.key}.{page.screenshot.extension}"
                self.files[name] = page.screenshot.data
                self.add(f"![Screenshot of the page of {a.label}{edited}]({name})")
            else:
                self.add(f"_Page{edited}: {page.missing}_")
        if a.text.strip():
            self.add(a.text.strip())
        elif a.state == "done":
            self.add("_The answer is empty._")
        if a.reasoning.strip():
            self.add("<details><summary>Reasoning</summary>", _fenced(a.reasoning), "</details>")


def render_markdown(doc: ReportDocument, *, image_dir: str) -> MarkdownReport:
    """The Markdown text and the screenshot files it links to (paths under `image_dir`,
    relative to the Markdown file)."""
    return _Writer(doc, image_dir).document()
