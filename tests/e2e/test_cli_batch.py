"""`prompt-studio run --collection` as a batch, through the real CLI and the simulator: the
stderr and JSON contract, faults in some cells, kill -9 mid-batch then `--resume` (no
finished cell sent again, asserted at the simulator), the concurrency bound counted at the
server, the cost estimate, and page checks plus a judge that sees the page's screenshot."""

from __future__ import annotations

import base64
import json
import os
import signal
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from studio.core.batch import BatchState, CellState
from studio.store import Store
from tests.e2e.cli import NO_KEYRING, REPO, add_sim_providers, cli
from tests.support.batch_files import done_cells
from tests.support.scenarios import Status, Synthetic
from tests.support.simulator import SeenRequest, Simulator, peak_concurrency

pytestmark = pytest.mark.timeout(180)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def home(studio_home: Path, sim: Simulator) -> Path:
    sim.reset()
    add_sim_providers(studio_home, sim, {"o": "openai", "a": "anthropic", "j": "openai"})
    return studio_home


def import_collection(home: Path, tmp_path: Path, prompts: list[dict[str, Any]],
                      name: str = "Games") -> None:
    document = {"format": "prompt-studio.collection", "version": 1,
                "collections": [{"name": name, "prompts": prompts}]}
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    r = cli("collections", "import", str(path), home=home)
    assert r.code == 0, r.err


def simple_prompts(count: int) -> list[dict[str, Any]]:
    return [{"title": f"P{i}", "body": f"Prompt number {i}"} for i in range(count)]


def sent_prompt(request: SeenRequest) -> str:
    return str(request.json["messages"][-1]["content"])


def child_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env.update(PROMPT_STUDIO_HOME=str(home), PYTHONPATH=str(REPO),
               PYTHON_KEYRING_BACKEND=NO_KEYRING, **extra)
    return env


def wait_for(condition: Callable[[], bool], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.01)


def test_the_batch_contract_with_variable_rows_checks_and_a_failing_cell(
        home: Path, sim: Simulator, tmp_path: Path) -> None:
    import_collection(home, tmp_path, [
        {"title": "Game", "body": "Write {{game}} as a page", "variables": {"game": "snake"},
         "variable_rows": [{"game": "snake"}, {"game": "pong"}],
         "checks": [{"kind": "icontains", "value": "{{game}}"},
                    {"kind": "has-page", "name": "page"},
                    {"kind": "max-latency", "limit": 60, "row": 1}]},
        {"title": "Pagoda", "body": "A voxel pagoda"}])
    sim.script("coder", Synthetic(["<html>", "A SNAKE game", "</html>"]))
    sim.script("broken", Status(401))
    r = cli("run", "--collection", "Games", "-m", "o:coder", "-m", "a:broken", "--json",
            home=home)
    assert r.code == 1, r.err  # a cell failed
    first_line, *rest = r.err.splitlines()
    doc = r.json()
    assert first_line == f"batch {doc['batch_id']}" and rest == []
    assert [(x["prompt"], x["variables"]) for x in doc["runs"]] == [
        ("Game", {"game": "snake"}), ("Game", {"game": "pong"}), ("Pagoda", {})]
    assert len({x["run_id"] for x in doc["runs"]}) == 3
    snake, pong, pagoda = doc["runs"]
    coder, broken = snake["results"]
    assert set(coder) == {"model", "text", "reasoning", "html", "usage", "ttft_s", "total_s",
                          "cost_usd", "error", "notes", "checks"}
    assert coder["model"] == "o:coder" and coder["text"] == "<html>A SNAKE game</html>"
    assert coder["html"] == "<html>A SNAKE game</html>" and coder["error"] is None
    assert coder["checks"] == [
        {"name": "icontains 'snake'", "pass": True, "score": None,
         "reason": "found (ignoring case)"},
        {"name": "page", "pass": True, "score": None, "reason": "the answer holds a page"}]
    assert [c["name"] for c in pong["results"][0]["checks"]] == [
        "icontains 'pong'", "page", "latency ≤ 60 s"]
    assert pong["results"][0]["checks"][0]["pass"] is False
    assert pagoda["results"][0]["checks"] == []
    assert broken["error"]["kind"] == "auth" and broken["error"]["status"] == 401
    assert broken["checks"] == [
        {"name": "icontains 'snake'", "pass": None, "score": None,
         "reason": "not run: the answer failed"},
        {"name": "page", "pass": None, "score": None, "reason": "not run: the answer failed"}]
    assert sorted(sent_prompt(q) for q in sim.requests_for("coder")) == [
        "A voxel pagoda", "Write pong as a page", "Write snake as a page"]
    # Every row is an ordinary run in history.
    listed = cli("history", "list", "--json", home=home).json()
    assert sorted(x["id"] for x in listed) == sorted(x["run_id"] for x in doc["runs"])

    # Only healthy models: exit code 0; --prompt picks one prompt of the collection.
    r = cli("run", "--collection", "Games", "--prompt", "Pagoda", "-m", "o:coder", home=home)
    assert r.code == 0, r.err
    assert r.err.splitlines()[0] == "batch 2"
    assert "run " in r.out and "<html>A SNAKE game</html>" in r.out
    assert r.out.rstrip().endswith("batch 2: 1 done, 0 failed; cost unknown")  # no price


def test_kill_9_mid_batch_then_resume_sends_no_finished_cell_again(
        home: Path, sim: Simulator, tmp_path: Path) -> None:
    import_collection(home, tmp_path, simple_prompts(3))
    sim.script("fast", Synthetic(["quick answer"]))
    sim.script("slow", Synthetic(["s"] * 400, chunks_per_second=20))  # 20 s: killed before
    proc = subprocess.Popen(
        [sys.executable, "-m", "studio", "run", "--collection", "Games", "-m", "o:fast",
         "-m", "a:slow", "--concurrency", "1", "--json"],
        env=child_env(home), cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    try:
        assert proc.stderr is not None
        first = proc.stderr.readline().strip()
        assert first == "batch 1"
        # Cells go row by row, one at a time: the first answer is done (and saved: the CLI
        # saves on a writer thread, so "done at the server" may not be in the file yet),
        # the second streams.
        wait_for(lambda: len(sim.requests_for("slow")) == 1 and sim.active_requests == 1)
        wait_for(lambda: done_cells(home / "data" / "studio.sqlite3") == 1)
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
    assert proc.returncode == -signal.SIGKILL
    killed_at = time.monotonic()
    wait_for(lambda: sim.active_requests == 0)

    with Store.open(home / "data" / "studio.sqlite3") as store:
        assert store.batch_store().load(1).state is BatchState.RUNNING  # as it was left
    # The next start finds it interrupted.
    listed = cli("history", "batches", home=home)
    assert listed.code == 0 and "interrupted" in listed.out
    assert "0/6 finished" not in listed.out and "1/6 finished" in listed.out
    assert "prompt-studio run --resume 1" in listed.out
    (summary,) = cli("history", "batches", "--json", home=home).json()
    assert (summary["id"], summary["state"], summary["rows"], summary["columns"]) == (
        1, "interrupted", 3, 2)
    assert summary["cells"] == {"done": 1, "waiting": 5}  # the one in flight: not finished
    with Store.open(home / "data" / "studio.sqlite3") as store:
        batches = store.batch_store()
        assert batches.mark_interrupted() == []  # already found
        before = batches.load(1)
    assert before.state is BatchState.INTERRUPTED
    finished = {(c.row, c.col) for c in before.cells if c.state.finished}
    assert finished == {(0, 0)}
    assert before.cell(0, 0).result.text == "quick answer"  # type: ignore[union-attr]

    sim.script("slow", Synthetic(["slow answer"]))
    r = cli("run", "--resume", "1", "--json", home=home)
    assert r.code == 0, r.err
    assert r.err.splitlines()[0] == "batch 1"
    doc = r.json()
    assert doc["batch_id"] == 1
    assert [[x["text"] for x in run["results"]] for run in doc["runs"]] == [
        ["quick answer", "slow answer"]] * 3
    after = [q for q in sim.requests if q.started > killed_at]
    sent = sorted((q.model, sent_prompt(q)) for q in after)
    # The finished cell was not sent again; the one in flight was (it may be).
    assert sent == sorted([("fast", "Prompt number 1"), ("fast", "Prompt number 2"),
                           ("slow", "Prompt number 0"), ("slow", "Prompt number 1"),
                           ("slow", "Prompt number 2")])
    with Store.open(home / "data" / "studio.sqlite3") as store:
        done = store.batch_store().load(1)
        assert done.state is BatchState.DONE
        assert all(c.state is CellState.DONE for c in done.cells)
    # Resuming a finished batch sends nothing and prints it again.
    count = len(sim.requests)
    again = cli("run", "--resume", "1", "--json", home=home)
    assert again.code == 0 and again.json() == doc and len(sim.requests) == count


def test_concurrency_is_a_hard_bound_counted_at_the_server(home: Path, sim: Simulator,
                                                           tmp_path: Path) -> None:
    import_collection(home, tmp_path, simple_prompts(4))
    for model in ("m1", "m2", "m3"):
        sim.script(model, Synthetic(["x"] * 8, chunks_per_second=80))
    r = cli("run", "--collection", "Games", "-m", "o:m1", "-m", "a:m2", "-m", "j:m3",
            "--concurrency", "2", "--json", home=home)
    assert r.code == 0, r.err
    assert len(sim.requests) == 12
    assert peak_concurrency(sim.requests) <= 2 and sim.peak_active <= 2


def test_the_estimate_says_requests_and_cost_before_anything_is_sent(
        home: Path, sim: Simulator, tmp_path: Path) -> None:
    import_collection(home, tmp_path, simple_prompts(3))
    r = cli("run", "--collection", "Games", "-m", "o:gpt-4o", "-m", "a:mystery",
            "--max-tokens", "1000", "--estimate", "--json", home=home)
    assert r.code == 0, r.err
    estimate = r.json()
    assert (estimate["requests"], estimate["answers"], estimate["judge_requests"]) == (6, 6, 0)
    assert estimate["unknown_cost"] == ["a:mystery"]
    gpt = next(m for m in estimate["models"] if m["model"] == "o:gpt-4o")
    assert gpt["output_tokens"] == 3000
    assert gpt["cost_usd"] == pytest.approx((gpt["input_tokens"] * 2.5 + 3000 * 10) / 1e6,
                                            abs=1e-6)  # rounded to 6 decimals
    text = cli("run", "--collection", "Games", "-m", "o:gpt-4o", "--estimate", home=home)
    assert text.out.startswith("3 requests, estimated cost $")
    assert sim.requests == [] and cli("history", "list", "--json", home=home).json() == []


@pytest.mark.parametrize(("args", "message"), [
    (["--resume", "1", "-m", "o:x"], "-m cannot be given with it"),
    (["--resume", "1", "--var", "a=b"], "--var cannot be given with it"),
    (["--resume", "7"], "no batch with id 7"),
    (["--resume", "seven"], "expects a batch number"),
    (["-m", "o:x", "-p", "hi", "--concurrency", "2"], "--concurrency is for batches"),
    (["--collection", "Games", "-m", "o:x", "--concurrency", "0"], "between 1 and 64"),
    (["--collection", "Games", "-m", "o:x", "-p", "hi"], "not both"),
    (["--collection", "Games"], "at least one model"),
    (["--collection", "Nope", "-m", "o:x"], "Nope"),
    (["--collection", "Games", "-m", "o:x", "--judge", "nope"], "PROVIDER:MODEL"),
    (["-m", "o:x", "-p", "hi", "--prompt", "P0"], "--prompt TITLE picks a prompt"),
])
def test_usage_errors_send_nothing(home: Path, sim: Simulator, tmp_path: Path,
                                   args: list[str], message: str) -> None:
    import_collection(home, tmp_path, simple_prompts(1))
    r = cli("run", *args, home=home)
    assert r.code == 2, r.err
    assert message in r.err
    assert sim.requests == []


def test_a_batch_another_process_runs_cannot_be_resumed(home: Path, sim: Simulator,
                                                        tmp_path: Path) -> None:
    import_collection(home, tmp_path, simple_prompts(2))
    sim.script("slow", Synthetic(["s"] * 400, chunks_per_second=20))
    proc = subprocess.Popen(
        [sys.executable, "-m", "studio", "run", "--collection", "Games", "-m", "o:slow",
         "--concurrency", "1"], env=child_env(home), cwd=REPO, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None and proc.stderr.readline().strip() == "batch 1"
        wait_for(lambda: sim.active_requests == 1)
        r = cli("run", "--resume", "1", home=home)
        assert r.code == 2 and f"being run by another process (pid {proc.pid})" in r.err
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(30)
        if proc.stderr is not None:
            proc.stderr.close()
    assert proc.returncode == 130


PAGE_OK = "```html\n<html><body style='background:#2a6'><h1>Fine</h1></body></html>\n```"
PAGE_BAD = ("```html\n<html><body><h1>Broken</h1><script>console.error('boom');"
            "notDefined();</script></body></html>\n```")
VERDICT = '{"pass": true, "score": 0.8, "reason": "Looks right."}'


@pytest.mark.webengine
@pytest.mark.slow
def test_page_checks_run_in_the_sandbox_and_the_judge_sees_the_screenshot(
        home: Path, sim: Simulator, tmp_path: Path) -> None:
    import_collection(home, tmp_path, [{"title": "Page", "body": "Write a page", "checks": [
        {"kind": "no-console-errors"},
        {"kind": "judge", "value": "The page shows a heading", "model": "j:judge"}]}])
    sim.script("good", Synthetic([PAGE_OK]))
    sim.script("bad", Synthetic([PAGE_BAD]))
    sim.script("judge", Synthetic([VERDICT]))
    r = cli("run", "--collection", "Games", "-m", "o:good", "-m", "a:bad", "--json",
            home=home, timeout=150)
    assert r.code == 0, r.err
    good, bad = r.json()["runs"][0]["results"]
    assert good["checks"][0] == {"name": "no-console-errors", "pass": True, "score": None,
                                 "reason": "the page ran with no console error"}
    assert bad["checks"][0]["pass"] is False
    assert "2 console errors" in bad["checks"][0]["reason"]
    assert "boom" in bad["checks"][0]["reason"] and "notDefined" in bad["checks"][0]["reason"]
    assert good["checks"][1] == {"name": "judge j:judge", "pass": True, "score": 0.8,
                                 "reason": "Looks right. (judged with the page's screenshot)",
                                 # the judge's own request: no price for j:judge
                                 "cost_usd": None,
                                 "usage": {"input_tokens": 12, "output_tokens": 34}}
    judged = sim.requests_for("judge")
    assert len(judged) == 2
    for request in judged:
        parts = request.json["messages"][1]["content"]
        assert parts[0]["type"] == "text" and "The page shows a heading" in parts[0]["text"]
        url = parts[1]["image_url"]["url"]
        assert url.startswith("data:image/png;base64,")
        assert base64.b64decode(url.split(",", 1)[1]).startswith(PNG_SIGNATURE)
    with Store.open(home / "data" / "studio.sqlite3") as store:
        cells = store.batch_store().load(1).cells
        assert all(c.has_screenshot for c in cells)
        png = store.screenshot(cells[0].response_id)  # type: ignore[arg-type]
        assert png is not None and png.startswith(PNG_SIGNATURE)
        # Beside it, the small picture the batch window's grid shows.
        small = store.thumbnail(cells[0].response_id)  # type: ignore[arg-type]
        assert small is not None and small.startswith(PNG_SIGNATURE)
        width, height = struct.unpack(">II", small[16:24])  # the PNG's IHDR
        assert (width, height) == (256, 160)  # 1280 × 800 scaled to fit 256 × 160


def test_page_checks_without_a_display_are_not_run_never_passed(home: Path, sim: Simulator,
                                                                 tmp_path: Path) -> None:
    import_collection(home, tmp_path, [{"title": "Page", "body": "Write a page", "checks": [
        {"kind": "no-console-errors"}, {"kind": "has-page"}]}])
    sim.script("good", Synthetic([PAGE_OK]))
    env = {"DISPLAY": "", "WAYLAND_DISPLAY": "", "QT_QPA_PLATFORM": ""}
    r = cli("run", "--collection", "Games", "-m", "o:good", "--json", home=home, env=env)
    assert r.code == 0, r.err
    console, page = r.json()["runs"][0]["results"][0]["checks"]
    assert console["pass"] is None
    assert console["reason"].startswith("not run: no display available")
    assert page["pass"] is True


def test_on_a_terminal_one_live_progress_line_on_stderr(home: Path, sim: Simulator,
                                                        tmp_path: Path) -> None:
    import pty

    import_collection(home, tmp_path, simple_prompts(3))
    sim.script("m", Synthetic(["x"] * 30, chunks_per_second=60))
    main_fd, terminal_fd = pty.openpty()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "studio", "run", "--collection", "Games", "-m", "o:m",
             "--concurrency", "1"], env=child_env(home), cwd=REPO, stdout=subprocess.PIPE,
            stderr=terminal_fd, text=True)
        os.close(terminal_fd)
        out, _ = proc.communicate(timeout=120)
        chunks = []
        while True:
            try:
                data = os.read(main_fd, 65536)
            except OSError:  # the terminal's other end is closed: all was read
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(main_fd)
    err = b"".join(chunks).decode()
    assert proc.returncode == 0, err
    lines = err.replace("\r\n", "\n").split("\n")
    assert lines[0] == "batch 1"
    # Every redraw rewrites the same line in place; it ends once, when the batch ends.
    live = lines[1]
    assert live.startswith("\r\x1b[2Kbatch 1: ")
    frames = live.split("\r\x1b[2K")[1:]
    assert len(frames) >= 2
    assert "0/3 finished" in frames[0] and "waiting" in frames[0]
    assert frames[-1] == "batch 1: 3/3 finished · 0 running · cost unknown"  # no price
    assert [line for line in lines[2:] if line] == []
    assert out.rstrip().endswith("batch 1: 3 done, 0 failed; cost unknown")


# Per million tokens; the simulator reports the usage each scenario is given.
PRICES = {"version": 1, "models": {"priced-coder": {"input": 2.0, "output": 10.0},
                                   "price-judge": {"input": 3.0, "output": 15.0}}}
RUNAWAY = r"(a+)+$"  # catastrophic backtracking on the answer below: minutes in `re`


def test_a_runaway_pattern_fails_in_json_and_the_judges_cost_is_apart(
        home: Path, sim: Simulator, tmp_path: Path) -> None:
    (home / "config").mkdir(parents=True, exist_ok=True)
    (home / "config" / "prices.json").write_text(json.dumps(PRICES), encoding="utf-8")
    import_collection(home, tmp_path, [{"title": "Long", "body": "Say a lot", "checks": [
        {"kind": "regex", "value": RUNAWAY},
        {"kind": "regex", "value": "a{3}b$"},
        {"kind": "judge", "value": "Is it long?", "model": "j:price-judge",
         "images": False}]}])
    sim.script("priced-coder", Synthetic(["a" * 5_000, "b"], usage=(1_000, 2_000)))
    sim.script("other-coder", Synthetic(["ab"], usage=(10, 2)))
    sim.script("price-judge", Synthetic([VERDICT], usage=(500, 40)))
    started = time.monotonic()
    r = cli("run", "--collection", "Games", "-m", "o:priced-coder", "-m", "o:other-coder",
            "--json", home=home)
    elapsed = time.monotonic() - started
    assert r.code == 0, r.err
    priced, other = r.json()["runs"][0]["results"]
    runaway, simple, judge = priced["checks"]
    assert runaway == {"name": f"regex {RUNAWAY!r}", "pass": False, "score": None,
                       "reason": "the pattern took longer than 1 s on this answer: "
                                 "simplify it"}
    assert simple["pass"] is True and simple["reason"] == "matched 'aaab'"
    assert "cost_usd" not in simple  # no model was asked for it
    # Worked out by hand: 500 tokens in at $3 and 40 out at $15 per million.
    assert judge["cost_usd"] == pytest.approx((500 * 3 + 40 * 15) / 1e6)
    assert judge["usage"] == {"input_tokens": 500, "output_tokens": 40}
    # The answering model's cost is its own answer's alone: 1,000 in at $2, 2,000 out at $10.
    assert priced["cost_usd"] == pytest.approx((1_000 * 2 + 2_000 * 10) / 1e6)
    assert priced["usage"]["input_tokens"] == 1_000
    # The same pattern on a short answer is searched as usual.
    assert (other["checks"][0]["pass"], other["checks"][0]["reason"]) == (
        False, "no match in the answer")
    assert other["checks"][2]["cost_usd"] == pytest.approx((500 * 3 + 40 * 15) / 1e6)
    assert elapsed < 90
    assert len(sim.requests_for("price-judge")) == 2

    # The printed batch: each judge check with its cost, the totals with judging apart.
    r = cli("run", "--collection", "Games", "-m", "o:priced-coder", home=home)
    assert r.code == 0, r.err
    assert "[judging $0.0021]" in r.out
    assert r.out.rstrip().endswith("checks: 2 of 3 passed; cost $0.0220 + judging $0.0021")

    # The estimate tallies the judge apart and says what judging adds.
    estimate = cli("run", "--collection", "Games", "-m", "o:priced-coder", "--max-tokens",
                   "2000", "--estimate", "--json", home=home).json()
    judges = [m for m in estimate["models"] if m["judge"]]
    assert [m["model"] for m in judges] == ["j:price-judge"] and judges[0]["requests"] == 1
    assert estimate["judge_cost_usd"] == pytest.approx(judges[0]["cost_usd"], abs=1e-6)
    assert estimate["judge_cost_usd"] > 0
    text = cli("run", "--collection", "Games", "-m", "o:priced-coder", "--estimate",
               home=home).out
    assert text.startswith("2 requests (1 to judges), estimated cost $")
    assert "(judging $0.0" in text
