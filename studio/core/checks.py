"""Checks on an answer: text, page, cost and timing checks, and a judge model with a rubric.

A `Check` is stored with its prompt and travels with collection files. Evaluating one gives
a `CheckResult`: passed, failed, or not run (`passed is None`) with the reason — a check
that cannot be evaluated here (no display to run the page, no price for the model) says so
and never passes by default. The page checks look at a `PageReport` that the caller obtains
from a `PageRunner` (the preview sandbox, which lives in the UI layer); the judge is asked
through `studio.core.judge.JudgeClient`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal, Protocol, cast, get_args

from studio.core.variables import fill_variables

CheckKind = Literal["contains", "not-contains", "icontains", "regex", "has-page",
                    "no-console-errors", "max-cost", "max-ttft", "max-latency", "judge"]
CHECK_KINDS: tuple[CheckKind, ...] = get_args(CheckKind)

_TEXT_KINDS = frozenset({"contains", "not-contains", "icontains", "regex"})
_LIMIT_UNITS = {"max-cost": "USD", "max-ttft": "s", "max-latency": "s"}
MAX_VALUE_CHARS = 100_000  # a rubric or a needle; longer is surely a mistake
_REASON_CHARS = 500


class CheckError(ValueError):
    """A check that cannot be stored or used; `where` names the entry, e.g. checks[2].kind."""

    def __init__(self, problem: str, where: str = "") -> None:
        super().__init__(f"{where}: {problem}" if where else problem)
        self.where = where
        self.problem = problem


@dataclass(frozen=True, slots=True)
class Check:
    """One check of a prompt.

    `value` is the text to look for, the regular expression (Python syntax, searched
    anywhere in the answer) or the judge's rubric; `{{variables}}` in it are filled with
    the row's values. `limit` is the bound of a max-* check (USD or seconds) and, for a
    judge, the score (0–1) at or above which it passes. `row` limits the check to one
    variable row of its prompt (None: every row).
    """

    kind: CheckKind
    value: str = ""
    limit: float | None = None
    model: str | None = None  # the judge, "provider:model"
    images: bool = True  # the judge also gets the page's screenshot when one can be taken
    row: int | None = None
    name: str = ""

    def __post_init__(self) -> None:
        validate(self)

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        if self.kind in _TEXT_KINDS:
            shown = self.value if len(self.value) <= 40 else self.value[:39] + "…"
            return f"{self.kind} {shown!r}"
        if self.kind in _LIMIT_UNITS:
            unit = _LIMIT_UNITS[self.kind]
            bound = f"${self.limit:g}" if unit == "USD" else f"{self.limit:g} s"
            return f"{self.kind.removeprefix('max-')} ≤ {bound}"
        if self.kind == "judge":
            return f"judge {self.model}" if self.model else "judge"
        return self.kind

    def for_row(self, variables: Mapping[str, str]) -> Check:
        """This check as it applies to a row: variables filled into its text."""
        if not self.value or "{{" not in self.value:
            return self
        return replace(self, value=fill_variables(self.value, variables))

    def applies_to(self, row: int | None) -> bool:
        """Whether it checks variable row `row` (None: a prompt without rows, as row 0)."""
        return self.row is None or self.row == (row or 0)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind}
        if self.name:
            data["name"] = self.name
        if self.value:
            data["value"] = self.value
        if self.limit is not None:
            data["limit"] = self.limit
        if self.model is not None:
            data["model"] = self.model
        if self.kind == "judge" and not self.images:
            data["images"] = False
        if self.row is not None:
            data["row"] = self.row
        return data

    @classmethod
    def from_json(cls, data: object, where: str = "check") -> Check:
        if not isinstance(data, dict):
            raise CheckError(f"expected an object, got {type(data).__name__}", where)
        kind = data.get("kind")
        if kind not in CHECK_KINDS:
            raise CheckError(f"{kind!r} is not one of {', '.join(CHECK_KINDS)}", f"{where}.kind")
        value = _text(data.get("value", ""), f"{where}.value")
        name = _text(data.get("name", ""), f"{where}.name")
        model = data.get("model")
        if model is not None:
            model = _text(model, f"{where}.model")
        limit = data.get("limit")
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int | float)):
            raise CheckError(f"expected a number, got {type(limit).__name__}", f"{where}.limit")
        images = data.get("images", True)
        if not isinstance(images, bool):
            raise CheckError("expected true or false", f"{where}.images")
        row = data.get("row")
        if row is not None and (isinstance(row, bool) or not isinstance(row, int)):
            raise CheckError("expected a whole number", f"{where}.row")
        try:
            return cls(cast(CheckKind, kind), value, None if limit is None else float(limit),
                       model, images, row, name)
        except CheckError as exc:
            raise CheckError(exc.problem, where) from None


def _text(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise CheckError(f"expected a string, got {type(value).__name__}", where)
    if "\x00" in value:
        raise CheckError("contains a NUL character", where)
    return value


def validate(check: Check) -> None:
    kind = check.kind
    if kind not in CHECK_KINDS:
        raise CheckError(f"unknown check kind {kind!r}")
    if len(check.value) > MAX_VALUE_CHARS or len(check.name) > 200:
        raise CheckError("the check's text is too long")
    if kind in _TEXT_KINDS and not check.value:
        raise CheckError(f"a {kind} check needs the text to look for")
    if kind == "regex":
        try:
            re.compile(check.value)
        except re.error as exc:
            raise CheckError(f"invalid regular expression {check.value!r}: {exc}") from None
    if kind in _LIMIT_UNITS and (check.limit is None or not math.isfinite(check.limit)
                                 or check.limit < 0):
        raise CheckError(f"a {kind} check needs a non-negative limit ({_LIMIT_UNITS[kind]})")
    if kind == "judge":
        if not check.value.strip():
            raise CheckError("a judge check needs a rubric")
        if check.limit is not None and not 0 <= check.limit <= 1:
            raise CheckError("a judge's pass score is between 0 and 1")
        if check.model is not None and ":" not in check.model:
            raise CheckError(f"the judge model {check.model!r} is not PROVIDER:MODEL")
    if check.row is not None and check.row < 0:
        raise CheckError("a check's row is a row number from 0")


def checks_from_json(data: object, where: str = "checks") -> tuple[Check, ...]:
    if data is None:
        return ()
    if not isinstance(data, list):
        raise CheckError(f"expected an array, got {type(data).__name__}", where)
    return tuple(Check.from_json(item, f"{where}[{i}]") for i, item in enumerate(data))


@dataclass(frozen=True, slots=True)
class JudgeSpend:
    """What asking a judge model for one check cost; never part of the answer's cost."""

    cost_usd: float | None  # None: unknown (no price for the judge, or no token counts)
    input_tokens: int | None = None
    output_tokens: int | None = None


@dataclass(frozen=True, slots=True)
class CheckResult:
    name: str
    passed: bool | None  # None: not run, and `reason` says why
    score: float | None = None
    reason: str = ""
    spend: JudgeSpend | None = None  # a judge's request; None: no model was asked

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "pass": self.passed, "score": self.score,
                                "reason": self.reason}
        if self.spend is not None:
            data["cost_usd"] = self.spend.cost_usd
            data["usage"] = {"input_tokens": self.spend.input_tokens,
                             "output_tokens": self.spend.output_tokens}
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CheckResult:
        passed = data.get("pass")
        spend = None
        if "cost_usd" in data:
            usage = data.get("usage")
            usage = usage if isinstance(usage, Mapping) else {}
            spend = JudgeSpend(_number(data.get("cost_usd")),
                               _count(usage.get("input_tokens")),
                               _count(usage.get("output_tokens")))
        return cls(str(data.get("name", "")), passed if isinstance(passed, bool) else None,
                   _number(data.get("score")), str(data.get("reason", "")), spend)


def _number(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def _count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 \
        else None


@dataclass(frozen=True, slots=True)
class JudgingCost:
    """What the judges of some check results cost, apart from the answers' own cost."""

    asked: int = 0  # judge requests made (checks whose judge was asked)
    cost_usd: float = 0.0  # of those whose cost is known
    unknown: int = 0  # asked, cost not known

    def __add__(self, other: JudgingCost) -> JudgingCost:
        return JudgingCost(self.asked + other.asked, self.cost_usd + other.cost_usd,
                           self.unknown + other.unknown)

    def text(self) -> str:
        """"judging $0.0012", "judging $0.0012 + 1 unknown", "judging unknown"; "" when
        no judge was asked."""
        if not self.asked:
            return ""
        if self.unknown == self.asked:
            return "judging cost unknown"
        cost = f"judging ${self.cost_usd:.4f}"
        return f"{cost} + {self.unknown} unknown" if self.unknown else cost


def judging_cost(results: Iterable[CheckResult]) -> JudgingCost:
    asked = known = 0
    total = 0.0
    for result in results:
        spend = result.spend
        if spend is None:
            continue
        asked += 1
        if spend.cost_usd is not None:
            known += 1
            total += spend.cost_usd
    return JudgingCost(asked, total, asked - known)


def not_run(check: Check, reason: str) -> CheckResult:
    return CheckResult(check.label, None, None, f"not run: {reason}")


@dataclass(frozen=True, slots=True)
class Subject:
    """What the checks look at: one finished answer and the prompt it answered."""

    prompt: str
    system: str | None
    model: str
    text: str
    html: str | None
    ok: bool  # the request succeeded (a failed or stopped answer is not checked)
    problem: str = ""  # why it is not ok, e.g. "failed: rate_limit (HTTP 429)"
    cost_usd: float | None = None
    ttft_s: float | None = None
    total_s: float | None = None


@dataclass(frozen=True, slots=True)
class PageReport:
    """What running a page in the sandbox showed."""

    errors: tuple[str, ...] = ()  # console errors and uncaught exceptions, as shown
    screenshot: bytes | None = None  # PNG, when one could be taken
    problem: str | None = None  # the page did not run: crashed, hung, never loaded
    thumbnail: bytes | None = None  # a small PNG of the screenshot, for grids of pages


class PageRunner(Protocol):
    """Runs pages headless in the preview sandbox; provided by the CLI or the window."""

    def unavailable(self) -> str | None:
        """Why no page can be run here (e.g. no display), or None when pages can run."""
        ...

    async def run_page(self, html: str) -> PageReport: ...


def needs_page(checks: Sequence[Check]) -> bool:
    return any(c.kind == "no-console-errors" or (c.kind == "judge" and c.images)
               for c in checks)


def _short(text: str) -> str:
    return text if len(text) <= _REASON_CHARS else text[:_REASON_CHARS - 1] + "…"


def check_answer(check: Check, subject: Subject, page: PageReport | None = None,
                 page_unavailable: str | None = None) -> CheckResult:
    """Every kind of check but the judge (studio.core.judge) and the regular expression
    (studio.core.regex_search: a pattern may run for minutes, so it is never searched on
    the caller's thread)."""
    name = check.label
    if not subject.ok:
        return not_run(check, f"the answer {subject.problem or 'did not complete'}")
    kind = check.kind
    text = subject.text
    if kind == "contains":
        found = check.value in text
        return CheckResult(name, found, None, "found" if found else
                           f"{check.value!r} is not in the answer")
    if kind == "not-contains":
        found = check.value in text
        return CheckResult(name, not found, None, f"{check.value!r} is in the answer"
                           if found else "not found")
    if kind == "icontains":
        found = check.value.casefold() in text.casefold()
        return CheckResult(name, found, None, "found (ignoring case)" if found else
                           f"{check.value!r} is not in the answer, in any case")
    if kind == "has-page":
        return CheckResult(name, subject.html is not None, None,
                           "the answer holds a page" if subject.html is not None
                           else "no HTML page in the answer")
    if kind == "no-console-errors":
        return _console_check(check, subject, page, page_unavailable)
    if kind in _LIMIT_UNITS:
        return _limit_check(check, subject)
    raise CheckError(f"a {kind} check is not evaluated here")


def regex_result(check: Check, matched: str | None) -> CheckResult:
    """A regex check's result from what its search matched (studio.core.regex_search
    searches, off the event loop and within a time limit)."""
    return CheckResult(check.label, matched is not None, None,
                       f"matched {_short(matched)!r}" if matched is not None
                       else "no match in the answer")


def _console_check(check: Check, subject: Subject, page: PageReport | None,
                   unavailable: str | None) -> CheckResult:
    name = check.label
    if subject.html is None:
        return CheckResult(name, False, None, "no HTML page in the answer to run")
    if page is None:
        return not_run(check, unavailable or "the page was not run")
    if page.problem:
        return CheckResult(name, False, None, _short(page.problem))
    if page.errors:
        count = len(page.errors)
        first = "; ".join(page.errors[:3])
        return CheckResult(name, False, None,
                           _short(f"{count} console error{'s' if count > 1 else ''}: {first}"))
    return CheckResult(name, True, None, "the page ran with no console error")


def _limit_check(check: Check, subject: Subject) -> CheckResult:
    name = check.label
    assert check.limit is not None
    if check.kind == "max-cost":
        value, what = subject.cost_usd, "cost"
        if value is None:
            return not_run(check, f"the cost of {subject.model} is unknown (no price in the "
                                  "price table, or no token counts)")
        shown, bound = f"${value:.4f}", f"${check.limit:g}"
    else:
        value = subject.ttft_s if check.kind == "max-ttft" else subject.total_s
        what = "time to first token" if check.kind == "max-ttft" else "total time"
        if value is None:
            return not_run(check, f"no {what} was measured")
        shown, bound = f"{value:.2f} s", f"{check.limit:g} s"
    ok = value <= check.limit
    return CheckResult(name, ok, None, f"{what} {shown} {'≤' if ok else '>'} {bound}")
