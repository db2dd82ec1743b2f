"""Reading a judge's answer: strict JSON asked for, read robustly, never a crash."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from studio.core.checks import Check, Subject
from studio.core.judge import MalformedVerdict, judge_prompt, parse_verdict


@pytest.mark.parametrize(("text", "passed", "score", "reason"), [
    ('{"pass": true, "score": 0.9, "reason": "Playable."}', True, 0.9, "Playable."),
    ('```json\n{"pass": false, "score": 0.2, "reason": "No ball"}\n```', False, 0.2, "No ball"),
    ('<think>{"pass": true} hmm</think>Verdict: {"pass": false, "score": 0.1, "reason": "x"}',
     False, 0.1, "x"),
    ('Sure! Here it is: {"PASS": "yes", "Score": "8", "Reason": "good"} Thanks.', True, 0.8,
     "good"),
    ('{"passed": "fail", "score": 35, "explanation": "weak"}', False, 0.35, "weak"),
    ('{"score": 0.75}', True, 0.75, ""),
    ('{"score": 0.25, "reason": "meh"}', False, 0.25, "meh"),
    ('{"pass": true, "reason": "fine"}', True, None, "fine"),
    ('{"other": 1} then {"pass": false, "reason": "second object"}', False, None,
     "second object"),
])
def test_verdicts_in_the_shapes_judges_write(text: str, passed: bool, score: float | None,
                                             reason: str) -> None:
    verdict = parse_verdict(text)
    assert (verdict.passed, verdict.score, verdict.reason) == (passed, score, reason)


def test_a_threshold_decides_from_the_score() -> None:
    text = '{"pass": true, "score": 0.6, "reason": "ok"}'
    assert parse_verdict(text, threshold=0.7).passed is False
    assert parse_verdict(text, threshold=0.5).passed is True


@pytest.mark.parametrize("text", ["", "PASS", "I think it passes.", '{"pass": "maybe"}',
                                  '{"score": 500}', "{not json}", '["pass", true]'])
def test_malformed_answers_raise_with_the_answer_quoted(text: str) -> None:
    with pytest.raises(MalformedVerdict) as caught:
        parse_verdict(text)
    message = str(caught.value)
    assert message.startswith("the judge")
    if text.strip():
        assert text.split()[0][:10] in message


@given(st.text(max_size=300))
def test_any_text_gives_a_verdict_or_malformed_never_a_crash(text: str) -> None:
    try:
        verdict = parse_verdict(text)
    except MalformedVerdict:
        return
    assert isinstance(verdict.passed, bool)
    assert verdict.score is None or 0 <= verdict.score <= 1


def test_the_prompt_holds_rubric_prompt_and_answer_and_says_when_a_screenshot_is_attached(
        ) -> None:
    check = Check("judge", "The ball must bounce", model="o:judge")
    subject = Subject(prompt="Ball in a hexagon", system="One file", model="o:m",
                      text="<html>…</html>", html="<html>…</html>", ok=True)
    text = judge_prompt(check, subject, with_image=True)
    for part in ("<rubric>\nThe ball must bounce\n</rubric>", "<prompt>\nBall in a hexagon",
                 "<system_prompt>\nOne file", "<answer>\n<html>…</html>", "screenshot",
                 '{"pass": true or false'):
        assert part in text
    assert "no screenshot of it is available" in judge_prompt(check, subject, with_image=False)
