"""SIGKILL a real process while it saves runs and imports: nothing committed is lost and the
database is never corrupt."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from hashlib import sha256
from pathlib import Path

import pytest

from studio.store import Store

REPO = Path(__file__).resolve().parents[2]

# The writer saves runs the way the app does (run, turn, then one commit per answer) and
# every fifth round imports a collection file (one all-or-nothing commit). A line is
# printed, flushed, only after everything it names has been committed.
WRITER = r"""
import random, sys
from hashlib import sha256
from pathlib import Path
from studio.core.model_sets import entries_from_refs
from studio.store import ResponseData, Store

path, seed = Path(sys.argv[1]), int(sys.argv[2])
rnd = random.Random(seed)
models = ["openai:gpt-4o", "anthropic:claude-sonnet-4", "gemini:gemini-2.5-pro"]
store = Store.open(path)
print("ready", flush=True)
words = ["canvas", "hexagon", "voxel", "pagoda", "physics", "requestAnimationFrame", "ball"]
i = 0
while True:
    i += 1
    if i % 5 == 0:
        name = f"import-{seed}-{i}"
        count = rnd.randint(5, 40)
        store.import_data({"format": "prompt-studio.collection", "version": 1,
            "collections": [{"id": name, "name": name, "prompts": [
                {"title": f"prompt {k}", "body": " ".join(rnd.choices(words, k=200)),
                 "tags": ["kill"]} for k in range(count)]}]})
        print(f"import {name} {count}", flush=True)
        continue
    run = store.start_run(body="A ball in a hexagon", title=f"run {seed}-{i}",
                          models=entries_from_refs(models))
    turn = store.add_turn(run, "A ball in a hexagon")
    digest = sha256()
    for slot, model in enumerate(models):
        text = " ".join(rnd.choices(words, k=rnd.randint(200, 3000)))
        store.save_progress(turn, slot, text[: len(text) // 2])
        store.save_response(turn, slot, ResponseData(model=model, text=text, html=text[:2000],
                                                     total_s=1.0))
        digest.update(text.encode())
    print(f"run {run} {digest.hexdigest()}", flush=True)
"""


def _spawn(db: Path, seed: int) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-c", WRITER, str(db), str(seed)], cwd=REPO,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def _check(db: Path, runs: dict[int, str], imports: dict[str, int]) -> None:
    if not db.exists():
        # killed before it opened the database (a loaded machine starts Python slowly):
        # nothing was committed, so nothing can be missing
        assert not runs and not imports
        return
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        conn.close()
    with Store.open(db) as store:
        for run_id, digest in runs.items():
            run = store.run(run_id)  # type: ignore[arg-type]
            assert len(run.turns) == 1
            answers = run.turns[0].current_responses()
            assert [a.state for a in answers] == ["done"] * 3, run_id
            assert sha256("".join(a.text for a in answers).encode()).hexdigest() == digest
            assert all(a.html is not None for a in answers)
        for name, count in imports.items():
            assert store.find_collection(name).prompt_count == count
        # An import is all or nothing, also when it was not reported before the kill.
        for collection in store.collections():
            assert collection.prompt_count > 0
        assert store.check_integrity() == []


def _read_until(proc: subprocess.Popen[str], prefix: str, seen: list[str]) -> None:
    """Read the writer's reports into `seen` until one starts with `prefix`."""
    assert proc.stdout is not None
    while True:
        line = proc.stdout.readline()
        assert line, f"the writer ended: {proc.stderr.read() if proc.stderr else ''}"
        seen.append(line)
        if line.startswith(prefix):
            return


@pytest.mark.slow
def test_sigkill_during_writes_loses_nothing_committed(tmp_path: Path) -> None:
    db = tmp_path / "data" / "studio.sqlite3"
    rnd = random.Random(20240611)
    runs: dict[int, str] = {}
    imports: dict[str, int] = {}
    kills = 30
    started = time.monotonic()
    for round_no in range(kills):
        proc = _spawn(db, round_no)
        assert proc.stdout is not None and proc.stderr is not None
        seen: list[str] = []
        if round_no % 6 == 0:
            # Some kills land while the process starts, opens or migrates the database.
            time.sleep(rnd.uniform(0.0, 0.5))
        else:
            assert proc.stdout.readline() == "ready\n", proc.stderr.read()
            # However slow the machine, each of these rounds commits something before
            # its kill lands at a random point of the writes that follow (one in five
            # waits for an import).
            _read_until(proc, "import " if round_no % 5 == 1 else "run ", seen)
            time.sleep(rnd.uniform(0.01, 0.35))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        out, err = proc.stdout.read(), proc.stderr.read()
        proc.stdout.close()
        proc.stderr.close()
        assert proc.returncode == -signal.SIGKILL, err
        for line in [*seen, *out.splitlines(keepends=True)]:
            if not line.endswith("\n"):
                continue  # cut off by the kill: not a complete report
            kind, *fields = line.split()
            if kind == "run":
                runs[int(fields[0])] = fields[1]
            elif kind == "import":
                imports[fields[0]] = int(fields[1])
        _check(db, runs, imports)
    elapsed = time.monotonic() - started
    assert len(runs) >= kills and imports, (len(runs), len(imports))
    assert elapsed < 90, f"{kills} kills took {elapsed:.1f} s"
