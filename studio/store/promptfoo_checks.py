"""promptfoo `tests` as the studio runs them: variable rows and checks.

`map_tests(config)` takes a parsed promptfoo config (the dict YAML gives) and returns
every test's `vars` as variable rows (a list value expands into one row per item, as
promptfoo does; `defaultTest.vars` under each), and the asserts that have a studio check
as checks: `contains`, `icontains`, `not-contains`, `regex`, `is-html` (a page is
present), `llm-rubric` (a judge; its `provider` or the test's `options.provider` as the
judge model, its `threshold` as the pass score), `cost` (dollars) and `latency`
(milliseconds). A test's own asserts check only its rows; `defaultTest` asserts check
every row. Everything else is listed in `not_imported`, one line per entry, never
silently dropped. `for_prompt(body)` narrows the result to one prompt's own variables.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from studio.core.checks import Check, CheckError
from studio.core.variables import VARIABLE_NAME_RE, find_variables

MAX_ROWS = 1000
_PROVIDER_API_SEGMENTS = frozenset({"chat", "messages", "completion", "responses"})


@dataclass(frozen=True, slots=True)
class PromptfooTests:
    variable_rows: tuple[dict[str, str], ...]
    checks: tuple[Check, ...]  # `row` = index into variable_rows, or None for every row
    not_imported: tuple[str, ...]

    def for_prompt(self, body: str) -> tuple[tuple[dict[str, str], ...], tuple[Check, ...]]:
        """The rows and checks of one prompt: only the variables it uses, equal rows once
        (a prompt without variables gets no rows and every check)."""
        names = find_variables(body)
        if not names or not self.variable_rows:
            rows: tuple[dict[str, str], ...] = ()
            return rows, _merge_rows(tuple(replace(c, row=None) for c in self.checks), 1)
        kept: list[dict[str, str]] = []
        index: dict[int, int] = {}
        for i, row in enumerate(self.variable_rows):
            own = {n: row[n] for n in names if n in row}
            if own not in kept:
                kept.append(own)
            index[i] = kept.index(own)
        checks = tuple(c if c.row is None else replace(c, row=index[c.row])
                       for c in self.checks)
        return tuple(kept), _merge_rows(checks, len(kept))


def _merge_rows(checks: tuple[Check, ...], rows: int) -> tuple[Check, ...]:
    """Each check once; one that checks every row says so with row None."""
    by_spec: dict[str, set[int | None]] = {}
    first: dict[str, Check] = {}
    for check in checks:
        key = json.dumps(replace(check, row=None).to_json(), sort_keys=True)
        by_spec.setdefault(key, set()).add(check.row)
        first.setdefault(key, check)
    merged: list[Check] = []
    for key, row_set in by_spec.items():
        check = replace(first[key], row=None)
        if None in row_set or row_set >= set(range(rows)):
            merged.append(check)
        else:
            merged += [replace(check, row=r) for r in sorted(r for r in row_set if r is not None)]
    return tuple(merged)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _judge_model(provider: Any) -> str | None:
    """promptfoo's provider id ("openai:gpt-4o", "openai:chat:gpt-4o", {id: …}) as
    "provider:model", or None."""
    if isinstance(provider, dict):
        provider = provider.get("id")
    if not isinstance(provider, str) or ":" not in provider:
        return None
    parts = provider.split(":")
    if len(parts) >= 3 and parts[1] in _PROVIDER_API_SEGMENTS:
        parts = [parts[0], *parts[2:]]
    name, model = parts[0], ":".join(parts[1:])
    return f"{name}:{model}" if name and model else None


class _Mapper:
    def __init__(self) -> None:
        self.not_imported: list[str] = []

    def skip(self, where: str, why: str) -> None:
        self.not_imported.append(f"{where}: {why}")

    def check(self, raw: Any, where: str, row: int | None,
              judge: str | None) -> Check | None:
        if not isinstance(raw, dict):
            self.skip(where, "not an assertion object")
            return None
        kind = raw.get("type")
        value = raw.get("value")
        threshold = raw.get("threshold")
        number = (float(threshold) if isinstance(threshold, int | float)
                  and not isinstance(threshold, bool) else None)
        try:
            if kind in ("contains", "icontains", "not-contains", "regex"):
                if not isinstance(value, str | int | float) or isinstance(value, bool):
                    self.skip(where, f"a {kind} assertion needs a text value")
                    return None
                return Check(kind, str(value), row=row)
            if kind == "is-html":
                return Check("has-page", row=row)
            if kind == "llm-rubric":
                if not isinstance(value, str) or not value.strip():
                    self.skip(where, "an llm-rubric assertion needs its rubric as text")
                    return None
                model = _judge_model(raw.get("provider")) or judge
                return Check("judge", value, limit=number, model=model, row=row)
            if kind in ("cost", "latency"):
                if number is None:
                    self.skip(where, f"a {kind} assertion needs a threshold")
                    return None
                if kind == "cost":
                    return Check("max-cost", limit=number, row=row)
                return Check("max-latency", limit=number / 1000, row=row)  # ms → s
        except CheckError as exc:
            self.skip(where, str(exc))
            return None
        self.skip(where, f"assertion type {kind!r} is not imported")
        return None

    def checks(self, raw: Any, where: str, row: int | None,
               judge: str | None) -> list[Check]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.skip(where, "only a list of assertions is imported")
            return []
        found = (self.check(item, f"{where}[{i}]", row, judge) for i, item in enumerate(raw))
        return [c for c in found if c is not None]

    def values(self, raw: Any, where: str) -> dict[str, list[str]]:
        """A test's vars, each as the list of values it expands to."""
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            self.skip(where, "vars from a file or a script are not imported")
            return {}
        result: dict[str, list[str]] = {}
        for name, value in raw.items():
            if not isinstance(name, str) or not VARIABLE_NAME_RE.fullmatch(name):
                self.skip(f"{where}.{name}", "not a variable name the studio can use")
                continue
            items = value if isinstance(value, list) and value else [value]
            texts = [_text(item) for item in items]
            if any(t.startswith("file://") for t in texts):
                self.skip(f"{where}.{name}", "file:// values are not read; the text is used "
                                             "as it is")
            result[name] = texts
        return result


def _judge_of(test: Mapping[str, Any]) -> str | None:
    options = test.get("options")
    return _judge_model(options.get("provider")) if isinstance(options, dict) else None


def map_tests(config: Mapping[str, Any]) -> PromptfooTests:
    mapper = _Mapper()
    default = config.get("defaultTest")
    if default is not None and not isinstance(default, dict):
        mapper.skip("defaultTest", "a defaultTest from a file is not imported")
        default = None
    default = default or {}
    default_judge = _judge_of(default)
    defaults = {n: v[0] for n, v in mapper.values(default.get("vars"), "defaultTest.vars")
                .items()}
    tests = config.get("tests")
    if tests is not None and not isinstance(tests, list):
        mapper.skip("tests", "tests from a file or a glob are not imported")
        tests = []
    rows: list[dict[str, str]] = []
    row_checks: list[Check] = []
    with_vars = bool(defaults) or any(
        isinstance(t, dict) and isinstance(t.get("vars"), dict) and t["vars"]
        for t in tests or [])
    for i, test in enumerate(tests or []):
        if not isinstance(test, dict):
            mapper.skip(f"tests[{i}]", "a test from a file is not imported")
            continue
        values = mapper.values(test.get("vars"), f"tests[{i}].vars")
        judge = _judge_of(test) or default_judge
        if not with_vars:
            row_checks += mapper.checks(test.get("assert"), f"tests[{i}].assert", None, judge)
            continue
        names = list(values)
        first = len(rows)
        for combination in itertools.product(*(values[n] for n in names)):
            if len(rows) >= MAX_ROWS:
                mapper.skip(f"tests[{i}]", f"more than {MAX_ROWS} rows; the rest are not "
                                           "imported")
                break
            rows.append({**defaults, **dict(zip(names, combination, strict=True))})
        for row in range(first, len(rows)):
            row_checks += mapper.checks(test.get("assert"), f"tests[{i}].assert", row, judge)
        if len(rows) >= MAX_ROWS:
            break
    if with_vars and not rows:
        rows.append(dict(defaults))
    checks = mapper.checks(default.get("assert"), "defaultTest.assert", None, default_judge)
    # Reported once per assertion even when a test expands into several rows.
    not_imported = tuple(dict.fromkeys(mapper.not_imported))
    return PromptfooTests(tuple(rows), _merge_rows(tuple(checks + row_checks),
                                                   max(1, len(rows))), not_imported)


def describe(result: PromptfooTests) -> Sequence[str]:
    """Lines for the import message: what was brought in and what was not."""
    lines = [f"{len(result.variable_rows)} variable rows and {len(result.checks)} checks "
             "from the tests"]
    lines += [f"not imported: {line}" for line in result.not_imported]
    return lines
