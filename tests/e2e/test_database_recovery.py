"""A damaged or too-new history database, met by the command line.

The database is filled through the CLI (a collection, a saved run), then damaged in the
ways files get damaged (overwritten, truncated, pages garbled) or replaced by one from a
newer Prompt Studio. Then, through the real CLI:
- `history list` fails with exit 1 and a message that says what is wrong, where the copy
  is, and what to do; no traceback and no half-written JSON on stdout;
- `run` still compares the models and warns that this run is not saved;
- `run --collection` (which needs the database) fails clearly instead of pretending the
  user asked not to save;
- the damaged file is never replaced or changed, and a byte-identical copy is kept next
  to it (a too-new file needs no copy: it is not touched at all);
- moving the file away, as the message says, gets a working history back.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from studio.store.schema import SCHEMA_VERSION
from tests.e2e.cli import cli
from tests.support.scenarios import Synthetic
from tests.support.simulator import Simulator

PAGE = 4096


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    with Simulator() as s:
        yield s


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory, sim: Simulator) -> Path:
    """A home with providers, a collection and saved runs, made once through the CLI."""
    home = tmp_path_factory.mktemp("filled") / "studio-home"
    sim.script("ok", Synthetic(["still", " answering"]))
    assert cli("providers", "add", "sim", "--kind", "openai", "--base-url", sim.url("openai"),
               "--no-key", home=home).code == 0
    assert cli("collections", "add", "Games", home=home).code == 0
    assert cli("prompts", "add", "--collection", "Games", "--title", "Hexagon", "-p",
               "A ball in a spinning hexagon " * 200, home=home).code == 0
    for i in range(3):
        r = cli("run", "-m", "sim:ok", "-p", f"Saved run {i} " + "lorem ipsum " * 300,
                home=home)
        assert r.code == 0, r.err
    database = home / "data" / "studio.sqlite3"
    assert database.stat().st_size >= 8 * PAGE
    assert not database.with_name("studio.sqlite3-wal").exists()  # checkpointed at exit
    return home


@pytest.fixture
def home(filled: Path, studio_home: Path, sim: Simulator) -> Path:
    sim.reset()
    sim.script("ok", Synthetic(["still", " answering"]))
    shutil.copytree(filled, studio_home)
    return studio_home


def _garbage(path: Path) -> None:
    path.write_bytes(bytes(range(256)) * 64)


def _schema_page(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[100:PAGE] = b"\xa5" * (PAGE - 100)  # page 1's b-tree: the schema itself
    path.write_bytes(bytes(data))


def _truncated(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2 + 123])


def _data_pages(path: Path) -> None:
    data = bytearray(path.read_bytes())
    for start in range(2 * PAGE, len(data), 2 * PAGE):
        data[start:start + PAGE] = b"\x5a" * PAGE
    path.write_bytes(bytes(data))


def _newer(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()


DAMAGES: dict[str, Callable[[Path], None]] = {
    "not_a_database": _garbage,
    "schema_page_overwritten": _schema_page,
    "truncated": _truncated,
    "data_pages_garbled": _data_pages,
    "newer_schema": _newer,
}


def _backups(data_dir: Path) -> list[Path]:
    return sorted(p for p in data_dir.iterdir() if ".damaged-" in p.name
                  and not p.name.endswith(("-wal", "-shm")))


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_damaged_history_is_reported_kept_and_never_replaced(
        home: Path, sim: Simulator, damage: str) -> None:
    database = home / "data" / "studio.sqlite3"
    DAMAGES[damage](database)
    damaged = database.read_bytes()
    newer = damage == "newer_schema"
    expected = "newer version of Prompt Studio" if newer else "damaged"

    # Reading history fails clearly.
    for args in (["history", "list"], ["history", "list", "--json"], ["search", "ball"]):
        r = cli(*args, home=home)
        assert r.code == 1, (args, r.out, r.err)
        assert r.out == ""
        assert "Traceback" not in r.err
        assert r.err.startswith("prompt-studio: error: ")
        assert expected in r.err
        assert str(database) in r.err

    # A comparison still runs; only its saving is given up, and the user is told.
    sim.reset()
    sim.script("ok", Synthetic(["still", " answering"]))
    r = cli("run", "-m", "sim:ok", "-p", "Does it still work?", "--json", home=home)
    assert r.code == 0, r.err
    document = json.loads(r.out)
    assert document["run_id"] is None
    assert [x["text"] for x in document["results"]] == ["still answering"]
    assert "Traceback" not in r.err
    assert "not saved to history" in r.err
    assert expected in r.err
    assert len(sim.requests_for("ok")) == 1

    r = cli("run", "--collection", "Games", "-m", "sim:ok", home=home)
    assert r.code == 1
    assert "--collection needs the history" in r.err and expected in r.err
    assert "--no-save" not in r.err

    # The file itself is untouched; a damaged one also has an identical copy beside it.
    assert database.read_bytes() == damaged
    backups = _backups(database.parent)
    if newer:
        assert backups == []
        assert "Nothing was changed" in r.err
    else:
        assert len(backups) == 1, "one copy of the damaged file, however often it is opened"
        assert backups[0].read_bytes() == damaged
        assert any(str(b) in r.err for b in backups)

    # The way out the message names: move the file away, and history works again.
    database.rename(database.with_name("studio.sqlite3.moved-away"))
    for extra in ("-wal", "-shm"):
        database.with_name("studio.sqlite3" + extra).unlink(missing_ok=True)
    r = cli("run", "-m", "sim:ok", "-p", "Fresh start", "--json", home=home)
    assert r.code == 0 and r.err == "", r.err
    listed = cli("history", "list", "--json", home=home)
    assert listed.code == 0, listed.err
    assert [x["prompt"] for x in listed.json()] == ["Fresh start"]
    assert database.with_name("studio.sqlite3.moved-away").read_bytes() == damaged


def test_a_run_is_not_blocked_by_a_history_that_fails_while_saving(
        home: Path, sim: Simulator) -> None:
    # The header and schema are fine, so the database opens; writing then meets garbage.
    database = home / "data" / "studio.sqlite3"
    _data_pages(database)
    r = cli("run", "-m", "sim:ok", "-m", "sim:ok", "-p", "Save me " * 500, "--json", home=home)
    assert r.code == 0, r.err
    assert [x["text"] for x in json.loads(r.out)["results"]] == ["still answering"] * 2
    assert "Traceback" not in r.err
    assert "not saved" in r.err
