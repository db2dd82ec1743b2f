"""Collection files: export, all-or-nothing import, re-import, promptfoo configs."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from studio.core.catalog import ModelRef
from studio.core.model_sets import ModelSetEntry
from studio.core.request import GenerationSettings
from studio.store import ImportFormatError, ResponseData, Store
from studio.store.io_format import FORMAT_NAME

from .conftest import dump

PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 16


def _populate(store: Store, *, runs: bool = True) -> int:
    coders = store.save_model_set("coders", [
        ModelSetEntry(ModelRef("openai", "gpt-4o"), GenerationSettings(temperature=0.3)),
        ModelSetEntry(ModelRef("anthropic", "claude-sonnet-4"))])
    games = store.add_collection("Games")
    physics = store.add_collection("Physics", games.id)
    hexagon = store.add_prompt(physics.id, "Hexagon", "A ball in a {{shape}}",
                               system="One HTML file", variables={"shape": "hexagon"},
                               notes="classic", tags=["physics", "canvas"],
                               model_set_id=coders.id)
    store.add_prompt(games.id, "Angry birds", "A slingshot game")
    if runs:
        run_id = store.start_run(body=hexagon.body, title=hexagon.title, system=hexagon.system,
                                 variables={"shape": "square"}, models=coders.items,
                                 collection_id=physics.id, prompt_id=hexagon.id,
                                 model_set_name="coders", first_turn="A ball in a square")
        first = store.run(run_id).turns[0].id
        answer = store.save_response(first, 0, ResponseData(
            model="openai:gpt-4o", settings={"temperature": 0.3}, text="```html\n<p>a</p>```",
            html="<p>a</p>", input_tokens=5, output_tokens=9, total_s=1.0, cost_usd=0.01))
        store.save_response(first, 1, ResponseData(
            model="anthropic:claude-sonnet-4", state="failed", error_kind="auth",
            error_status=401, error_message="invalid x-api-key"))
        store.rate(answer, 5, "best")
        store.add_page_revision(answer, "<p>edited</p>", "mine")
        store.set_screenshot(answer, PNG)
        store.add_turn(run_id, "make it 10 balls", slots=[0])
        store.add_turn(run_id, "make it 20 balls", parent=first)
    return int(games.id)


def _strip_volatile(document: dict[str, Any]) -> dict[str, Any]:
    document = copy.deepcopy(document)
    document.pop("exported_at", None)
    return document


def test_export_then_import_into_an_empty_database_gives_the_same_export(
        store: Store, tmp_path: Path) -> None:
    games = _populate(store)
    exported = store.export([games], with_runs=True)  # type: ignore[list-item]
    assert exported["format"] == FORMAT_NAME and exported["version"] == 1
    assert [s["name"] for s in exported["model_sets"]] == ["coders"]
    assert len(exported["runs"]) == 1 and len(exported["runs"][0]["turns"]) == 3
    other = Store.open(tmp_path / "other.sqlite3")
    report = other.import_data(json.loads(json.dumps(exported)))
    assert (report.prompts_added, report.collections_added, report.runs_added,
            report.model_sets_added) == (2, 2, 1, 1)
    again = other.export([other.find_collection("Games").id], with_runs=True)
    assert _strip_volatile(again) == _strip_volatile(exported)
    run = other.run(other.history()[0].id)
    assert [t.prompt for t in run.branch()] == ["A ball in a square", "make it 20 balls"]
    answer = run.turns[0].current(0)
    assert answer is not None and answer.rating == 5 and answer.latest_html == "<p>edited</p>"
    assert other.screenshot(answer.id) == PNG
    assert other.prompts(other.find_collection("Physics").id)[0].model_set_id is not None
    other.close()


def test_reimporting_the_same_file_changes_nothing(store: Store, tmp_path: Path) -> None:
    games = _populate(store)
    path = tmp_path / "games.json"
    path.write_text(json.dumps(store.export([games], with_runs=True)))  # type: ignore[list-item]
    other = Store.open(tmp_path / "other.sqlite3")
    other.import_file(path)
    before = dump(other)
    report = other.import_file(path)
    assert (report.prompts_added, report.prompts_updated, report.prompts_unchanged,
            report.runs_added, report.runs_skipped) == (0, 0, 2, 0, 1)
    assert dump(other) == before
    # Into the database it came from: also nothing new.
    before = dump(store)
    store.import_file(path)
    assert dump(store) == before
    other.close()


def test_hand_written_files_without_ids_are_matched_by_title_and_body(store: Store) -> None:
    document = {"format": FORMAT_NAME, "version": 1, "collections": [
        {"name": "Pages", "prompts": [{"title": "Launch", "body": "A launch page"},
                                      {"title": "Launch", "body": "A launch page"},
                                      {"title": "Pricing", "body": "A pricing table"}]}]}
    assert store.import_data(document).prompts_added == 3
    before = dump(store)
    report = store.import_data(document)
    assert (report.prompts_added, report.prompts_unchanged) == (0, 3)
    assert dump(store) == before
    document["collections"][0]["prompts"][2]["notes"] = "now with notes"  # type: ignore[index]
    assert store.import_data(document).prompts_updated == 1
    assert len(store.prompts()) == 3


def test_export_never_contains_keys(store: Store, tmp_path: Path) -> None:
    key = "sk-ant-api03-" + "k" * 40
    games = _populate(store, runs=False)
    run_id = store.start_run(body="p", models=[ModelSetEntry(ModelRef("anthropic", "claude"))],
                             collection_id=games, first_turn="p")  # type: ignore[arg-type]
    turn = store.run(run_id).turns[0].id
    store.save_response(turn, 0, ResponseData(
        model="anthropic:claude", settings={"temperature": 1.0, "api_key": key},
        state="failed", error_kind="auth", error_status=401,
        error_message=f"invalid x-api-key: {key}"))
    text = json.dumps(store.export(with_runs=True))
    assert key not in text
    assert not re.search(r"sk-[A-Za-z0-9_\-]{8,}", text)
    assert "api_key" not in text


def _document() -> dict[str, Any]:
    return {
        "format": FORMAT_NAME, "version": 1,
        "model_sets": [{"name": "duo", "models": [{"model": "openai:gpt-4o"},
                                                  {"model": "gemini:gemini-2.5-pro",
                                                   "settings": {"reasoning": "high"}}]}],
        "collections": [{"id": "c1", "name": "Games", "prompts": [
            {"id": "p1", "title": "Hexagon", "body": "A ball in a {{shape}}",
             "variables": {"shape": "hexagon"}, "tags": ["physics"], "model_set": "duo"},
            {"id": "p2", "title": "Birds", "body": "A slingshot"}],
            "collections": [{"name": "Sub", "prompts": [{"title": "T", "body": "B"}]}]}],
    }


@pytest.mark.parametrize(("mutate", "where", "problem"), [
    (lambda d: d.update(version=2), "version", "newer"),
    (lambda d: d.update(format="other"), "format", "not a Prompt Studio collection"),
    (lambda d: d.pop("collections"), "collections", "missing"),
    (lambda d: d["collections"][0]["prompts"][1].update(variables=["x"]),
     "collections[0].prompts[1].variables", "expected an object, got an array"),
    (lambda d: d["collections"][0]["prompts"][1].pop("body"),
     "collections[0].prompts[1].body", "missing"),
    (lambda d: d["collections"][0]["prompts"][0].update(tags="physics"),
     "collections[0].prompts[0].tags", "expected an array, got a string"),
    (lambda d: d["collections"][0]["collections"][0]["prompts"][0].update(title=3),
     "collections[0].collections[0].prompts[0].title", "expected a string, got a number"),
    (lambda d: d["collections"][0]["prompts"][1].update(id="p1"),
     "collections[0].prompts[1].id", "used twice"),
    (lambda d: d["collections"][0]["prompts"][0].update(model_set="nope"),
     "collections[0].prompts[0].model_set", "no model set named 'nope'"),
    (lambda d: d["model_sets"][0]["models"][0].update(model="gpt-4o"),
     "model_sets[0].models[0].model", "PROVIDER:MODEL"),
    (lambda d: d["model_sets"][0]["models"][1]["settings"].update(reasoning="max"),
     "model_sets[0].models[1].settings.reasoning", "not one of"),
    (lambda d: d["collections"][0]["prompts"][0].update(variables={"a b": "x"}),
     "collections[0].prompts[0].variables.a b", "invalid variable name"),
    (lambda d: d["collections"][0]["prompts"][0].update(body="\ud800"),
     "collections[0].prompts[0].body", "invalid character"),
    (lambda d: d.update(runs=[{"id": "r", "body": "b", "models": [{"model": "a:b"}],
                               "turns": [{"prompt": "x", "parent": 0}]}]),
     "runs[0].turns[0].parent", "first turn cannot have a parent"),
    (lambda d: d.update(runs=[{"id": "r", "body": "b", "models": [{"model": "a:b"}],
                               "turns": [{"prompt": "x", "responses": [
                                   {"slot": 3, "model": "a:b"}]}]}]),
     "runs[0].turns[0].responses[0].slot", "out of range"),
    (lambda d: d.update(runs=[{"id": "r", "body": "b", "models": [], "collection": "zz"}]),
     "runs[0].collection", "no collection with id 'zz'"),
])
def test_a_broken_file_names_the_entry_and_changes_nothing(
        store: Store, mutate: Any, where: str, problem: str) -> None:
    _populate(store)
    before = dump(store)
    document = _document()
    mutate(document)
    with pytest.raises(ImportFormatError) as caught:
        store.import_data(document)
    assert caught.value.where == where
    assert problem in str(caught.value)
    assert str(caught.value).startswith(f"{where}: ")
    assert dump(store) == before


@pytest.mark.parametrize(("content", "problem"), [
    ('{"format": "prompt-studio.collection", "version": 1, "collections": [}', "not valid JSON"),
    ("", "not valid JSON"),
    ("[1, 2]", "expected an object, got an array"),
    ("\xff\xfe", "not UTF-8"),
])
def test_unreadable_files_are_refused(store: Store, tmp_path: Path, content: str,
                                      problem: str) -> None:
    path = tmp_path / "broken.json"
    path.write_bytes(content.encode("latin-1") if "\xff" in content else content.encode())
    with pytest.raises(ImportFormatError, match=problem):
        store.import_file(path)
    assert store.collections() == []


PROMPTFOO = """
description: Game prompts
prompts:
  - "Write a {{game}} in one HTML file with {{count}} levels"
  - raw: "A {{game}} landing page"
    label: Landing
  - file://prompt.txt
  - id: file://other.md
    label: From markdown
defaultTest:
  vars:
    count: 3
tests:
  - vars:
      game: [snake, tetris]
      count: 5
  - vars:
      game: pong
"""


def test_promptfoo_config_becomes_a_collection_with_variable_defaults(
        store: Store, tmp_path: Path) -> None:
    (tmp_path / "prompt.txt").write_text("Draw a {{shape}} for {{game}}")
    (tmp_path / "other.md").write_text("# Notes\nNo variables here")
    config = tmp_path / "promptfooconfig.yaml"
    config.write_text(PROMPTFOO)
    report = store.import_file(config)
    assert report.prompts_added == 4
    collection = store.find_collection("Game prompts")
    got = {p.title: (p.body, dict(p.variables)) for p in store.prompts(collection.id)}
    assert got == {
        "Write a {{game}} in one HTML file with {{count}} levels": (
            "Write a {{game}} in one HTML file with {{count}} levels",
            {"game": "snake", "count": "5"}),
        "Landing": ("A {{game}} landing page", {"game": "snake"}),
        "prompt.txt": ("Draw a {{shape}} for {{game}}", {"shape": "", "game": "snake"}),
        "From markdown": ("# Notes\nNo variables here", {}),
    }
    before = dump(store)
    assert store.import_file(config).prompts_unchanged == 4
    assert dump(store) == before
    store.import_file(config, collection="Elsewhere")
    assert len(store.prompts(store.find_collection("Elsewhere").id)) == 4


@pytest.mark.parametrize(("content", "where", "problem"), [
    ("prompts: 3", "prompts", "expected a list"),
    ("prompts:\n  - [1, 2]", "prompts[0]", "expected a string or an object"),
    ("prompts:\n  - file://missing.txt", "prompts[0]", "cannot read"),
    ("prompts:\n  - file://script.py", "prompts[0]", "is a prompt function"),
    ("prompts:\n  - hi\ntests: file://tests.csv", "tests (tests.csv)", "cannot read"),
    ("prompts: [a\n", "", "not valid YAML"),
])
def test_unsupported_promptfoo_parts_are_named(store: Store, tmp_path: Path, content: str,
                                                where: str, problem: str) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(content)
    with pytest.raises(ImportFormatError) as caught:
        store.import_file(path)
    assert problem in str(caught.value)
    if where:
        assert caught.value.where == where
    assert store.collections() == []


def test_nul_characters_are_refused_on_import(tmp_path: Path) -> None:
    doc = {"format": "prompt-studio.collection", "version": 1, "collections": [
        {"name": "C", "prompts": [{"title": "t", "body": "a\x00b"}]}]}
    with Store.open(tmp_path / "db.sqlite3") as store:
        with pytest.raises(ImportFormatError, match=r"collections\[0\]\.prompts\[0\]\.body.*NUL"):
            store.import_data(doc)
        assert store.collections() == []
