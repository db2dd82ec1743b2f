"""The collection file format (version 1): reading and checking a document before import.

Everything is validated here, without touching the database, so an import either has a
complete, well-typed document to write or an error naming the entry that is wrong, e.g.
`collections[0].prompts[3].variables: expected an object, got an array`. See FORMAT.md.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from studio.core.catalog import CatalogError, parse_model_ref
from studio.core.model_sets import ModelSetEntry
from studio.core.request import GenerationSettings
from studio.store.common import MAX_NAME, MAX_TAG, VARIABLE_NAME_RE
from studio.store.errors import ImportFormatError
from studio.store.models import RESPONSE_STATES, ResponseState

FORMAT_NAME = "prompt-studio.collection"
FORMAT_VERSION = 1
MAX_DEPTH = 32

_JSON_TYPES = {dict: "an object", list: "an array", str: "a string", bool: "a boolean",
               int: "a number", float: "a number", type(None): "null"}
_REASONING = ("off", "low", "medium", "high")


@dataclass(frozen=True, slots=True)
class DocPrompt:
    where: str
    uuid: str | None
    title: str
    body: str
    system: str | None
    variables: dict[str, str]
    notes: str
    tags: tuple[str, ...]
    model_set: str | None
    created: float | None
    updated: float | None


@dataclass(frozen=True, slots=True)
class DocCollection:
    where: str
    uuid: str | None
    name: str
    prompts: tuple[DocPrompt, ...]
    children: tuple[DocCollection, ...]


@dataclass(frozen=True, slots=True)
class DocModelSet:
    where: str
    uuid: str | None
    name: str
    entries: tuple[ModelSetEntry, ...]


@dataclass(frozen=True, slots=True)
class DocPage:
    revision: int
    html: str
    note: str
    created: float | None


@dataclass(frozen=True, slots=True)
class DocResponse:
    slot: int
    attempt: int
    model: str
    settings: dict[str, Any]
    state: ResponseState
    text: str
    reasoning: str
    stop_reason: str | None
    error: tuple[str, int | None, str] | None
    input_tokens: int | None
    output_tokens: int | None
    metrics: tuple[float | None, float | None, float | None, float | None]  # ttft, total, tps, $
    rating: int | None
    rating_note: str
    pages: tuple[DocPage, ...]
    screenshots: tuple[tuple[int, bytes], ...]
    created: float | None


@dataclass(frozen=True, slots=True)
class DocTurn:
    parent: int | None  # index of an earlier turn of the same run
    prompt: str
    created: float | None
    responses: tuple[DocResponse, ...]


@dataclass(frozen=True, slots=True)
class DocRun:
    where: str
    uuid: str
    created: float | None
    collection: str | None  # a collection id (uuid) from this file or the database
    prompt: str | None  # a prompt id (uuid)
    title: str
    body: str
    system: str | None
    variables: dict[str, str]
    model_set: str | None
    models: tuple[ModelSetEntry, ...]
    turns: tuple[DocTurn, ...]
    head: int | None


@dataclass(frozen=True, slots=True)
class Document:
    collections: tuple[DocCollection, ...]
    model_sets: tuple[DocModelSet, ...] = ()
    runs: tuple[DocRun, ...] = ()
    prompt_count: int = field(default=0)


def type_name(value: object) -> str:
    return _JSON_TYPES.get(type(value), type(value).__name__)


def fail(where: str, problem: str) -> ImportFormatError:
    return ImportFormatError(where, problem)


class _Reader:
    """Typed access to one JSON object, with errors that carry its path."""

    def __init__(self, value: object, where: str) -> None:
        if not isinstance(value, dict):
            raise fail(where, f"expected an object, got {type_name(value)}")
        self.data = cast(dict[str, Any], value)
        self.where = where

    def at(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def string(self, key: str, *, required: bool = False, default: str = "",
               max_len: int | None = None) -> str:
        if key not in self.data or self.data[key] is None:
            if required:
                raise fail(self.at(key), "missing (a string is required)")
            return default
        return check_string(self.data[key], self.at(key), max_len=max_len)

    def optional_string(self, key: str) -> str | None:
        value = self.data.get(key)
        return None if value is None else check_string(value, self.at(key))

    def integer(self, key: str, *, default: int | None = None, low: int | None = None,
                high: int | None = None) -> int | None:
        value = self.data.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            raise fail(self.at(key), f"expected a whole number, got {type_name(value)}")
        if (low is not None and value < low) or (high is not None and value > high):
            span = f"{low if low is not None else '…'} to {high if high is not None else '…'}"
            raise fail(self.at(key), f"{value} is out of range ({span})")
        return value

    def number(self, key: str) -> float | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise fail(self.at(key), f"expected a number, got {type_name(value)}")
        if value != value or value in (float("inf"), float("-inf")):
            raise fail(self.at(key), "expected a finite number")
        return float(value)

    def array(self, key: str, *, required: bool = False) -> list[Any]:
        if key not in self.data or self.data[key] is None:
            if required:
                raise fail(self.at(key), "missing (an array is required)")
            return []
        value = self.data[key]
        if not isinstance(value, list):
            raise fail(self.at(key), f"expected an array, got {type_name(value)}")
        return value

    def time(self, key: str) -> float | None:
        value = self.data.get(key)
        if value is None:
            return None
        text = check_string(value, self.at(key))
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise fail(self.at(key), f"{text!r} is not an ISO 8601 date and time") from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.timestamp()


def check_string(value: object, where: str, *, max_len: int | None = None) -> str:
    if not isinstance(value, str):
        raise fail(where, f"expected a string, got {type_name(value)}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise fail(where, "contains an invalid character (a lone UTF-16 surrogate)") from None
    if max_len is not None and len(value) > max_len:
        raise fail(where, f"longer than {max_len} characters")
    return value


def check_variables(value: object, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise fail(where, f"expected an object, got {type_name(value)}")
    result: dict[str, str] = {}
    for name, default in value.items():
        if not VARIABLE_NAME_RE.fullmatch(name):
            raise fail(f"{where}.{name}", "invalid variable name (use letters, digits, '_', "
                                          "'.' or '-', starting with a letter or '_')")
        check_string(name, f"{where}.{name}")
        result[name] = check_string(default, f"{where}.{name}") if default is not None else ""
    return result


def check_settings(value: object, where: str) -> dict[str, Any]:
    """Known generation settings only; anything else (an api_key, say) is dropped."""
    reader = _Reader({} if value is None else value, where)
    settings: dict[str, Any] = {}
    if (t := reader.number("temperature")) is not None:
        settings["temperature"] = t
    if (m := reader.integer("max_tokens", low=1)) is not None:
        settings["max_tokens"] = m
    if (s := reader.integer("seed")) is not None:
        settings["seed"] = s
    if (r := reader.optional_string("reasoning")) is not None:
        if r not in _REASONING:
            raise fail(reader.at("reasoning"), f"{r!r} is not one of {', '.join(_REASONING)}")
        settings["reasoning"] = r
    if (o := reader.optional_string("system_override")) is not None:
        settings["system_override"] = o
    return GenerationSettings.from_dict(settings).to_dict()


def check_entry(value: object, where: str) -> ModelSetEntry:
    reader = _Reader(value, where)
    model = reader.string("model", required=True)
    try:
        ref = parse_model_ref(model)
    except CatalogError as exc:
        raise fail(reader.at("model"), str(exc)) from None
    settings = check_settings(reader.data.get("settings"), reader.at("settings"))
    return ModelSetEntry(ref, GenerationSettings.from_dict(settings))


def _tags(value: list[Any], where: str) -> tuple[str, ...]:
    tags = []
    for i, tag in enumerate(value):
        tags.append(check_string(tag, f"{where}[{i}]", max_len=MAX_TAG))
    return tuple(tags)


class _Parser:
    def __init__(self) -> None:
        self.prompt_ids: dict[str, str] = {}
        self.collection_ids: dict[str, str] = {}
        self.prompt_count = 0

    def unique(self, seen: dict[str, str], uuid: str | None, where: str) -> None:
        if uuid is None:
            return
        if uuid in seen:
            raise fail(where, f"the id {uuid!r} is used twice (also at {seen[uuid]})")
        seen[uuid] = where

    def prompt(self, value: object, where: str) -> DocPrompt:
        r = _Reader(value, where)
        uuid = r.optional_string("id")
        self.unique(self.prompt_ids, uuid, r.at("id"))
        title = r.string("title", required=True, max_len=500)
        if not title.strip():
            raise fail(r.at("title"), "empty (a prompt needs a title)")
        self.prompt_count += 1
        return DocPrompt(
            where=where, uuid=uuid, title=title, body=r.string("body", required=True),
            system=r.optional_string("system") or None,
            variables=check_variables(r.data.get("variables"), r.at("variables")),
            notes=r.string("notes"), tags=_tags(r.array("tags"), r.at("tags")),
            model_set=r.optional_string("model_set"), created=r.time("created"),
            updated=r.time("updated"))

    def collection(self, value: object, where: str, depth: int = 0) -> DocCollection:
        if depth > MAX_DEPTH:
            raise fail(where, f"collections are nested more than {MAX_DEPTH} levels deep")
        r = _Reader(value, where)
        uuid = r.optional_string("id")
        self.unique(self.collection_ids, uuid, r.at("id"))
        name = r.string("name", required=True, max_len=MAX_NAME)
        if not name.strip():
            raise fail(r.at("name"), "empty (a collection needs a name)")
        prompts = tuple(self.prompt(p, f"{r.at('prompts')}[{i}]")
                        for i, p in enumerate(r.array("prompts")))
        children = tuple(self.collection(c, f"{r.at('collections')}[{i}]", depth + 1)
                         for i, c in enumerate(r.array("collections")))
        names: dict[str, str] = {}
        for child in children:
            key = child.name.strip()
            if key in names:
                raise fail(f"{child.where}.name", f"two collections here are named {key!r} "
                                                  f"(also {names[key]})")
            names[key] = child.where
        return DocCollection(where, uuid, name.strip(), prompts, children)

    def model_set(self, value: object, where: str) -> DocModelSet:
        r = _Reader(value, where)
        name = r.string("name", required=True, max_len=MAX_NAME).strip()
        if not name:
            raise fail(r.at("name"), "empty (a model set needs a name)")
        models = r.array("models", required=True)
        if not models:
            raise fail(r.at("models"), "empty (a model set needs at least one model)")
        entries = tuple(check_entry(m, f"{r.at('models')}[{i}]") for i, m in enumerate(models))
        return DocModelSet(where, r.optional_string("id"), name, entries)

    def run(self, value: object, where: str) -> DocRun:
        from studio.store.io_runs import parse_run

        return parse_run(_Reader(value, where))


def parse_document(value: object) -> Document:
    """Check a whole decoded file; raises ImportFormatError naming the first bad entry."""
    root = _Reader(value, "")
    fmt = root.data.get("format")
    if fmt != FORMAT_NAME:
        raise fail("format", f"expected {FORMAT_NAME!r}, got {fmt!r}: this is not a Prompt "
                             "Studio collection file")
    version = root.data.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise fail("version", f"expected a whole number, got {type_name(version)}")
    if version > FORMAT_VERSION:
        raise fail("version", f"version {version} is newer than this Prompt Studio reads "
                              f"(up to {FORMAT_VERSION}); update Prompt Studio")
    if version < 1:
        raise fail("version", f"unknown version {version}")
    parser = _Parser()
    collections = tuple(parser.collection(c, f"collections[{i}]")
                        for i, c in enumerate(root.array("collections", required=True)))
    names: dict[str, str] = {}
    for c in collections:
        if c.name in names:
            raise fail(f"{c.where}.name", f"two collections are named {c.name!r} "
                                          f"(also {names[c.name]})")
        names[c.name] = c.where
    model_sets = tuple(parser.model_set(m, f"model_sets[{i}]")
                       for i, m in enumerate(root.array("model_sets")))
    set_names: dict[str, str] = {}
    for m in model_sets:
        if m.name in set_names:
            raise fail(f"{m.where}.name", f"two model sets are named {m.name!r} "
                                          f"(also {set_names[m.name]})")
        set_names[m.name] = m.where
    runs = tuple(parser.run(r, f"runs[{i}]") for i, r in enumerate(root.array("runs")))
    seen_runs: dict[str, str] = {}
    for run in runs:
        parser.unique(seen_runs, run.uuid, f"{run.where}.id")
    return Document(collections, model_sets, runs, parser.prompt_count)


def read_json(path: Path) -> object:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ImportFormatError(str(path), f"not UTF-8 text ({exc.reason} at byte "
                                           f"{exc.start})") from None
    except OSError as exc:
        raise ImportFormatError(str(path), f"cannot read the file: {exc.strerror}") from None
    return decode_json(text, str(path))


def decode_json(text: str, where: str = "file") -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFormatError(where, f"not valid JSON: {exc.msg} at line {exc.lineno}, "
                                       f"column {exc.colno}") from None
    except RecursionError:
        raise ImportFormatError(where, "not valid JSON: nested too deeply") from None
