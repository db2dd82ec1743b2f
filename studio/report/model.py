"""What a report shows, as plain frozen data: a document made of sections.

A `ReportDocument` holds sections of any kind; each kind has its own HTML template
(`resources/report/section-KIND.html.j2`) and its own Markdown writer. Today there is one
kind, a comparison (`RunSection`); a grid batch or a leaderboard become sections of their
own the same way. Values a blind report keeps back until "reveal" are `Sealed` keys into the
document's `sealed` table, never the values themselves.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import ClassVar, Literal, Protocol

Layout = Literal["columns", "stacked"]
ThemeChoice = Literal["auto", "light", "dark"]
LAYOUTS: tuple[Layout, ...] = ("columns", "stacked")
THEMES: tuple[ThemeChoice, ...] = ("auto", "light", "dark")


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

    @property
    def title(self) -> str: ...

    def frames(self) -> Iterator[PageFrame]: ...


@dataclass(frozen=True, slots=True)
class RunSection:
    """A comparison: its prompt, its models and the turns of the branch shown in the app."""

    kind: ClassVar[str] = "run"
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

    def frames(self) -> Iterator[PageFrame]:
        for section in self.sections:
            yield from section.frames()

    def unseal(self, value: Text) -> str:
        return self.sealed.get(value.key, "") if isinstance(value, Sealed) else value
