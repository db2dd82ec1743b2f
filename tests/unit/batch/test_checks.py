"""Checks on an answer: every kind passes, fails or is not run for the right reason."""

from __future__ import annotations

import pytest

from studio.core.checks import (
    Check,
    CheckError,
    CheckResult,
    JudgeSpend,
    JudgingCost,
    PageReport,
    Subject,
    check_answer,
    checks_from_json,
    judging_cost,
    needs_page,
)

PAGE = "<!doctype html><html><body><canvas></canvas></body></html>"


def subject(text: str = "Here is a <canvas> game", *, html: str | None = PAGE, ok: bool = True,
            cost: float | None = 0.002, ttft: float | None = 0.5,
            total: float | None = 3.0) -> Subject:
    return Subject(prompt="Write a game", system=None, model="o:m", text=text, html=html,
                   ok=ok, problem="" if ok else "failed: rate_limit (HTTP 429)",
                   cost_usd=cost, ttft_s=ttft, total_s=total)


@pytest.mark.parametrize(("check", "passed"), [
    (Check("contains", "canvas"), True),
    (Check("contains", "Canvas"), False),
    (Check("icontains", "CANVAS"), True),
    (Check("icontains", "webgl"), False),
    (Check("not-contains", "TODO"), True),
    (Check("not-contains", "game"), False),
    (Check("has-page"), True),
    (Check("max-cost", limit=0.01), True),
    (Check("max-cost", limit=0.001), False),
    (Check("max-ttft", limit=0.5), True),
    (Check("max-ttft", limit=0.4), False),
    (Check("max-latency", limit=2.5), False),
])
def test_each_kind_passes_or_fails_with_a_reason(check: Check, passed: bool) -> None:
    result = check_answer(check, subject())
    assert result.passed is passed
    assert result.name == check.label and result.reason


def test_an_answer_without_page_fails_has_page_and_a_regex_is_never_searched_here() -> None:
    with pytest.raises(CheckError, match="not evaluated here"):
        check_answer(Check("regex", r"<\w+>"), subject())  # studio.core.regex_search does
    no_page = check_answer(Check("has-page"), subject(html=None))
    assert no_page.passed is False and "no HTML page" in no_page.reason


def test_what_cannot_be_evaluated_is_not_run_never_passed() -> None:
    unknown_cost = check_answer(Check("max-cost", limit=1.0), subject(cost=None))
    assert unknown_cost.passed is None and unknown_cost.reason.startswith("not run:")
    assert "unknown" in unknown_cost.reason
    failed = check_answer(Check("contains", "x"), subject(ok=False))
    assert failed.passed is None and "rate_limit" in failed.reason
    no_ttft = check_answer(Check("max-ttft", limit=1), subject(ttft=None))
    assert no_ttft.passed is None


def test_console_check_uses_the_page_report_or_says_why_it_did_not_run() -> None:
    check = Check("no-console-errors")
    clean = check_answer(check, subject(), PageReport())
    assert clean.passed is True
    errors = ("[error] boom (line 3)", "[error] Uncaught ReferenceError: x (line 9)")
    failing = check_answer(check, subject(), PageReport(errors=errors))
    assert failing.passed is False and "2 console errors" in failing.reason
    assert "boom" in failing.reason
    crashed = check_answer(check, subject(), PageReport(problem="the page crashed: oom"))
    assert crashed.passed is False and "crashed" in crashed.reason
    unavailable = check_answer(check, subject(), None, "no display available")
    assert unavailable.passed is None and unavailable.reason == "not run: no display available"
    assert check_answer(check, subject(html=None), PageReport()).passed is False


def test_variables_are_filled_and_rows_select_checks() -> None:
    check = Check("icontains", "{{game}}", row=1)
    assert check.for_row({"game": "snake"}).value == "snake"
    assert check.applies_to(1) and not check.applies_to(0) and not check.applies_to(None)
    assert Check("contains", "x").applies_to(5)
    assert Check("contains", "x", row=0).applies_to(None)  # a prompt without rows is row 0


def test_json_round_trip_and_labels() -> None:
    checks = (Check("contains", "canvas"), Check("max-cost", limit=0.05, name="cheap"),
              Check("judge", "Is it playable?", limit=0.7, model="openai:gpt-4o",
                    images=False, row=2), Check("no-console-errors"))
    data = [c.to_json() for c in checks]
    assert data[2] == {"kind": "judge", "value": "Is it playable?", "limit": 0.7,
                       "model": "openai:gpt-4o", "images": False, "row": 2}
    assert checks_from_json(data) == checks
    assert [c.label for c in checks] == ["contains 'canvas'", "cheap", "judge openai:gpt-4o",
                                         "no-console-errors"]
    result = CheckResult("cheap", None, None, "not run: x")
    assert CheckResult.from_json(result.to_json()) == result
    assert result.to_json() == {"name": "cheap", "pass": None, "score": None,
                                "reason": "not run: x"}


@pytest.mark.parametrize(("data", "where", "problem"), [
    ({"kind": "spell-check"}, "checks[0].kind", "is not one of"),
    ({"kind": "contains"}, "checks[0]", "needs the text"),
    ({"kind": "regex", "value": "("}, "checks[0]", "invalid regular expression"),
    ({"kind": "max-cost"}, "checks[0]", "non-negative limit"),
    ({"kind": "max-ttft", "limit": -1}, "checks[0]", "non-negative limit"),
    ({"kind": "max-cost", "limit": "cheap"}, "checks[0].limit", "expected a number"),
    ({"kind": "judge", "value": " "}, "checks[0]", "needs a rubric"),
    ({"kind": "judge", "value": "r", "limit": 7}, "checks[0]", "between 0 and 1"),
    ({"kind": "judge", "value": "r", "model": "gpt"}, "checks[0]", "PROVIDER:MODEL"),
    ({"kind": "contains", "value": "a", "row": -1}, "checks[0]", "row number"),
    ({"kind": "contains", "value": 3}, "checks[0].value", "expected a string"),
    ("contains", "checks[0]", "expected an object"),
])
def test_bad_checks_are_refused_with_where_and_why(data: object, where: str,
                                                   problem: str) -> None:
    with pytest.raises(CheckError) as caught:
        checks_from_json([data])
    assert caught.value.where == where
    assert problem in caught.value.problem


def test_which_checks_need_the_page_run() -> None:
    assert needs_page([Check("no-console-errors")])
    assert needs_page([Check("judge", "r")])
    assert not needs_page([Check("judge", "r", images=False), Check("has-page")])


def test_a_judges_cost_travels_with_its_result_and_adds_up_apart() -> None:
    spent = CheckResult("judge j:m", True, 0.9, "fine", JudgeSpend(0.0012, 400, 30))
    assert spent.to_json() == {"name": "judge j:m", "pass": True, "score": 0.9,
                               "reason": "fine", "cost_usd": 0.0012,
                               "usage": {"input_tokens": 400, "output_tokens": 30}}
    assert CheckResult.from_json(spent.to_json()) == spent
    unknown = CheckResult("judge j:x", False, None, "no", JudgeSpend(None))
    assert CheckResult.from_json(unknown.to_json()) == unknown
    plain = CheckResult("contains 'x'", True, None, "found")
    assert "cost_usd" not in plain.to_json()  # no model was asked
    assert CheckResult.from_json({"name": "j", "pass": True, "cost_usd": "free",
                                  "usage": [1]}).spend == JudgeSpend(None)
    assert judging_cost([plain]) == JudgingCost() and JudgingCost().text() == ""
    assert judging_cost([spent, plain]).text() == "judging $0.0012"
    assert judging_cost([spent, unknown, spent]).text() == "judging $0.0024 + 1 unknown"
    assert judging_cost([unknown]).text() == "judging cost unknown"
