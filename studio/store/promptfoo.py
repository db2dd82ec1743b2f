"""Prompts from a promptfoo-style config (the simple parts): prompts, and test variables.

Understood: `prompts:` as a list of strings, of {raw|id|label} objects or a {path: label}
mapping, with `file://` paths to plain-text files next to the config; `tests:` (and
`defaultTest:`) `vars:` — each prompt's {{variables}} get the first test's values as their
defaults. Providers, assertions and scripts are promptfoo's own business and are ignored.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from studio.store.common import variables_in
from studio.store.errors import ImportFormatError
from studio.store.io_checks import check_string, type_name
from studio.store.io_doc import DocCollection, DocPrompt, Document
from studio.store.search import first_line

_TEXT_SUFFIXES = {".txt", ".md", ".prompt", ".html", ".j2", ".jinja", ".nunjucks", ""}


def looks_like_promptfoo(value: object) -> bool:
    return isinstance(value, dict) and "prompts" in value and "format" not in value


def read_yaml(path: Path) -> object:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ImportFormatError(str(path), f"not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise ImportFormatError(str(path), f"cannot read the file: {exc.strerror}") from None
    return decode_yaml(text, str(path))


def decode_yaml(text: str, where: str = "file") -> object:
    import yaml  # only needed for imports; keeps opening the store cheap

    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ImportFormatError(where, f"not valid YAML: {exc.problem}{at}") from None
    except (yaml.YAMLError, RecursionError) as exc:
        raise ImportFormatError(where, f"not valid YAML: {exc}") from None


def _value_text(value: Any) -> str:
    """A test variable's value as prompt text (promptfoo expands lists: take the first)."""
    if isinstance(value, list):
        return _value_text(value[0]) if value else ""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _read_prompt_file(ref: str, where: str, base_dir: Path | None) -> tuple[str, str]:
    """(title, text) of a `file://` prompt."""
    path = Path(ref.removeprefix("file://"))
    if any(ch in str(path) for ch in "*?["):
        raise ImportFormatError(where, f"{ref!r}: file patterns are not supported; list the "
                                       "files one by one")
    if path.suffix.lower() not in _TEXT_SUFFIXES:
        raise ImportFormatError(where, f"{ref!r}: only plain-text prompt files can be "
                                       "imported (not JSON, YAML or scripts)")
    if not path.is_absolute():
        if base_dir is None:
            raise ImportFormatError(where, f"{ref!r}: a relative file needs the config's "
                                           "folder")
        path = base_dir / path
    try:
        return path.name, path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportFormatError(where, f"cannot read {path}: {exc}") from None


def _prompts(raw: object, base_dir: Path | None) -> list[tuple[str, str, str]]:
    """(where, title, text) for each prompt."""
    if isinstance(raw, str):
        raw = [raw]
    items: list[tuple[str, Any, str | None]] = []
    if isinstance(raw, dict):
        items = [(f"prompts.{key}", key, check_string(label, f"prompts.{key}")
                  if label is not None else None) for key, label in raw.items()]
    elif isinstance(raw, list):
        items = [(f"prompts[{i}]", item, None) for i, item in enumerate(raw)]
    else:
        raise ImportFormatError("prompts", f"expected a list, got {type_name(raw)}")
    result = []
    for where, item, label in items:
        if isinstance(item, dict):
            text = item.get("raw")
            ident = item.get("id")
            label = item.get("label", label)
            if label is not None:
                label = check_string(label, f"{where}.label")
            if text is None and ident is None:
                raise ImportFormatError(where, "expected 'raw' or 'id'")
            if text is not None:
                text = check_string(text, f"{where}.raw")
                title = label or (ident if isinstance(ident, str) else "") or first_line(text)
            else:
                ident = check_string(ident, f"{where}.id")
                if not ident.startswith("file://"):
                    raise ImportFormatError(f"{where}.id", f"{ident!r} is not a file:// path "
                                                           "and there is no 'raw' text")
                name, text = _read_prompt_file(ident, f"{where}.id", base_dir)
                title = label or name
        elif isinstance(item, str):
            check_string(item, where)
            if item.startswith("file://"):
                name, text = _read_prompt_file(item, where, base_dir)
                title = label or name
            else:
                text = item
                title = label or first_line(item)
        else:
            raise ImportFormatError(where, "expected a string or an object with raw, id "
                                           f"or label, got {type_name(item)}")
        if not text.strip():
            raise ImportFormatError(where, "the prompt is empty")
        result.append((where, title.strip() or "Untitled prompt", text))
    return result


def _defaults(config: dict[str, Any]) -> dict[str, str]:
    values: dict[str, str] = {}
    default_test = config.get("defaultTest")
    if isinstance(default_test, dict) and isinstance(default_test.get("vars"), dict):
        values.update({str(k): _value_text(v) for k, v in default_test["vars"].items()})
    tests = config.get("tests")
    if tests is not None and not isinstance(tests, list):
        raise ImportFormatError("tests", "only a list of tests is supported (not a file of "
                                         "test cases)")
    if tests:
        first = tests[0]
        if not isinstance(first, dict):
            raise ImportFormatError("tests[0]", f"expected an object, got {type_name(first)}")
        test_vars = first.get("vars")
        if test_vars is not None and not isinstance(test_vars, dict):
            raise ImportFormatError("tests[0].vars",
                                    f"expected an object, got {type_name(test_vars)}")
        values.update({str(k): _value_text(v) for k, v in (test_vars or {}).items()})
    return values


def parse_promptfoo(value: object, *, collection: str | None = None,
                    default_name: str = "Imported prompts",
                    base_dir: Path | None = None) -> Document:
    """The config as a one-collection document: `collection`, else its description, else
    `default_name` (the caller passes the file name)."""
    if not isinstance(value, dict):
        raise ImportFormatError("", f"expected a promptfoo config (an object with 'prompts'),"
                                    f" got {type_name(value)}")
    if "prompts" not in value:
        raise ImportFormatError("prompts", "missing: nothing to import")
    defaults = _defaults(value)
    for name, text in defaults.items():
        check_string(text, f"tests[0].vars.{name}")
    prompts = []
    for where, title, text in _prompts(value["prompts"], base_dir):
        names = variables_in(text)
        prompts.append(DocPrompt(
            where=where, uuid=None, title=title[:500], body=text, system=None,
            variables={n: defaults.get(n, "") for n in names}, notes="", tags=(),
            model_set=None, created=None, updated=None))
    description = value.get("description")
    name = (collection or "").strip() or (
        description.strip() if isinstance(description, str) else "") or default_name
    return Document((DocCollection("collection", None, name[:200], tuple(prompts), ()),),
                    prompt_count=len(prompts))
