"""The tests of a promptfoo config, read the way promptfoo reads them.

`tests:` may be a list of test objects, a file of them (CSV, JSON, JSONL, YAML), a glob of
such files, or a mix; `defaultTest:` is an object or a file. CSV columns are variables, except
promptfoo's own: `__expected…` columns are assertions written as strings ("contains: Paris",
"not-icontains: sorry", "javascript: output.length < 50", or a bare value meaning equals),
`__description` describes the row. Variables whose value is `file://…` hold that file's text.
Tests that promptfoo makes by running a script or downloading a dataset cannot be read here;
they are skipped with a note, and the import goes on.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from studio.store.errors import ImportFormatError
from studio.store.io_checks import type_name
from studio.store.promptfoo_files import (
    REMOTE_PREFIXES,
    SCRIPT_SUFFIXES,
    ConfigFiles,
    is_pattern,
    suffix_of,
)

VarValue = str | tuple[str, ...]

_TEST_FILE_SUFFIXES = frozenset({".csv", ".json", ".jsonl", ".yaml", ".yml"})
_BINARY_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".pdf",
                              ".docx", ".mp3", ".wav", ".mp4", ".xlsx", ".xls"})
_MAX_ROWS = 10_000  # rows one test expands into (a list per variable multiplies them)

# Assertion types a CSV `__expected` string may name (promptfoo's own list, the common ones).
_ASSERTION_TYPES = frozenset({
    "equals", "contains", "icontains", "contains-all", "contains-any", "icontains-all",
    "icontains-any", "starts-with", "regex", "is-json", "contains-json", "is-html",
    "contains-html", "is-sql", "contains-sql", "is-xml", "contains-xml", "is-refusal",
    "is-valid-function-call", "is-valid-openai-function-call", "is-valid-openai-tools-call",
    "javascript", "python", "webhook", "rouge-n", "bleu", "gleu", "meteor", "levenshtein",
    "latency", "cost", "perplexity", "perplexity-score", "similar", "llm-rubric", "g-eval",
    "model-graded-closedqa", "model-graded-factuality", "factuality", "answer-relevance",
    "context-recall", "context-relevance", "context-faithfulness", "classifier",
    "moderation", "select-best", "finish-reason", "word-count", "pi", "guardrails",
})
_ASSERTION_RE = re.compile(r"(not-)?([a-z][a-z0-9-]*)(?:\((\d+(?:\.\d+)?)\))?(?::(.*))?\Z",
                           re.DOTALL)
_LIST_TYPES = frozenset({"contains-all", "contains-any", "icontains-all", "icontains-any"})


@dataclass(frozen=True, slots=True)
class PromptfooTest:
    """One test case of a promptfoo config.

    `vars`: every variable of the test, over `defaultTest`'s, as text; a list value stays a
    tuple (promptfoo runs the test once per item: see `rows`). `asserts`: `defaultTest`'s
    assertions, then the test's own, as promptfoo writes them (`{"type": "contains",
    "value": "Paris"}`; a CSV `__expected` column becomes the same shape).
    """

    where: str
    description: str | None
    vars: Mapping[str, VarValue]
    asserts: tuple[Mapping[str, Any], ...]

    def rows(self) -> list[dict[str, str]]:
        """The variable rows promptfoo runs this test with: one per combination of the
        items of list values (at most _MAX_ROWS)."""
        names = list(self.vars)
        choices = [v if isinstance(v, tuple) else (v,) for v in self.vars.values()]
        combos = itertools.islice(itertools.product(*choices), _MAX_ROWS)
        return [dict(zip(names, combo, strict=True)) for combo in combos]

    def first_row(self) -> dict[str, str]:
        return {k: (v[0] if v else "") if isinstance(v, tuple) else v
                for k, v in self.vars.items()}


def assertion_from_string(expected: str) -> dict[str, Any]:
    """A CSV `__expected` cell as the assertion object promptfoo makes of it."""
    for prefix in ("javascript:", "fn:", "eval:"):
        if expected.startswith(prefix):
            return {"type": "javascript", "value": expected[len(prefix):].strip()}
    for prefix in ("grade:", "llm-rubric:"):
        if expected.startswith(prefix):
            return {"type": "llm-rubric", "value": expected[len(prefix):]}
    if expected.startswith("python:"):
        return {"type": "python", "value": expected[len("python:"):].strip()}
    if expected.startswith("file://"):
        kind = suffix_of(expected)
        if kind == ".py":
            return {"type": "python", "value": expected[len("file://"):].strip()}
        if kind in (".js", ".ts"):
            return {"type": "javascript", "value": expected[len("file://"):].strip()}
    m = _ASSERTION_RE.match(expected)
    if m is not None and m.group(2) in _ASSERTION_TYPES:
        kind = (m.group(1) or "") + m.group(2)
        value = m.group(4) if m.group(4) is not None else ""
        found: dict[str, Any] = {"type": kind, "value": value}
        if m.group(2) in _LIST_TYPES:
            found["value"] = [part.strip() for part in value.split(",")]
        if m.group(3) is not None:
            found["threshold"] = float(m.group(3))
        return found
    return {"type": "equals", "value": expected}


class TestReader:
    """Reads `tests:` and `defaultTest:`; skipped parts are added to `notes`."""

    def __init__(self, files: ConfigFiles, notes: list[str]) -> None:
        self.files = files
        self.notes = notes

    # -- where tests come from ---------------------------------------------------------

    def tests(self, value: object, default: PromptfooTest | None) -> list[PromptfooTest]:
        raw: list[tuple[str, Any, Path | None]] = []
        if value is None:
            return []
        if isinstance(value, str):
            raw = self._from_ref(value, "tests")
        elif isinstance(value, dict) and isinstance(value.get("path"), str):
            raw = self._from_ref(value["path"], "tests.path")
        elif isinstance(value, list):
            for i, item in enumerate(value):
                where = f"tests[{i}]"
                if isinstance(item, str):
                    raw += self._from_ref(item, where)
                elif isinstance(item, dict) and isinstance(item.get("path"), str):
                    raw += self._from_ref(item["path"], f"{where}.path")
                elif isinstance(item, dict):
                    raw.append((where, item, None))
                else:
                    raise ImportFormatError(where, "expected a test (an object with vars) or "
                                                   f"a test file, got {type_name(item)}")
        else:
            raise ImportFormatError("tests", "expected a list of tests or a test file, got "
                                             f"{type_name(value)}")
        return [self.test(where, item, base, default) for where, item, base in raw]

    def default_test(self, value: object) -> PromptfooTest | None:
        if value is None:
            return None
        where = "defaultTest"
        base = None
        if isinstance(value, str):
            path = self.files.resolve(value, where)
            value, base = self.files.data(path, where), path.parent
        if not isinstance(value, dict):
            raise ImportFormatError(where, f"expected an object, got {type_name(value)}")
        return self.test(where, value, base, None)

    def _from_ref(self, ref: str, where: str) -> list[tuple[str, Any, Path | None]]:
        """The test objects of a test file (or glob), or none with a note when promptfoo
        would run or download something to get them."""
        if ref.startswith(REMOTE_PREFIXES):
            self.notes.append(f"{where}: {ref!r} is a dataset promptfoo downloads when it "
                              "runs; its tests were skipped")
            return []
        kind = suffix_of(ref)
        if kind in SCRIPT_SUFFIXES:
            self.notes.append(f"{where}: {ref!r} is a script promptfoo runs to make its "
                              "tests; its tests were skipped")
            return []
        if kind in (".xlsx", ".xls"):
            self.notes.append(f"{where}: {ref!r} is a spreadsheet; its tests were skipped "
                              "(save it as CSV to import its variables)")
            return []
        paths = (self.files.expand(ref, where) if is_pattern(ref)
                 else [self.files.resolve(ref, where)])
        found: list[tuple[str, Any, Path | None]] = []
        for path in paths:
            found += self._file_tests(path, where)
        return found

    def _file_tests(self, path: Path, where: str) -> list[tuple[str, Any, Path | None]]:
        kind = path.suffix.lower()
        label = f"{where} ({path.name})"
        if kind not in _TEST_FILE_SUFFIXES:
            raise ImportFormatError(label, "not a test file promptfoo reads (CSV, JSON, JSONL "
                                           "or YAML)")
        if kind == ".csv":
            return [(f"{label} row {n}", row, path.parent)
                    for n, row in enumerate(self._csv_tests(path, label), 1)]
        items = (self.files.json_lines(path, label) if kind == ".jsonl"
                 else self.files.data(path, label))
        if isinstance(items, dict):
            items = [items]
        if not isinstance(items, list):
            raise ImportFormatError(label, f"expected a list of tests, got {type_name(items)}")
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                raise ImportFormatError(f"{label}[{i}]", "expected a test (an object), got "
                                                         f"{type_name(item)}")
        return [(f"{label}[{i}]", item, path.parent) for i, item in enumerate(items)]

    def _csv_tests(self, path: Path, where: str) -> list[dict[str, Any]]:
        text = self.files.text(path, where)
        try:
            rows = list(csv.DictReader(io.StringIO(text, newline="")))
        except csv.Error as exc:
            raise ImportFormatError(where, f"not valid CSV: {exc}") from None
        tests = []
        for row in rows:
            variables: dict[str, str] = {}
            asserts: list[dict[str, Any]] = []
            description = None
            for key, value in row.items():
                if not isinstance(key, str):
                    continue  # cells beyond the header's columns
                cell = value if isinstance(value, str) else ""
                if key.startswith("__expected"):
                    if cell.strip():
                        asserts.append(assertion_from_string(cell))
                elif key == "__description":
                    description = cell
                elif not key.startswith("__"):
                    variables[key] = cell
            tests.append({"vars": variables, "assert": asserts, "description": description})
        return tests

    # -- one test ----------------------------------------------------------------------

    def test(self, where: str, raw: dict[str, Any], base: Path | None,
             default: PromptfooTest | None) -> PromptfooTest:
        own = self._vars(raw.get("vars"), f"{where}.vars", base)
        variables = {**(default.vars if default is not None else {}), **own}
        asserts = raw.get("assert")
        if asserts is None:
            asserts = []
        if not isinstance(asserts, list):
            raise ImportFormatError(f"{where}.assert", "expected a list of assertions, got "
                                                       f"{type_name(asserts)}")
        for i, item in enumerate(asserts):
            if not isinstance(item, dict):
                raise ImportFormatError(f"{where}.assert[{i}]", "expected an assertion (an "
                                                                f"object), got {type_name(item)}")
        description = raw.get("description")
        return PromptfooTest(
            where=where, description=description if isinstance(description, str) else None,
            vars=variables,
            asserts=(*(default.asserts if default is not None else ()), *asserts))

    def _vars(self, value: object, where: str, base: Path | None) -> dict[str, VarValue]:
        if value is None:
            return {}
        if isinstance(value, str | list) and all(isinstance(v, str) for v in (
                value if isinstance(value, list) else [value])):
            # vars kept in files of their own (YAML or JSON objects), merged in order
            merged: dict[str, Any] = {}
            for ref in value if isinstance(value, list) else [value]:
                for path in (self.files.expand(ref, where, base) if is_pattern(ref)
                             else [self.files.resolve(ref, where, base)]):
                    data = self.files.data(path, where)
                    if not isinstance(data, dict):
                        raise ImportFormatError(where, f"{path.name}: expected an object of "
                                                       f"variables, got {type_name(data)}")
                    merged.update(data)
            value = merged
        if not isinstance(value, dict):
            raise ImportFormatError(where, f"expected an object, got {type_name(value)}")
        return {str(k): self._value(v, f"{where}.{k}", base) for k, v in value.items()}

    def _value(self, value: object, where: str, base: Path | None) -> VarValue:
        if isinstance(value, list):
            items: list[str] = []
            for i, item in enumerate(value):
                got = self._value(item, f"{where}[{i}]", base)
                items += list(got) if isinstance(got, tuple) else [got]
            return tuple(items)
        if isinstance(value, str) and value.startswith("file://"):
            return self._file_value(value, where, base)
        return _text(value)

    def _file_value(self, ref: str, where: str, base: Path | None) -> VarValue:
        kind = suffix_of(ref)
        if kind in SCRIPT_SUFFIXES:
            self.notes.append(f"{where}: {ref!r} is a script promptfoo runs for each test; "
                              "its value was left empty")
            return ""
        if kind in _BINARY_SUFFIXES:
            self.notes.append(f"{where}: {ref!r} is a file promptfoo passes as data (an "
                              "image, a document); its value was left empty")
            return ""
        if is_pattern(ref):  # promptfoo makes one test per file
            return tuple(self._file_text(path, where)
                         for path in self.files.expand(ref, where, base))
        return self._file_text(self.files.resolve(ref, where, base), where)

    def _file_text(self, path: Path, where: str) -> str:
        if path.suffix.lower() in (".yaml", ".yml"):
            return json.dumps(self.files.data(path, where), ensure_ascii=False, default=str)
        return self.files.text(path, where)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)
