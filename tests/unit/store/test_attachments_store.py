"""Attached files in the store: kept once by sha256, listed per turn and prompt, rebuilt
into threads, deleted with the last thing naming them, carried by collection files."""

from __future__ import annotations

import base64
import json
import sqlite3
from pathlib import Path

import pytest

from studio.core.attachments import attachment_from_bytes
from studio.core.catalog import ModelRef, ProviderConfig
from studio.core.model_sets import entries_from_refs
from studio.core.runner import ModelTarget
from studio.store import ImportFormatError, Store
from studio.store.schema import SCHEMA_VERSION
from studio.store.threads import thread_from_run
from tests.support import images
from tests.unit.store.conftest import database_before, dump

MOCKUP = attachment_from_bytes("mockup.png", images.png(70, 50))
SHOT = attachment_from_bytes("shot.jpg", images.jpeg(40, 30))
CSV = attachment_from_bytes("data.csv", b"a,b\n1,2\n")


def _blob_count(store: Store) -> int:
    return int(store.connection.execute("SELECT count(*) FROM blobs").fetchone()[0])


def _run_with_files(store: Store) -> int:
    run_id = store.start_run(body="Build it", models=entries_from_refs(["o:m1", "a:m2"]),
                             first_turn="Build it", attachments=(MOCKUP, CSV))
    store.add_turn(run_id, "Fix it", attachments=(SHOT, MOCKUP))
    return run_id


def test_files_are_stored_once_and_listed_per_turn_in_order(store: Store) -> None:
    run_id = _run_with_files(store)
    again = store.start_run(body="Again", models=entries_from_refs(["o:m1"]),
                            first_turn="Again", attachments=(MOCKUP,))
    assert _blob_count(store) == 3  # MOCKUP three times, SHOT and CSV once each
    first, second = store.run(run_id).turns
    assert [a.to_json() for a in first.attachments] == [
        {"name": "mockup.png", "media_type": "image/png", "sha256": MOCKUP.sha256,
         "bytes": MOCKUP.size},
        {"name": "data.csv", "media_type": "text/csv", "sha256": CSV.sha256,
         "bytes": CSV.size}]
    assert [a.name for a in second.attachments] == ["shot.jpg", "mockup.png"]
    assert store.attachments(second.attachments) == (SHOT, MOCKUP)
    assert store.blob(MOCKUP.sha256) == MOCKUP.data
    # a file kept by another run survives this run's deletion; the rest goes with it
    store.delete_run(run_id)  # type: ignore[arg-type]
    assert _blob_count(store) == 1
    assert store.run(again).turns[0].attachments[0].sha256 == MOCKUP.sha256
    store.delete_run(again)
    assert _blob_count(store) == 0


def test_a_reopened_thread_has_its_files_back(store: Store) -> None:
    run = store.run(_run_with_files(store))  # type: ignore[arg-type]
    config = ProviderConfig("o", "openai", "http://127.0.0.1:9/v1", needs_key=False)

    def target_for(entry):  # type: ignore[no-untyped-def]
        return ModelTarget(ModelRef(entry.ref.provider, entry.ref.model), config)

    thread = thread_from_run(run, target_for, store.attachments)
    first, second = thread.branch()
    assert first.attachments == (MOCKUP, CSV)
    request = thread.request(0, second)
    assert [m.attachments for m in request.messages if m.role == "user"] == [
        (MOCKUP, CSV), (SHOT, MOCKUP)]
    assert thread_from_run(run, target_for).branch()[0].attachments == ()


def test_library_prompts_keep_their_files(store: Store) -> None:
    games = store.add_collection("Games")
    prompt = store.add_prompt(games.id, "Mockup", "Build this page", attachments=(MOCKUP,))
    assert [a.name for a in prompt.attachments] == ["mockup.png"]
    plain = store.add_prompt(games.id, "Plain", "No files")
    assert plain.attachments == ()
    listed = {p.title: p for p in store.prompts(games.id)}
    assert listed["Mockup"].attachments == prompt.attachments
    changed = store.update_prompt(prompt.id, attachments=(CSV,))
    assert [a.name for a in changed.attachments] == ["data.csv"]
    assert _blob_count(store) == 1  # the mockup was named by nothing any more
    token = store.delete_prompt(prompt.id)
    assert _blob_count(store) == 1  # in the trash: still restorable with its file
    store.restore(token)
    assert store.prompt(prompt.id).attachments[0].sha256 == CSV.sha256
    store.delete_prompt(prompt.id)
    store.purge_trash()
    assert _blob_count(store) == 0


def test_export_and_import_carry_the_files_once(store: Store, tmp_path: Path) -> None:
    games = store.add_collection("Games")
    store.add_prompt(games.id, "Mockup", "Build this page", attachments=(MOCKUP, CSV))
    run_id = store.start_run(body="Build", models=entries_from_refs(["o:m1"]),
                             first_turn="Build", collection_id=games.id, attachments=(MOCKUP,))
    store.add_turn(run_id, "Fix", attachments=(SHOT,))
    out = tmp_path / "games.json"
    out.write_text(json.dumps(store.export([games.id], with_runs=True)), encoding="utf-8")
    doc = json.loads(out.read_text(encoding="utf-8"))
    files = {f["sha256"]: f for f in doc["files"]}
    assert sorted(files) == sorted({MOCKUP.sha256, CSV.sha256, SHOT.sha256})
    assert base64.b64decode(files[MOCKUP.sha256]["base64"]) == MOCKUP.data
    assert files[SHOT.sha256]["media_type"] == "image/jpeg"
    prompt = doc["collections"][0]["prompts"][0]
    assert [a["name"] for a in prompt["attachments"]] == ["mockup.png", "data.csv"]
    turns = doc["runs"][0]["turns"]
    assert turns[0]["attachments"] == [{"name": "mockup.png", "media_type": "image/png",
                                        "sha256": MOCKUP.sha256, "bytes": MOCKUP.size}]
    assert turns[1]["attachments"][0]["sha256"] == SHOT.sha256

    other_home = tmp_path / "other.db"
    with Store.open(other_home) as other:
        report = other.import_file(out)
        assert (report.prompts_added, report.runs_added) == (1, 1)
        (imported,) = other.prompts()
        assert other.attachments(imported.attachments) == (MOCKUP, CSV)
        run = other.run(other.history()[0].id)
        assert other.attachments(run.turns[1].attachments) == (SHOT,)
        before = dump(other)
        again = other.import_file(out)
        assert (again.prompts_added, again.prompts_updated, again.runs_added) == (0, 0, 0)
        assert dump(other) == before


def _document(prompt_files: list[dict], files: list[dict]) -> dict:
    return {"format": "prompt-studio.collection", "version": 1, "files": files,
            "collections": [{"name": "C", "prompts": [
                {"title": "T", "body": "B", "attachments": prompt_files}]}]}


def _file(a, sha: str | None = None, data: bytes | None = None) -> dict:  # type: ignore[no-untyped-def]
    return {"sha256": sha or a.sha256, "media_type": a.media_type,
            "base64": base64.b64encode(data if data is not None else a.data).decode()}


@pytest.mark.parametrize(("refs", "files", "where", "problem"), [
    ([{"name": "a.png", "sha256": MOCKUP.sha256}], [],
     "collections[0].prompts[0].attachments[0].sha256", "neither in the file"),
    ([{"name": "a.png", "sha256": "xyz"}], [],
     "collections[0].prompts[0].attachments[0].sha256", "64 hexadecimal"),
    ([{"sha256": MOCKUP.sha256}], [_file(MOCKUP)],
     "collections[0].prompts[0].attachments[0].name", "missing"),
    ([], [_file(MOCKUP, data=b"other bytes")], "files[0].base64", "do not match"),
    ([], [{"sha256": MOCKUP.sha256, "media_type": "image/png", "base64": "%%%"}],
     "files[0].base64", "not valid base64"),
])
def test_broken_file_entries_import_nothing(store: Store, refs: list, files: list,
                                            where: str, problem: str) -> None:
    before = dump(store)
    with pytest.raises(ImportFormatError) as caught:
        store.import_data(_document(refs, files))
    assert caught.value.where == where
    assert problem in str(caught.value)
    assert dump(store) == before


def test_a_file_already_in_the_database_need_not_travel_again(store: Store) -> None:
    games = store.add_collection("Games")
    store.add_prompt(games.id, "Has it", "x", attachments=(MOCKUP,))
    report = store.import_data(_document([{"name": "m.png", "sha256": MOCKUP.sha256}], []))
    assert report.prompts_added == 1
    added = next(p for p in store.prompts() if p.title == "T")
    assert store.attachments(added.attachments)[0].data == MOCKUP.data


def test_a_database_from_before_attachments_gains_the_tables(db_path: Path) -> None:
    conn = database_before(db_path, "CREATE TABLE blobs")
    conn.commit()
    conn.close()
    with Store.open(db_path) as store:
        assert store.schema_version == SCHEMA_VERSION
        turn = store.run(store.resolve_run(1)).turns[0]
        assert turn.attachments == ()
        new_turn = store.add_turn(store.resolve_run(1), "now with a file",
                                  attachments=(SHOT,))
        assert store.run(store.resolve_run(1)).turn(new_turn).attachments[0].name == "shot.jpg"
        assert store.check_integrity() == []
        with pytest.raises(sqlite3.IntegrityError):  # bytes must match their stated size
            store.connection.execute(
                "INSERT INTO blobs VALUES (?, 'image/png', 5, 0, x'00')", ("0" * 64,))


def test_files_for_one_model_only_are_kept_apart_and_travel(store: Store,
                                                             tmp_path: Path) -> None:
    games = store.add_collection("Games")
    run_id = store.start_run(body="Build", models=entries_from_refs(["o:m1", "a:m2"]),
                             first_turn="Build", collection_id=games.id)
    turn_id = store.add_turn(run_id, "Fix your page", attachments=(CSV,),
                             own_attachments={0: (MOCKUP,), 1: (SHOT,)})
    turn = store.run(run_id).turn(turn_id)
    assert [a.name for a in turn.files_for(0)] == ["data.csv", "mockup.png"]
    assert [a.name for a in turn.files_for(1)] == ["data.csv", "shot.jpg"]
    config = ProviderConfig("o", "openai", "http://127.0.0.1:9/v1", needs_key=False)
    thread = thread_from_run(store.run(run_id), lambda e: ModelTarget(e.ref, config),
                             store.attachments)
    fix = thread.turn(int(turn_id))
    assert thread.request(1, fix).messages[-1].attachments == (CSV, SHOT)
    doc = store.export([games.id], with_runs=True)
    exported = doc["runs"][0]["turns"][1]
    assert exported["model_attachments"] == [
        {"slot": 0, "attachments": [{
            "name": "mockup.png", "media_type": "image/png", "sha256": MOCKUP.sha256,
            "bytes": MOCKUP.size}]},
        {"slot": 1, "attachments": [{"name": "shot.jpg", "media_type": "image/jpeg",
                                     "sha256": SHOT.sha256, "bytes": SHOT.size}]}]
    with Store.open(tmp_path / "other.db") as other:
        other.import_data(doc)
        back = other.run(other.history()[0].id).turns[1]
        assert other.attachments(back.files_for(1)) == (CSV, SHOT)
