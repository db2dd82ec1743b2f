from __future__ import annotations

import json
from pathlib import Path

import pytest

from studio.core.catalog import ModelRef
from studio.core.model_sets import (
    JsonModelSetStore,
    ModelSetEntry,
    ModelSetError,
    ModelSetStore,
    entries_from_refs,
    model_sets_file,
)
from studio.core.request import GenerationSettings


def _store(tmp_path: Path) -> JsonModelSetStore:
    return JsonModelSetStore(model_sets_file(tmp_path))


def test_sets_and_the_last_set_survive_a_restart(tmp_path: Path) -> None:
    store: ModelSetStore = _store(tmp_path)
    coders = (ModelSetEntry(ModelRef("qwen", "qwen3-max")),
              ModelSetEntry(ModelRef("openrouter", "moonshotai/kimi-k2"),
                            GenerationSettings(temperature=0.3, reasoning="high")))
    store.save("  Coders ", coders)
    store.save("alpha", entries_from_refs(["openai:gpt-5"]))
    store.set_last(coders[:1])

    again = _store(tmp_path)
    assert again.names() == ["alpha", "Coders"]
    assert again.get("Coders") == coders
    assert again.get("missing") is None
    assert again.last() == coders[:1]


def test_model_ids_with_colons_keep_them(tmp_path: Path) -> None:
    store = _store(tmp_path)
    store.save("ollama", entries_from_refs(["ollama:qwen3:8b"]))
    assert _store(tmp_path).get("ollama") == (ModelSetEntry(ModelRef("ollama", "qwen3:8b")),)


def test_delete_removes_only_that_set(tmp_path: Path) -> None:
    store = _store(tmp_path)
    store.save("a", entries_from_refs(["openai:gpt-5"]))
    store.save("b", entries_from_refs(["gemini:gemini-2.5-pro"]))
    store.delete("a")
    store.delete("never existed")
    assert _store(tmp_path).names() == ["b"]


@pytest.mark.parametrize(("name", "entries"), [
    ("", entries_from_refs(["openai:gpt-5"])),
    ("   ", entries_from_refs(["openai:gpt-5"])),
    ("x" * 81, entries_from_refs(["openai:gpt-5"])),
    ("empty", ()),
])
def test_bad_sets_are_refused_and_nothing_is_written(tmp_path: Path, name: str,
                                                     entries: tuple[ModelSetEntry, ...]) -> None:
    store = _store(tmp_path)
    with pytest.raises(ModelSetError):
        store.save(name, entries)
    assert not store.path.exists()


def test_hand_written_files_with_plain_strings_are_read(tmp_path: Path) -> None:
    model_sets_file(tmp_path).write_text(json.dumps({
        "sets": {"mine": ["deepseek:deepseek-chat",
                          {"model": "kimi:kimi-k2-0905-preview",
                           "settings": {"max_tokens": 800, "unknown": 1}}]},
    }), encoding="utf-8")
    store = _store(tmp_path)
    assert store.get("mine") == (
        ModelSetEntry(ModelRef("deepseek", "deepseek-chat")),
        ModelSetEntry(ModelRef("kimi", "kimi-k2-0905-preview"),
                      GenerationSettings(max_tokens=800)),
    )
    assert store.last() == ()


@pytest.mark.parametrize("content", [
    "{not json",
    "[1, 2]",
    json.dumps({"sets": {"x": "openai:gpt-5"}}),
    json.dumps({"sets": {"x": ["no-colon"]}}),
    json.dumps({"sets": {"x": [{"model": 3}]}}),
])
def test_a_damaged_file_is_reported_not_ignored(tmp_path: Path, content: str) -> None:
    model_sets_file(tmp_path).write_text(content, encoding="utf-8")
    with pytest.raises(ModelSetError, match=r"model_sets\.json|model"):
        _store(tmp_path)
