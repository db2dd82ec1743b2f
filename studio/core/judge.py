"""A judge model grades an answer against a rubric and answers in strict JSON.

The judge gets the prompt, the answer and — when its check allows it and a screenshot
could be taken — the page's screenshot. It is asked for exactly
`{"pass": true|false, "score": 0..1, "reason": "…"}`; the reply is read robustly (code
fences, `<think>` blocks, text around the object, "yes"/"no" strings, scores out of 10 or
100), and a reply that still is not that object is a failed check whose reason quotes it.
A judge whose preset says it takes no pictures gets the text alone; one that refuses them
(HTTP 400) is asked once more with the text alone.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from studio.core.attachments import Attachment, accepts_images
from studio.core.catalog import CatalogError, ProviderRegistry, parse_model_ref
from studio.core.checks import Check, CheckResult, JudgeSpend, Subject, not_run
from studio.core.events import ErrorKind
from studio.core.request import ChatRequest, GenerationSettings, Message
from studio.core.runner import Admission, Engine, ModelRun, ModelState, ModelTarget

JUDGE_SYSTEM = (
    "You are a strict, impartial evaluator of answers written by AI models. You grade one "
    "answer against the rubric you are given and reply with a single JSON object and "
    "nothing else.")
MAX_ANSWER_CHARS = 60_000  # a judge's context is not unlimited; the start says most
_THINK_RE = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)
_TRUE = frozenset({"true", "yes", "pass", "passed", "ok"})
_FALSE = frozenset({"false", "no", "fail", "failed"})

TargetResolver = Callable[[str], ModelTarget]


def registry_resolver(registry: ProviderRegistry) -> TargetResolver:
    """Judge models named "provider:model", with the registry's provider settings; a bad
    name or an unknown provider is a CatalogError."""
    from studio.core.validation import InputError, check_model_id

    def resolve(text: str) -> ModelTarget:
        ref = parse_model_ref(text)
        try:
            check_model_id(ref.model)
        except InputError as exc:
            raise CatalogError(str(exc)) from None
        return ModelTarget(ref, registry.get(ref.provider))

    return resolve


def judge_prompt(check: Check, subject: Subject, with_image: bool) -> str:
    answer = subject.text
    if len(answer) > MAX_ANSWER_CHARS:
        answer = answer[:MAX_ANSWER_CHARS] + f"\n[… {len(subject.text) - MAX_ANSWER_CHARS:,}" \
                                             " more characters not shown]"
    parts = [
        "Grade the answer below against the rubric.",
        f"<rubric>\n{check.value}\n</rubric>",
        f"<prompt>\n{subject.prompt}\n</prompt>",
    ]
    if subject.system:
        parts.append(f"<system_prompt>\n{subject.system}\n</system_prompt>")
    parts.append(f"<answer>\n{answer}\n</answer>")
    if with_image:
        parts.append("The attached image is a screenshot of the HTML page from the answer, "
                     "as it rendered in a browser.")
    elif subject.html is not None:
        parts.append("(The answer holds an HTML page; no screenshot of it is available.)")
    parts.append('Reply with only this JSON object, no other text: {"pass": true or false, '
                 '"score": a number from 0 to 1, "reason": "one or two sentences"}')
    return "\n\n".join(parts)


@dataclass(frozen=True, slots=True)
class Verdict:
    passed: bool
    score: float | None
    reason: str


class MalformedVerdict(ValueError):
    pass


def _bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    return None


def _score(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        text = value.strip().rstrip("%")
        try:
            value = float(text)
        except ValueError:
            return None
    if not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        return None
    number = float(value)
    if number <= 1:
        return number
    if number <= 10:
        return number / 10  # a score out of 10
    if number <= 100:
        return number / 100  # a percentage
    return None


def _objects(text: str) -> list[dict[str, Any]]:
    """Every JSON object that starts somewhere in `text`, in order."""
    decoder = json.JSONDecoder()
    found: list[dict[str, Any]] = []
    for match in re.finditer(r"\{", text):
        try:
            value, _end = decoder.raw_decode(text, match.start())
        except ValueError:
            continue
        if isinstance(value, dict):
            found.append(value)
    return found


def parse_verdict(text: str, threshold: float | None = None) -> Verdict:
    """The judge's JSON answer; raises MalformedVerdict when there is none."""
    cleaned = _THINK_RE.sub("", text)
    for data in _objects(cleaned):
        lowered = {str(k).strip().lower(): v for k, v in data.items()}
        passed = _bool(lowered.get("pass", lowered.get("passed", lowered.get("verdict"))))
        score = _score(lowered.get("score"))
        reason = lowered.get("reason", lowered.get("reasoning", lowered.get("explanation")))
        if passed is None and score is None:
            continue
        if threshold is not None and score is not None:
            passed = score >= threshold
        elif passed is None:
            passed = score is not None and score >= 0.5
        return Verdict(passed, score, str(reason).strip() if reason is not None else "")
    shown = " ".join(text.split())
    shown = shown if len(shown) <= 200 else shown[:199] + "…"
    raise MalformedVerdict(f'the judge did not answer with {{"pass", "score", "reason"}} '
                           f"JSON: {shown!r}" if shown else "the judge's answer was empty")


def judge_spend(runs: list[ModelRun]) -> JudgeSpend:
    """What a judge's requests for one check cost, priced by the engine like any answer.

    A request refused before anything was generated (an error status, no token counts) is
    not billed and adds nothing; one that generated text but reported no usage, or a judge
    with no price, makes the cost unknown."""
    cost: float | None = 0.0
    tokens_in: int | None = None
    tokens_out: int | None = None
    for run in runs:
        m = run.metrics
        if m.input_tokens is not None:
            tokens_in = (tokens_in or 0) + m.input_tokens
        if m.output_tokens is not None:
            tokens_out = (tokens_out or 0) + m.output_tokens
        if m.cost_usd is not None:
            cost = None if cost is None else cost + m.cost_usd
        elif run.state is not ModelState.FAILED or run.text or m.input_tokens is not None \
                or m.output_tokens is not None:
            cost = None
    return JudgeSpend(cost, tokens_in, tokens_out)


class JudgeClient:
    """Asks judge models through the engine (retries, cancellation, the batch's limits)."""

    def __init__(self, engine: Engine, resolve: TargetResolver,
                 admission: Admission | None = None, default_model: str | None = None) -> None:
        self._engine = engine
        self._resolve = resolve
        self._admission = admission
        self.default_model = default_model

    async def judge(self, check: Check, subject: Subject,
                    screenshot: bytes | None) -> CheckResult:
        name = check.label
        if not subject.ok:
            return not_run(check, f"the answer {subject.problem or 'did not complete'}")
        model = check.model or self.default_model
        if model is None:
            return not_run(check, "no judge model: give the check a model (or --judge)")
        try:
            target = self._resolve(model)
        except (CatalogError, ValueError) as exc:
            return not_run(check, f"judge model {model}: {exc}")
        target = ModelTarget(target.ref, target.config, GenerationSettings(temperature=0.0))
        sees = accepts_images(target.config, target.ref.model) is not False  # never local
        image = screenshot if check.images and screenshot and sees else None
        run = await self._ask(target, check, subject, image)
        runs = [run]
        if run.state is ModelState.FAILED and image is not None and run.error is not None \
                and run.error.kind is ErrorKind.BAD_REQUEST:
            # A judge that takes no pictures refuses the request: judge on the text alone.
            run = await self._ask(target, check, subject, None)
            runs.append(run)
            image = None
        spend = judge_spend(runs)
        if run.state is not ModelState.DONE:
            error = run.error
            why = f"{error.kind.value}: {error.message}" if error is not None else run.state
            return replace(not_run(check, f"the judge's request failed ({why})"[:500]),
                           spend=spend)
        try:
            verdict = parse_verdict(run.text, check.limit)
        except MalformedVerdict as exc:
            return CheckResult(name, False, None, str(exc), spend)
        seen = " (judged with the page's screenshot)" if image is not None else ""
        return CheckResult(name, verdict.passed, verdict.score, verdict.reason + seen, spend)

    async def _ask(self, target: ModelTarget, check: Check, subject: Subject,
                   image: bytes | None) -> ModelRun:
        images = (Attachment("page.png", "image/png", image),) if image is not None else ()
        request = ChatRequest(target.ref.model, (Message(
            "user", judge_prompt(check, subject, image is not None), images),),
            JUDGE_SYSTEM, target.settings)
        session = self._engine.start([(target, request)], admission=self._admission)
        await session.finish()
        return session.runs[0]
