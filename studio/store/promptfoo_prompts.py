"""The prompts of a promptfoo config, read the way promptfoo reads them.

An entry is prompt text, a `file://` path or glob (relative to the config; a bare path ending
in a prompt file's extension counts too, as in promptfoo), or an object whose `raw` (else
`id`) is one of those, with an optional `label`. Files by extension: `.txt` holds one prompt
or several separated by lines of `---`; `.json` and `.yaml` hold a chat (a list of
`{role, content}` messages), one per line in `.jsonl`; `.csv` has a `prompt` column (or one
prompt per line); anything else is one prompt of plain text. A chat becomes a prompt when it
is a user message, with or without a system message before it. Prompt functions (scripts)
and prompts kept in online services are refused, naming the entry.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from studio.store.common import variables_in
from studio.store.errors import ImportFormatError
from studio.store.io_checks import check_string, type_name
from studio.store.promptfoo_files import (
    SCRIPT_SUFFIXES,
    ConfigFiles,
    is_pattern,
    strip_file_prefix,
    suffix_of,
)
from studio.store.search import first_line

PROMPT_DELIMITER = "---"
_CHAT_SUFFIXES = frozenset({".json", ".yaml", ".yml"})
# Files promptfoo reads as prompt text; a bare string ending in one of these is a path.
_TEXT_SUFFIXES = frozenset({".txt", ".md", ".prompt", ".html", ".j2", ".jinja", ".nunjucks",
                            ".tmpl", ""})
_PATH_SUFFIXES = (_TEXT_SUFFIXES - {""}) | _CHAT_SUFFIXES | {".jsonl", ".csv"}
_SERVICES = ("pf://", "langfuse://", "portkey://", "helicone://", "exec:")


@dataclass(frozen=True, slots=True)
class PromptfooPrompt:
    where: str
    title: str
    body: str
    system: str | None = None


class PromptReader:
    def __init__(self, files: ConfigFiles, notes: list[str]) -> None:
        self.files = files
        self.notes = notes

    def prompts(self, raw: object) -> list[PromptfooPrompt]:
        if isinstance(raw, str):
            raw = [raw]
        items: list[tuple[str, Any, str | None]]
        if isinstance(raw, dict):  # promptfoo's older {path: label} form
            items = [(f"prompts.{key}", key, check_string(label, f"prompts.{key}")
                      if label is not None else None) for key, label in raw.items()]
        elif isinstance(raw, list):
            items = [(f"prompts[{i}]", item, None) for i, item in enumerate(raw)]
        else:
            raise ImportFormatError("prompts", f"expected a list, got {type_name(raw)}")
        found: list[PromptfooPrompt] = []
        for where, item, label in items:
            if isinstance(item, dict):
                text, ident = item.get("raw"), item.get("id")
                if item.get("label") is not None:
                    label = check_string(item["label"], f"{where}.label")
                if text is None and ident is None:
                    raise ImportFormatError(where, "expected 'raw' or 'id'")
                field = "raw" if text is not None else "id"
                value = check_string(item[field], f"{where}.{field}")
                found += self._entry(value, f"{where}.{field}", label)
            elif isinstance(item, str):
                found += self._entry(check_string(item, where), where, label)
            else:
                raise ImportFormatError(where, "expected a string or an object with raw, id "
                                               f"or label, got {type_name(item)}")
        for prompt in found:
            if prompt.system is not None and variables_in(prompt.system):
                names = ", ".join(variables_in(prompt.system))
                self.notes.append(f"{prompt.where}: the system message uses {{{{{names}}}}}, "
                                  "which is kept as written (variables are filled in the "
                                  "prompt, not in the system prompt)")
        return found

    def _entry(self, value: str, where: str, label: str | None) -> list[PromptfooPrompt]:
        if value.startswith(_SERVICES):
            raise ImportFormatError(where, f"{value!r} is a prompt promptfoo gets from a "
                                           "service or a program when it runs; only prompt "
                                           "text and prompt files can be imported")
        if value.startswith("file://") or _looks_like_path(value):
            return self._file_ref(value, where, label)
        return [_prompt(where, label or first_line(value), value)]

    def _file_ref(self, ref: str, where: str, label: str | None) -> list[PromptfooPrompt]:
        if suffix_of(ref) in SCRIPT_SUFFIXES:
            raise ImportFormatError(where, f"{ref!r} is a prompt function (a script promptfoo "
                                           "runs); only prompt text and prompt files can be "
                                           "imported")
        if not is_pattern(ref):
            return self._file(self.files.resolve(ref, where), ref, where, label)
        found: list[PromptfooPrompt] = []
        for path in self.files.expand(ref, where):
            name = path.relative_to(self.files.root).as_posix() if self.files.root else path.name
            found += self._file(path, ref, f"{where} ({name})",
                                f"{label}: {name}" if label else None)
        return found

    def _file(self, path: Path, ref: str, where: str, label: str | None
              ) -> list[PromptfooPrompt]:
        kind = path.suffix.lower()
        name = label or path.name
        at = where  # the messages name the file
        if kind in SCRIPT_SUFFIXES:
            raise ImportFormatError(at, "a prompt function (a script promptfoo runs); only "
                                        "prompt text and prompt files can be imported")
        if kind == ".txt":
            parts = split_prompts(self.files.text(path, at))
            if not parts:
                raise ImportFormatError(at, "the file holds no prompt")
            return _numbered(at, name, [(p, None) for p in parts])
        if kind in _CHAT_SUFFIXES:
            return [_chat(self.files.data(path, at), at, name, path)]
        if kind == ".jsonl":
            chats = [_chat(line, f"{at} line {n}", name, path)
                     for n, line in enumerate(self.files.json_lines(path, at), 1)]
            if not chats:
                raise ImportFormatError(at, "the file holds no prompt")
            return _numbered(at, name, [(c.body, c.system) for c in chats])
        if kind == ".csv":
            rows = _csv_prompts(self.files.text(path, at))
            if not rows:
                raise ImportFormatError(at, "the file holds no prompt")
            return [_prompt(at, row_label or f"{name} ({n} of {len(rows)})", text)
                    for n, (text, row_label) in enumerate(rows, 1)]
        if kind not in _TEXT_SUFFIXES:
            raise ImportFormatError(at, f"{strip_file_prefix(ref)!r} is not a prompt file "
                                        "(text, Markdown, a template, or a JSON/YAML chat)")
        return [_prompt(at, name, self.files.text(path, at))]


def split_prompts(text: str) -> list[str]:
    """The prompts of a text prompt file: parts separated by lines that are just `---`,
    each without the blank space around it; empty parts do not count (as in promptfoo)."""
    parts: list[str] = []
    current: list[str] = []
    for line in text.splitlines():
        if line.strip() == PROMPT_DELIMITER:
            parts.append("\n".join(current).strip())
            current = []
        else:
            current.append(line)
    parts.append("\n".join(current).strip())
    return [p for p in parts if p]


def _looks_like_path(value: str) -> bool:
    return (bool(value) and not any(ch.isspace() for ch in value) and "{{" not in value
            and (suffix_of(value) in _PATH_SUFFIXES | SCRIPT_SUFFIXES))


def _prompt(where: str, title: str, body: str, system: str | None = None) -> PromptfooPrompt:
    if not body.strip():
        raise ImportFormatError(where, "the prompt is empty")
    return PromptfooPrompt(where, title.strip()[:500] or "Untitled prompt", body, system)


def _numbered(where: str, name: str, parts: list[tuple[str, str | None]]
              ) -> list[PromptfooPrompt]:
    if len(parts) == 1:
        return [_prompt(where, name, parts[0][0], parts[0][1])]
    return [_prompt(f"{where} #{n}", f"{name} ({n} of {len(parts)})", body, system)
            for n, (body, system) in enumerate(parts, 1)]


def _chat(data: Any, where: str, name: str, path: Path) -> PromptfooPrompt:
    """A chat file's messages as a prompt: a user message, after an optional system one."""
    if isinstance(data, str):
        return _prompt(where, name, data)
    shape = f"{path.name} is not a chat (a list of {{role, content}} messages)"
    if not isinstance(data, list) or not data:
        raise ImportFormatError(where, f"{shape}; it holds {type_name(data)}")
    roles: list[str] = []
    contents: list[str] = []
    for i, message in enumerate(data):
        if not isinstance(message, dict) or not isinstance(message.get("role"), str):
            raise ImportFormatError(where, f"{shape}: message {i + 1} has no role")
        content = message.get("content")
        if not isinstance(content, str):
            raise ImportFormatError(where, f"{path.name}: message {i + 1} ({message['role']}) "
                                           "has no text content (parts such as images cannot "
                                           "be imported)")
        roles.append(message["role"])
        contents.append(content)
    if roles == ["user"]:
        return _prompt(where, name, contents[0])
    if roles == ["system", "user"]:
        return _prompt(where, name, contents[1], contents[0])
    raise ImportFormatError(where, f"{path.name} is a chat of {' → '.join(roles)} messages; "
                                   "only a system message followed by a user message (or a "
                                   "user message alone) can become a prompt")


def _csv_prompts(text: str) -> list[tuple[str, str | None]]:
    """(prompt, label) rows of a CSV prompt file: its `prompt` (and `label`) columns, or
    one prompt per line when there is no such header (as promptfoo reads them)."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return []
    try:
        header = next(csv.reader([lines[0]]))
    except csv.Error:
        header = []
    if "prompt" not in [h.strip() for h in header] or len(header) < 2:
        start = 1 if lines[0].strip().lower() == "prompt" else 0
        return [(line, None) for line in lines[start:]]
    rows = []
    for raw in csv.DictReader(io.StringIO(text, newline="")):
        row = {k.strip(): v for k, v in raw.items() if isinstance(k, str) and isinstance(v, str)}
        prompt = row.get("prompt", "").strip()
        if prompt:
            rows.append((prompt, row.get("label", "").strip() or None))
    return rows
