"""A batch cell's checks as a report shows them: each with its outcome and reason and, for a
judge, what asking the judge cost — apart from the answer's own cost, as the grid window
shows it. A blind report names no model in them: not the columns' (a check's reason may
quote the model it checked) and not the judges' (a judge check is called "judge PROVIDER:MODEL"
unless its author named it).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

from studio.core.batch import Batch
from studio.core.checks import CheckResult, judging_cost
from studio.report.model import CheckView

Unnamer = Callable[[str], str]
JUDGE_WORD = "the judge"
# The label a judge check gets when its author did not name it (studio.core.checks).
_JUDGE_LABEL = re.compile(r"judge [^\s:]+:\S+")
# A cost limit's reason quotes the answer's cost ("cost $0.0090 ≤ $0.01"), which a blind
# report seals: only which side of the limit it fell stays.
_MEASURED_COST = re.compile(r"\bcost \$\d[\d.,]* ([≤>]) ")


def _same(text: str) -> str:
    return text


def _pattern(name: str) -> re.Pattern[str]:
    # A whole name only: "gpt-5" is not replaced inside "gpt-5-mini".
    return re.compile(r"(?<![\w.:/-])" + re.escape(name) + r"(?![\w.:/-])")


def _spellings(ref: str) -> list[str]:
    """A model as texts may write it: "provider:model" and the bare model id."""
    model = ref.split(":", 1)[1] if ":" in ref else ref
    return [ref, model] if model and model != ref else [ref]


def model_unnamer(batch: Batch, labels: Mapping[int, str], blind: bool) -> Unnamer:
    """What takes the model names out of a blind report's check texts: a judge model's name
    becomes "the judge", a column's model its label (A, B …). Judges win: a model that both
    answered and judged is not tied to its column through a judge's message. The cost a
    cost limit's reason quotes goes too (costs are sealed)."""
    if not blind:
        return _same
    judges = {c.model for row in batch.rows for c in row.checks
              if c.kind == "judge" and c.model}
    if batch.judge:
        judges.add(batch.judge)
    names: dict[str, str] = {}
    for slot, entry in enumerate(batch.columns):
        for spelling in _spellings(str(entry.ref)):
            names.setdefault(spelling, labels[slot])
    for judge in judges:
        for spelling in _spellings(judge):
            names[spelling] = JUDGE_WORD
    # Longest first, so a name is never cut by a shorter one it contains.
    patterns = [(_pattern(n), w) for n, w in sorted(names.items(), key=lambda i: -len(i[0]))]

    def unname(text: str) -> str:
        if _JUDGE_LABEL.fullmatch(text):
            return "judge"
        for pattern, word in patterns:
            text = pattern.sub(word, text)
        return _MEASURED_COST.sub(r"cost \1 ", text)

    return unname


def _tokens(result: CheckResult) -> str:
    spend = result.spend
    if spend is None or (spend.input_tokens is None and spend.output_tokens is None):
        return ""
    return f"{spend.input_tokens or 0:,} tokens in, {spend.output_tokens or 0:,} out"


def check_views(results: Iterable[CheckResult], scrub: Callable[[str], str],
                unname: Unnamer) -> tuple[CheckView, ...]:
    """The report's view of a cell's check results, their texts scrubbed (and unnamed)."""
    return tuple(
        CheckView(unname(scrub(r.name)), r.passed, unname(scrub(r.reason)), r.score,
                  cost=judging_cost((r,)).text(), tokens=_tokens(r))
        for r in results)
