"""Import fuzzing: a randomly broken collection file imports completely or changes nothing."""

from __future__ import annotations

import base64
import copy
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studio.store import ImportFormatError, Store
from studio.store.io_format import FORMAT_NAME

from .conftest import dump

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 8).decode()

VALID: dict[str, Any] = {
    "format": FORMAT_NAME, "version": 1,
    "model_sets": [{"id": "ms-1", "name": "duo", "models": [
        {"model": "openai:gpt-4o", "settings": {"temperature": 0.2, "max_tokens": 900}},
        {"model": "openrouter:qwen/qwen3-max", "settings": {}}]}],
    "collections": [
        {"id": "c-games", "name": "Games", "prompts": [
            {"id": "p-hex", "title": "Hexagon", "body": "A ball in a {{shape}}",
             "system": "One file", "variables": {"shape": "hexagon"}, "notes": "n",
             "tags": ["physics", "canvas"], "model_set": "duo",
             "created": "2025-05-01T10:00:00Z", "updated": "2025-05-02T10:00:00Z"},
            {"id": "p-birds", "title": "Birds", "body": "A slingshot game"}],
         "collections": [{"id": "c-sub", "name": "Sub", "prompts": [
             {"title": "No id", "body": "matched by title and body"}]}]},
        {"name": "Pages", "prompts": [{"title": "Launch", "body": "A launch page"}]}],
    "runs": [{
        "id": "run-1", "created": "2025-05-03T10:00:00Z", "collection": "c-games",
        "prompt": "p-hex", "title": "Hexagon", "body": "A ball in a {{shape}}",
        "variables": {"shape": "square"}, "model_set": "duo",
        "models": [{"model": "openai:gpt-4o"}, {"model": "openrouter:qwen/qwen3-max"}],
        "head": 1,
        "turns": [
            {"parent": None, "prompt": "A ball in a square", "responses": [
                {"slot": 0, "model": "openai:gpt-4o", "state": "done", "text": "page",
                 "usage": {"input_tokens": 3, "output_tokens": 4}, "total_s": 1.5,
                 "rating": 4, "pages": [{"revision": 0, "html": "<p>x</p>"}],
                 "screenshots": [{"revision": 0, "png_base64": PNG}]},
                {"slot": 1, "model": "openrouter:qwen/qwen3-max", "state": "failed",
                 "error": {"kind": "rate_limit", "status": 429, "message": "slow down"}}]},
            {"parent": 0, "prompt": "make it 10 balls", "responses": []}]}],
}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 10**12) | st.integers() | st.floats()
    | st.text(max_size=12) | st.sampled_from(["", " ", "\x00", "\ud800", "a:b", "{{x}}",
                                            "done", "2025-01-01", "0001-01-01T00:00:00+01:00",
                                            "p-hex", "c-games", "ms-1"]) | st.just(10**400),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["id", "name", "title", "body", "prompts", "collections", "models",
                         "model", "settings", "slot", "parent", "x"]) | st.text(max_size=4),
        inner, max_size=3),
    max_leaves=6)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _paths(value, (*prefix, i))
    return found


def _mutate(document: dict[str, Any], data: st.DataObject) -> dict[str, Any]:
    document = copy.deepcopy(document)
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        paths = _paths(document)
        path = data.draw(st.sampled_from(paths[1:]), label="path")
        parent: Any = document
        for step in path[:-1]:
            parent = parent[step]
        key = path[-1]
        action = data.draw(st.sampled_from(["replace", "delete", "duplicate", "add"]),
                           label="action")
        if action == "replace":
            parent[key] = data.draw(json_values, label="value")
        elif action == "delete":
            del parent[key]
        elif action == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[key]))
        elif action == "add" and isinstance(parent[key], dict):
            parent[key][data.draw(st.text(max_size=6), label="new key")] = data.draw(json_values)
    return document


def _prompts_in(collections: list[dict[str, Any]]) -> list[tuple[str, str]]:
    found = []
    for c in collections:
        found += [(" ".join(p["title"].split()), p["body"]) for p in c.get("prompts") or []]
        found += _prompts_in(c.get("collections") or [])
    return found


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_a_mutated_file_imports_completely_or_changes_nothing(data: st.DataObject) -> None:
    document = _mutate(VALID, data)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "fuzz.sqlite3")
        try:
            store.import_data(VALID)
            before = dump(store)
            failure: ImportFormatError | None = None
            try:
                store.import_data(document)
            except ImportFormatError as exc:
                failure = exc
            if failure is not None:
                assert str(failure).strip()
                assert dump(store) == before
                return
            # Imported: every prompt of the file is there, and importing again is a no-op.
            present = {(p.title, p.body) for p in store.prompts()}
            assert set(_prompts_in(document["collections"])) <= present
            after = dump(store)
            store.import_data(document)
            assert dump(store) == after
            assert store.check_integrity() == []
        finally:
            store.close()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(prompts=json_values, tests=json_values, default_test=json_values)
def test_any_promptfoo_shape_imports_or_is_refused_by_name(
        prompts: Any, tests: Any, default_test: Any) -> None:
    config = {"prompts": prompts, "tests": tests, "defaultTest": default_test}
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "fuzz.sqlite3")
        try:
            failure: ImportFormatError | None = None
            try:
                report = store.import_data(config, collection="From promptfoo",
                                           base_dir=Path(tmp))
            except ImportFormatError as exc:
                failure = exc
            if failure is not None:
                assert str(failure).strip()
                assert store.collections() == []
                return
            assert report.prompts_added == len(store.prompts())
        finally:
            store.close()
