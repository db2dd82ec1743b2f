"""The collection file format (version 1): reading and checking a document before import.

Everything is validated here, without touching the database, so an import either has a
complete, well-typed document to write or an error naming the entry that is wrong, e.g.
`collections[0].prompts[3].variables: expected an object, got an array`.
The format is documented in the README.
"""

from __future__ import annotations

import json

from studio.core.checks import Check, CheckError, checks_from_json
from studio.store.common import MAX_NAME, MAX_TAG
from studio.store.errors import ImportFormatError
from studio.store.io_attachments import parse_files, parse_refs
from studio.store.io_checks import (
    Reader,
    check_entry,
    check_string,
    check_variables,
    fail,
    type_name,
)
from studio.store.io_doc import DocCollection, DocModelSet, DocPrompt, Document
from studio.store.io_runs import parse_run
from studio.store.io_votes import parse_vote
from studio.store.prompt_extras import MAX_CHECKS, MAX_VARIABLE_ROWS

FORMAT_NAME = "prompt-studio.collection"
FORMAT_VERSION = 1
MAX_DEPTH = 32


def _tags(value: list[object], where: str) -> tuple[str, ...]:
    return tuple(check_string(tag, f"{where}[{i}]", max_len=MAX_TAG)
                 for i, tag in enumerate(value))


def _variable_rows(r: Reader) -> tuple[dict[str, str], ...] | None:
    if r.data.get("variable_rows") is None:
        return None
    rows = r.array("variable_rows")
    if len(rows) > MAX_VARIABLE_ROWS:
        raise fail(r.at("variable_rows"), f"more than {MAX_VARIABLE_ROWS} rows")
    return tuple(check_variables(row, f"{r.at('variable_rows')}[{i}]") if isinstance(row, dict)
                 else _not_object(row, f"{r.at('variable_rows')}[{i}]")
                 for i, row in enumerate(rows))


def _not_object(value: object, where: str) -> dict[str, str]:
    raise fail(where, f"expected an object, got {type_name(value)}")


def _checks(r: Reader) -> tuple[Check, ...] | None:
    if r.data.get("checks") is None:
        return None
    items = r.array("checks")
    if len(items) > MAX_CHECKS:
        raise fail(r.at("checks"), f"more than {MAX_CHECKS} checks")
    try:
        return checks_from_json(items, r.at("checks"))
    except CheckError as exc:
        raise fail(exc.where, exc.problem) from None


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
        r = Reader(value, where)
        uuid = r.optional_id()
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
            updated=r.time("updated"), variable_rows=_variable_rows(r),
            checks=_checks(r), attachments=parse_refs(r))

    def collection(self, value: object, where: str, depth: int = 0) -> DocCollection:
        if depth > MAX_DEPTH:
            raise fail(where, f"collections are nested more than {MAX_DEPTH} levels deep")
        r = Reader(value, where)
        uuid = r.optional_id()
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
        r = Reader(value, where)
        name = r.string("name", required=True, max_len=MAX_NAME).strip()
        if not name:
            raise fail(r.at("name"), "empty (a model set needs a name)")
        models = r.array("models", required=True)
        if not models:
            raise fail(r.at("models"), "empty (a model set needs at least one model)")
        entries = tuple(check_entry(m, f"{r.at('models')}[{i}]") for i, m in enumerate(models))
        return DocModelSet(where, r.optional_id(), name, entries)



def parse_document(value: object) -> Document:
    """Check a whole decoded file; raises ImportFormatError naming the first bad entry."""
    root = Reader(value, "")
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
    runs = tuple(parse_run(Reader(r, f"runs[{i}]")) for i, r in enumerate(root.array("runs")))
    seen_runs: dict[str, str] = {}
    for run in runs:
        parser.unique(seen_runs, run.uuid, f"{run.where}.id")
    votes = tuple(parse_vote(Reader(v, f"votes[{i}]"))
                  for i, v in enumerate(root.array("votes")))
    seen_votes: dict[str, str] = {}
    for vote in votes:
        parser.unique(seen_votes, vote.vote.key, f"{vote.where}.id")
    return Document(collections, model_sets, runs, parser.prompt_count, votes,
                    files=parse_files(root))


def decode_json(text: str, where: str = "file") -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFormatError(where, f"not valid JSON: {exc.msg} at line {exc.lineno}, "
                                       f"column {exc.colno}") from None
    except RecursionError:
        raise ImportFormatError(where, "not valid JSON: nested too deeply") from None
