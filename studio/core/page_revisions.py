"""Revisions of an answer's page: the extracted original (0) and the user's edits (1, 2, …).

The page editor talks to a `RevisionStore`; the app adapts the database to it for saved
answers, and `MemoryRevisions` holds the edits of an answer that is not saved yet.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from typing import NamedTuple, Protocol, runtime_checkable

ORIGINAL = 0


class Revision(NamedTuple):
    number: int  # 0 = the page as extracted from the answer; edits start at 1
    html: str
    note: str
    created: float  # seconds since the epoch


@runtime_checkable
class RevisionStore(Protocol):
    def revisions(self) -> list[Revision]:
        """Every revision, oldest first (revision 0 first when the answer had a page)."""
        ...

    def add(self, html: str, note: str = "") -> int:
        """Keep `html` as the next revision; returns its number."""
        ...


@runtime_checkable
class ScreenshotSink(Protocol):
    """A revision store that can also keep a picture of each revision."""

    def save_screenshot(self, number: int, png: bytes) -> None: ...


class MemoryRevisions:
    """Revisions of an answer that has not been saved; `migrate_edits` moves them later."""

    def __init__(self, original_html: str | None,
                 clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._items: list[Revision] = []
        if original_html is not None:
            self._items.append(Revision(ORIGINAL, original_html, "", clock()))
        self.screenshots: dict[int, bytes] = {}

    def revisions(self) -> list[Revision]:
        return list(self._items)

    def add(self, html: str, note: str = "") -> int:
        number = max((r.number for r in self._items), default=0) + 1
        self._items.append(Revision(number, html, note, self._clock()))
        return number

    def save_screenshot(self, number: int, png: bytes) -> None:
        self.screenshots[number] = png


def migrate_edits(source: RevisionStore, target: RevisionStore) -> dict[int, int]:
    """Copy the edits (not the original) of `source` into `target`, e.g. once the answer
    is saved; returns old number → new number."""
    moved: dict[int, int] = {}
    for revision in source.revisions():
        if revision.number != ORIGINAL:
            moved[revision.number] = target.add(revision.html, revision.note)
    return moved


def revision_label(number: int) -> str:
    return "Original" if number == ORIGINAL else f"Edit {number}"


_LINE_BREAK = re.compile(r"\r\n?")


def normalize_source(html: str) -> str:
    """The text as an editor holds it: an editor turns CR LF and lone CR into LF."""
    return _LINE_BREAK.sub("\n", html)


def same_source(a: str, b: str) -> bool:
    return a == b or normalize_source(a) == normalize_source(b)


def matching_revision(revisions: Sequence[Revision], html: str) -> int | None:
    """The newest revision whose page is `html` (line endings aside), or None."""
    for revision in reversed(revisions):
        if same_source(revision.html, html):
            return revision.number
    return None


def previous_revision(revisions: Sequence[Revision], number: int) -> int:
    """The revision before `number` (itself when it is the first)."""
    numbers = [r.number for r in revisions]
    if number not in numbers:
        return numbers[-1] if numbers else number
    index = numbers.index(number)
    return numbers[index - 1] if index > 0 else number


_BACKTICK_RUN = re.compile(r"`{3,}")


def _fence_for(text: str) -> str:
    # A fence must be longer than any run of backticks inside, or the page would end it.
    longest = max((len(m.group()) for m in _BACKTICK_RUN.finditer(text)), default=0)
    return "`" * max(3, longest + 1)


def follow_up_with_page(prompt: str, html: str) -> str:
    """A follow-up prompt that carries the user's edited page after the request."""
    page = normalize_source(html).strip("\n")
    fence = _fence_for(page)
    block = f"Here is my current version:\n{fence}html\n{page}\n{fence}"
    request = prompt.strip()
    return f"{request}\n\n{block}" if request else block
