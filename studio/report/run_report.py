"""A saved comparison as a report section: the branch the app shows, every model's current
answer on it, their pages, figures, errors and ratings.

Nothing here reads pictures: `report_pages` lists the pages a report of the run shows, the
caller finds or takes their screenshots, and `run_document` puts the pictures in.
"""

from __future__ import annotations

import secrets
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence, Set
from dataclasses import dataclass

from studio import APP_NAME, __version__
from studio.core.attachments import human_size
from studio.core.highlight import Theme
from studio.core.markdown_render import WHOLE_LINES, render_full
from studio.core.metrics import Metrics
from studio.core.metrics_text import (
    Badge,
    Standing,
    fmt_cost,
    fmt_rate,
    fmt_seconds,
    fmt_tokens,
    rank_badges,
)
from studio.core.model_sets import ModelSetEntry
from studio.core.request import GenerationSettings
from studio.core.thread import estimated_metrics
from studio.core.variables import find_variables
from studio.report.containment import normalize_page
from studio.report.model import (
    AnswerView,
    ErrorView,
    FigureTexts,
    ModelColumn,
    PageFrame,
    Picture,
    ReportDocument,
    RunSection,
    Sealed,
    Text,
    TurnView,
)
from studio.report.scrub import Scrubber
from studio.store import AttachmentRef, Response, Run, Turn
from studio.store.search import first_line

PageKey = tuple[int, int]  # (response id, page revision)

# Code in answers is highlighted with the app's colours, through CSS variables so the
# report's light/dark switch recolours it (the variables are written from highlight.py).
CSS_THEME = Theme(
    "report", text="var(--code-text)", background="var(--code-bg)", border="var(--border)",
    muted="var(--muted)", link="var(--link)", inline_code_background="var(--inline-code-bg)",
    keyword="var(--hl-keyword)", string="var(--hl-string)", comment="var(--hl-comment)",
    number="var(--hl-number)", builtin="var(--hl-builtin)", tag="var(--hl-tag)",
    attr="var(--hl-attr)")
NO_SCREENSHOT = "No screenshot of this page was kept in the history."
_STATES = {"done": "done", "failed": "failed", "cancelled": "stopped", "waiting": "unfinished",
           "streaming": "unfinished"}


@dataclass(frozen=True, slots=True)
class PageRef:
    """A page a report of the run shows, and whether the store has its screenshot."""

    key: PageKey
    html: str
    label: str  # "turn 2, openai:gpt-5", for messages
    stored: bool


def branch(run: Run) -> list[Turn]:
    """The turns the app shows for the run: from the first to its head."""
    turns = run.branch()
    if not turns and run.turns:  # a run saved before it had a head: its latest path
        turns = run.branch(run.leaves()[-1].id)
    return turns


def report_pages(run: Run) -> list[PageRef]:
    """Every page on the branch shown: each model's current answer's latest page revision
    (once the user has run an edit, the app shows that instead of the extracted page)."""
    refs = []
    for number, turn in enumerate(branch(run), 1):
        for response in turn.current_responses():
            if not response.pages:
                continue
            page = response.pages[-1]
            refs.append(PageRef((int(response.id), page.revision), page.html,
                                f"turn {number}, {response.model}",
                                page.revision in response.screenshot_revisions))
    return refs


class _Sealer:
    """Hands out keys for what a blind report keeps back, and remembers the values."""

    def __init__(self, blind: bool) -> None:
        self.blind = blind
        self.values: dict[str, str] = {}

    def __call__(self, value: str) -> Text:
        if not self.blind:
            return value
        key = f"v{len(self.values)}"
        self.values[key] = value
        return Sealed(key)


def blind_label(index: int) -> str:
    """A, B, … Z, AA, AB …"""
    label = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        label = chr(ord("A") + rest) + label
    return label


def column_labels(entries: Sequence[ModelSetEntry], order: Sequence[int],
                  blind: bool) -> dict[int, str]:
    """Each slot's name in a report: the model, with its settings when the same model is
    there twice (two temperatures), else a number; A, B, C … in `order` when blind."""
    if blind:
        return {slot: blind_label(i) for i, slot in enumerate(order)}
    names = {slot: str(entries[slot].ref) for slot in order}
    twice = Counter(names.values())
    labels = {slot: f"{name} ({entries[slot].settings.summary()})" if twice[name] > 1
              else name for slot, name in names.items()}
    still = Counter(labels.values())
    seen: Counter[str] = Counter()
    for slot in order:
        label = labels[slot]
        if still[label] > 1:
            seen[label] += 1
            labels[slot] = f"{label} #{seen[label]}"
    return labels


def figure_texts(metrics: Metrics, seal: Callable[[str], Text]) -> FigureTexts:
    """An answer's figures as the app's metrics strip writes them (the cost sealed)."""
    return FigureTexts(
        ttft=fmt_seconds(metrics.ttft_s), rate=fmt_rate(metrics.tokens_per_s),
        tokens_in=fmt_tokens(metrics.input_tokens),
        tokens_out=fmt_tokens(metrics.output_tokens, metrics.output_estimated),
        cost=seal(fmt_cost(metrics.cost_usd)), total=fmt_seconds(metrics.total_s))


def _metrics(response: Response) -> Metrics:
    metrics = Metrics(ttft_s=response.ttft_s, total_s=response.total_s,
                      tokens_per_s=response.tokens_per_s, input_tokens=response.input_tokens,
                      output_tokens=response.output_tokens, cost_usd=response.cost_usd)
    return estimated_metrics(metrics, response.text, response.reasoning)


class ColumnsBuilder:
    """What building a report of answers in model columns (a comparison, a batch) keeps:
    the pictures and why some pages have none, the scrubber, the sealer of a blind report,
    the columns' order and each slot's label."""

    def __init__(self, entries: Sequence[ModelSetEntry], pictures: Mapping[PageKey, Picture],
                 missing: Mapping[PageKey, str], held: Set[PageKey], scrub: Scrubber,
                 blind: bool, order: Sequence[int]) -> None:
        self.entries = entries
        self.pictures = pictures
        self.missing = missing
        self.held = held
        self.scrub = scrub
        self.blind = blind
        self.seal = _Sealer(blind)
        self.order = list(order)
        self.labels = column_labels(entries, self.order, blind)

    def column(self, slot: int) -> ModelColumn:
        entry = self.entries[slot]
        override = entry.settings.system_override
        return ModelColumn(
            label=self.labels[slot], model=self.seal(str(entry.ref)),
            settings=self.seal(entry.settings.summary()),
            system_override=(self.scrub.content(override)
                             if override and not self.blind else None))


class _RunBuilder(ColumnsBuilder):
    def __init__(self, run: Run, pictures: Mapping[PageKey, Picture],
                 missing: Mapping[PageKey, str], held: Set[PageKey], scrub: Scrubber,
                 blind: bool, order: Sequence[int]) -> None:
        super().__init__(run.models, pictures, missing, held, scrub, blind, order)
        self.run = run

    def section(self) -> RunSection:
        run = self.run
        models = tuple(self.column(slot) for slot in self.order)
        turns = tuple(self._turn(n, turn) for n, turn in enumerate(branch(run), 1))
        template = run.body if find_variables(run.body) else None
        return RunSection(
            title=self.scrub.content(run.title or first_line(run.body)),
            system=self.scrub.content(run.system) if run.system else None,
            template=self.scrub.content(template) if template else None,
            variables={k: self.scrub.content(v) for k, v in run.variables.items()},
            models=models, turns=turns)

    def _turn(self, number: int, turn: Turn) -> TurnView:
        siblings = self.run.children(turn.parent_id)
        current = {r.slot: r for r in turn.current_responses()}
        standings = [Standing(slot, r.state == "done", _metrics(r), len(r.text))
                     for slot, r in current.items()]
        badges = rank_badges(standings)
        answers = []
        for slot in self.order:
            response = current.get(slot)
            if response is None:
                answers.append(AnswerView(label=self.labels[slot], model=self.seal(
                    str(self.run.models[slot].ref)), settings="", asked=False))
                continue
            answers.append(self._answer(number, response, len(turn.attempts(slot)),
                                        badges.get(slot, set())))
        return TurnView(number=number, prompt=self.scrub.content(turn.prompt),
                        branch=[t.id for t in siblings].index(turn.id) + 1,
                        branches=len(siblings), answers=tuple(answers),
                        files=self._files(turn))

    def _files(self, turn: Turn) -> tuple[str, ...]:
        def described(ref: AttachmentRef) -> str:
            return (f"{self.scrub.content(ref.name)} ({ref.media_type}, "
                    f"{human_size(ref.size)})")

        files = [described(ref) for ref in turn.attachments]
        for slot in self.order:
            files += [f"{described(ref)} to {self.labels[slot]} only"
                      for ref in turn.own_attachments.get(slot, ())]
        return tuple(files)

    def _answer(self, number: int, response: Response, attempts: int,
                badges: set[Badge]) -> AnswerView:
        scrub = self.scrub
        text = scrub.content(response.text)
        metrics = _metrics(response)
        settings = GenerationSettings.from_dict(dict(response.settings)).summary()
        error = None
        if response.error is not None:
            error = ErrorView(response.error.kind, response.error.status,
                              self.seal(scrub.message(response.error.message)))
        if self.blind:
            badges = badges - {Badge.CHEAPEST}  # a price tells the model apart
        return AnswerView(
            label=self.labels[response.slot], model=self.seal(response.model),
            settings=self.seal(settings), state=_STATES.get(response.state, response.state),
            text=text, html=render_full(text, CSS_THEME, code_links=False,
                                        line_limit=WHOLE_LINES) if text else "",
            reasoning=scrub.content(response.reasoning),
            figures=figure_texts(metrics, self.seal),
            badges=tuple(b.value for b in Badge if b in badges), error=error,
            rating=response.rating, rating_note=scrub.content(response.rating_note),
            attempt=response.attempt, attempts=attempts,
            page=self._page(number, response))

    def _page(self, number: int, response: Response) -> PageFrame | None:
        if not response.pages:
            return None
        page = response.pages[-1]
        key = (int(response.id), page.revision)
        column = self.order.index(response.slot) + 1
        return PageFrame(key=f"page-{number}-{column}",
                         html=self.scrub.content(normalize_page(page.html)),
                         revision=page.revision, screenshot=self.pictures.get(key),
                         missing=self.missing.get(key, NO_SCREENSHOT), held=key in self.held)


def run_document(run: Run, *, pictures: Mapping[PageKey, Picture] | None = None,
                 missing: Mapping[PageKey, str] | None = None,
                 held: Set[PageKey] = frozenset(), blind: bool = False,
                 scrub: Scrubber | None = None, now: float | None = None) -> ReportDocument:
    """The report of a saved comparison. `pictures`: the screenshots to show, by page;
    `missing`: why a page has none; `held`: pages that hung or crashed when their screenshot
    was taken, which the reader starts by hand. A blind report names the models A, B, C …
    in an order of its own; their names, settings and costs are sealed (see
    ReportDocument.sealed)."""
    order = list(range(len(run.models)))
    if blind:  # the order of the columns must not tell the models apart either
        secrets.SystemRandom().shuffle(order)
    builder = _RunBuilder(run, pictures or {}, missing or {}, held, scrub or Scrubber(), blind,
                          order)
    section = builder.section()
    turns = len(section.turns)
    subtitle = (f"{len(run.models)} model{'s' if len(run.models) != 1 else ''} · "
                f"{turns} prompt{'s' if turns != 1 else ''}")
    if blind:
        subtitle += " · blind: the models are named A, B, C …"
    return ReportDocument(
        title=section.title, subtitle=subtitle, created_at=run.created_at,
        exported_at=time.time() if now is None else now,
        generator=f"{APP_NAME} {__version__}", blind=blind, sections=(section,),
        sealed=dict(builder.seal.values))
