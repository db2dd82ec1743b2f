"""Batches through the real engine, store and loopback simulator: faults in some cells, the
concurrency bound counted at the server, one provider slowed down by a 429 while another
goes on, pause / resume / cancel, re-runs kept as new attempts, checks with a judge model
served by the simulator (with and without the page's screenshot), and a prompt's files
sent with every row."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from studio.core.attachments import attachment_from_bytes
from studio.core.batch import (
    Batch,
    BatchError,
    BatchState,
    CellState,
    PromptSource,
    column_summary,
    plan_rows,
    spending,
)
from studio.core.batch_runner import BatchRunner, SilentBatchListener, run_batch
from studio.core.catalog import ModelRef, ProviderConfig, parse_model_ref
from studio.core.checks import Check, CheckResult, JudgeSpend, Subject
from studio.core.events import ErrorKind
from studio.core.judge import JudgeClient
from studio.core.prices import PriceTable
from studio.core.regex_search import RegexSearcher
from studio.core.request import single_turn
from studio.core.retry import RetryPolicy
from studio.core.runner import Engine, ModelTarget
from studio.core.secrets import KeyStore
from studio.store import Store
from studio.store.batch_recorders import BackgroundBatchRecorder, StoreBatchRecorder
from studio.store.threads import entry_of
from tests.support import images
from tests.support.scenarios import Status, Synthetic
from tests.support.simulator import Simulator, peak_concurrency

pytestmark = pytest.mark.timeout(90)

POLICY = RetryPolicy(max_attempts=3, base_delay_s=0.05, max_delay_s=0.1, max_retry_after_s=5)
PROTOCOL_OF = {"o": "openai", "a": "anthropic", "g": "gemini", "j": "openai"}


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator() as server:
        yield server
        assert server.errors == []


@pytest.fixture
def store(studio_home: Path) -> Iterator[Store]:
    opened = Store.open(studio_home / "studio.sqlite3")
    yield opened
    opened.close()


def target(sim: Simulator, ref: str) -> ModelTarget:
    model = parse_model_ref(ref)
    protocol = PROTOCOL_OF[model.provider]
    config = ProviderConfig(model.provider, protocol, sim.url(protocol),  # type: ignore[arg-type]
                            needs_key=False)
    return ModelTarget(ModelRef(model.provider, model.model), config)


def prompts(count: int, checks: tuple[Check, ...] = ()) -> list[PromptSource]:
    return [PromptSource(title=f"P{i}", body=f"Prompt number {i}", checks=checks)
            for i in range(count)]


class Harness:
    """A batch in the store and its runner on a fresh engine (inside the running loop)."""

    def __init__(self, sim: Simulator, store: Store, models: list[str],
                 sources: list[PromptSource], *, concurrency: int = 4,
                 per_provider: int | None = None, judge: str | None = None,
                 background: bool = False) -> None:
        self.sim = sim
        self.store = store
        self.targets = [target(sim, m) for m in models]
        planned = Batch(tuple(plan_rows(sources)), tuple(entry_of(t) for t in self.targets),
                        concurrency=concurrency, per_provider=per_provider, judge=judge)
        self.batch = store.batch_store().create(planned)
        self.recorder: StoreBatchRecorder | BackgroundBatchRecorder = (
            BackgroundBatchRecorder(store.path) if background else StoreBatchRecorder(store))

    def runner(self, engine: Engine, **options: Any) -> BatchRunner:
        return BatchRunner(engine, self.batch, self.targets, recorder=self.recorder,
                           resolve=lambda text: target(self.sim, text), **options)

    def saved(self) -> Batch:
        assert self.batch.id is not None
        if isinstance(self.recorder, BackgroundBatchRecorder):
            self.recorder.flush()
        return self.store.batch_store().load(self.batch.id)

    def close(self) -> None:
        if isinstance(self.recorder, BackgroundBatchRecorder):
            self.recorder.close()
        assert self.recorder.warning is None


def engine() -> Engine:
    return Engine(keys=KeyStore(env={}), prices=PriceTable.load(None), policy=POLICY)


async def until(condition: Callable[[], bool], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        await asyncio.sleep(0.005)


def run(harness: Harness, body: Callable[[BatchRunner], Awaitable[None]],
        **options: Any) -> None:
    async def main() -> None:
        eng = engine()
        try:
            await body(harness.runner(eng, **options))
        finally:
            await eng.aclose()
            harness.close()
        assert await harness.sim.await_idle(2.0)
        current = asyncio.current_task()
        others = {t for t in asyncio.all_tasks() - {current}
                  if type(t.get_coro()).__name__ != "async_generator_athrow"}
        assert others == set(), sorted(t.get_name() for t in others)

    asyncio.run(main())


@pytest.mark.parametrize("background", [False, True], ids=["on-the-loop", "writer-thread"])
def test_faults_in_some_cells_leave_the_others_done(sim: Simulator, store: Store,
                                                    background: bool) -> None:
    sim.script("good", Synthetic(["<html>", "ok", "</html>"]))
    sim.script("broken", Status(401))
    sim.script("flaky", Status(503), Synthetic(["recovered"]))
    harness = Harness(sim, store, ["o:good", "a:broken", "g:flaky"], prompts(3),
                      background=background)

    async def body(runner: BatchRunner) -> None:
        await run_batch(runner)

    run(harness, body)
    batch = harness.batch
    assert batch.state is BatchState.DONE
    for row in range(3):
        good, broken, flaky = batch.row_cells(row)
        assert good.state is CellState.DONE and good.result is not None
        assert good.result.text == "<html>ok</html>" and good.result.html == "<html>ok</html>"
        assert broken.state is CellState.FAILED and broken.result is not None
        assert broken.result.error is not None and broken.result.error.kind is ErrorKind.AUTH
        assert flaky.state is CellState.DONE and flaky.result is not None
        assert flaky.result.text == "recovered"
    assert len(sim.requests_for("flaky")) == 4  # one 503, retried once, then two fine
    saved = harness.saved()
    assert saved.state is BatchState.DONE
    assert [c.state for c in saved.cells] == [c.state for c in batch.cells]
    assert saved.cell(2, 1).error_kind == "auth"
    # Every row is a normal run in history with the answers in it.
    run_ = store.run(saved.rows[0].run_id)  # type: ignore[arg-type]
    assert [r.state for r in run_.turns[0].current_responses()] == ["done", "failed", "done"]
    assert run_.turns[0].current(0).html == "<html>ok</html>"  # type: ignore[union-attr]


def test_the_concurrency_bound_holds_at_the_server(sim: Simulator, store: Store) -> None:
    for model in ("m1", "m2", "m3"):
        sim.script(model, Synthetic(["x"] * 10, chunks_per_second=100))
    harness = Harness(sim, store, ["o:m1", "a:m2", "g:m3"], prompts(5), concurrency=3)

    async def body(runner: BatchRunner) -> None:
        await run_batch(runner)
        assert runner.limiter.peak == 3

    run(harness, body)
    assert len(sim.requests) == 15
    assert peak_concurrency(sim.requests) <= 3
    assert sim.peak_active <= 3
    assert all(c.state is CellState.DONE for c in harness.batch.cells)


def test_a_per_provider_bound_holds_at_the_server(sim: Simulator, store: Store) -> None:
    sim.script("busy", Synthetic(["x"] * 10, chunks_per_second=100))
    sim.script("other", Synthetic(["y"] * 10, chunks_per_second=100))
    harness = Harness(sim, store, ["o:busy", "a:other"], prompts(6), concurrency=4,
                      per_provider=1)

    async def body(runner: BatchRunner) -> None:
        await run_batch(runner)

    run(harness, body)
    assert peak_concurrency(sim.requests_for("busy")) == 1
    assert peak_concurrency(sim.requests_for("other")) == 1
    assert peak_concurrency(sim.requests) <= 2


def test_a_429_slows_down_that_provider_only(sim: Simulator, store: Store) -> None:
    sim.script("limited", Status(429, retry_after="1"), Synthetic(["fine"]))
    sim.script("steady", Synthetic(["s"] * 15, chunks_per_second=50))  # 0.3 s a stream
    # One stream per provider: every later request to "limited" was let through after the
    # 429 came back, none was already on its way.
    harness = Harness(sim, store, ["o:limited", "a:steady"], prompts(8), concurrency=4,
                      per_provider=1)

    async def body(runner: BatchRunner) -> None:
        await run_batch(runner)
        assert runner.limiter.throttled("o") == 1 and runner.limiter.throttled("a") == 0

    run(harness, body)
    assert all(c.state is CellState.DONE for c in harness.batch.cells)
    limited = sim.requests_for("limited")
    refused = limited[0]
    assert refused.ended is not None
    later = [r for r in limited if r.started > refused.ended]
    assert later, "the limited provider was asked again"
    # Nothing new went to the limited provider before its Retry-After had passed...
    assert min(r.started for r in later) >= refused.ended + 1.0
    # ...while the other provider was being answered meanwhile.
    window = (refused.ended, refused.ended + 1.0)
    assert any(r.started < window[1] and (r.ended or time.monotonic()) > window[0]
               for r in sim.requests_for("steady"))


def test_pause_sends_nothing_new_and_resume_goes_on(sim: Simulator, store: Store) -> None:
    sim.script("slow", Synthetic(["x"] * 10, chunks_per_second=40))
    harness = Harness(sim, store, ["o:slow"], prompts(6), concurrency=2)
    states: list[BatchState] = []

    class Listener(SilentBatchListener):
        def on_batch(self, batch: Batch) -> None:
            states.append(batch.state)

    async def body(runner: BatchRunner) -> None:
        runner.start()
        await until(lambda: runner.limiter.open == 2)
        runner.pause()
        assert harness.saved().state is BatchState.PAUSED
        await until(lambda: runner.limiter.open == 0 and
                    sum(c.state is CellState.DONE for c in harness.batch.cells) == 2)
        # Admission is the only way to the network: nothing was let through while paused.
        assert runner.limiter.waiting == 4 and len(sim.requests) == 2
        progress = runner.progress()
        assert (progress.done, progress.waiting, progress.eta_s) == (2, 4, None)
        runner.set_limits(3, per_provider=2)
        saved = harness.saved()
        assert (saved.concurrency, saved.per_provider) == (3, 2)
        runner.resume()
        await runner.wait()
        assert runner.progress().eta_s == 0.0

    run(harness, body, listener=Listener())
    assert states == [BatchState.PAUSED, BatchState.RUNNING, BatchState.DONE]
    assert len(sim.requests) == 6 and harness.saved().state is BatchState.DONE


@pytest.mark.parametrize("background", [False, True], ids=["on-the-loop", "writer-thread"])
def test_cancel_stops_everything_and_start_runs_the_rest(sim: Simulator, store: Store,
                                                          background: bool) -> None:
    sim.script("slow", Synthetic(["x"] * 40, chunks_per_second=40))  # 1 s a stream
    harness = Harness(sim, store, ["o:slow"], prompts(5), concurrency=2,
                      background=background)

    async def body(runner: BatchRunner) -> None:
        runner.start()
        await until(lambda: sum(c.state is CellState.STREAMING for c in harness.batch.cells)
                    == 2)
        started = time.monotonic()
        runner.cancel()
        await runner.wait()
        assert time.monotonic() - started < 1.0  # the streams were cut, not waited for
        assert harness.batch.state is BatchState.CANCELLED
        # The two streams were cut; the cells never sent are still waiting.
        assert [c.state for c in harness.batch.cells] == [CellState.CANCELLED] * 2 + [
            CellState.WAITING] * 3
        assert len(sim.requests) == 2
        saved = harness.saved()
        assert saved.state is BatchState.CANCELLED
        assert [c.state for c in saved.cells] == [c.state for c in harness.batch.cells]
        assert saved.cells[0].result is not None and saved.cells[4].result is None
        runner.rerun_cell(4, 0)  # never sent: its first attempt is made now
        await runner.wait()
        assert (harness.batch.cells[4].attempt, harness.batch.cells[4].state) == (
            0, CellState.DONE)
        runner.start()  # what is not finished runs again
        await runner.wait()

    run(harness, body)
    assert harness.batch.state is BatchState.DONE
    assert len(sim.requests) == 7  # the two cut streams were sent again, nothing else twice


@pytest.mark.parametrize("background", [False, True], ids=["on-the-loop", "writer-thread"])
def test_reruns_are_new_attempts_and_the_old_ones_stay(sim: Simulator, store: Store,
                                                       background: bool) -> None:
    sim.script("once-bad", Status(400, message="bad luck"), Synthetic(["better"]))
    harness = Harness(sim, store, ["o:once-bad"], prompts(2), concurrency=1,
                      background=background)

    async def body(runner: BatchRunner) -> None:
        await run_batch(runner)
        assert [c.state for c in harness.batch.cells] == [CellState.FAILED, CellState.DONE]
        assert runner.rerun_failed() == [harness.batch.cells[0]]
        await runner.wait()
        runner.rerun_cell(1, 0)
        with pytest.raises(BatchError, match="still running"):
            runner.rerun_cell(1, 0)
        await runner.wait()

    run(harness, body)
    first, second = harness.batch.cells
    assert (first.attempt, first.state) == (1, CellState.DONE)
    assert (second.attempt, second.state) == (1, CellState.DONE)
    assert harness.batch.state is BatchState.DONE
    batches = store.batch_store()
    assert harness.batch.id is not None
    assert [a.state for a in batches.attempts(harness.batch.id, 0, 0)] == [
        CellState.FAILED, CellState.DONE]
    turn = store.run(harness.batch.rows[0].run_id).turns[0]  # type: ignore[arg-type]
    assert [(r.attempt, r.state, r.text) for r in turn.attempts(0)] == [
        (0, "failed", ""), (1, "done", "better")]
    assert len(sim.requests) == 4


JUDGE_OK = '{"pass": true, "score": 0.9, "reason": "The ball bounces off every wall."}'


def test_checks_and_a_judge_model_served_by_the_simulator(sim: Simulator,
                                                          store: Store) -> None:
    sim.script("coder", Synthetic(["```html\n<canvas id=c></canvas>\n```"]))
    sim.script("judge-ok", Synthetic(["Sure! ", JUDGE_OK]))
    sim.script("judge-garbled", Synthetic(["I liked it a lot."]))
    sim.script("judge-down", Status(500))
    checks = (Check("contains", "<canvas"), Check("not-contains", "TODO"),
              Check("judge", "The ball must bounce", model="j:judge-ok", images=False),
              Check("judge", "Is it fun?", model="j:judge-garbled"),
              Check("judge", "Anything", model="j:judge-down"),
              Check("judge", "Uses the batch's judge"),
              Check("no-console-errors"), Check("max-cost", limit=1.0))
    harness = Harness(sim, store, ["o:coder"], prompts(1, checks), concurrency=1,
                      judge="j:judge-ok")

    async def body(runner: BatchRunner) -> None:
        await run_batch(runner)
        assert runner.limiter.peak == 1  # judges wait for a slot like everything else

    run(harness, body)
    (cell,) = harness.batch.cells
    assert cell.state is CellState.DONE
    results = {c.name: c for c in cell.checks}
    assert [c.name for c in cell.checks] == [c.label for c in checks]
    assert results["contains '<canvas'"].passed is True
    assert results["not-contains 'TODO'"].passed is True
    ok = results["judge j:judge-ok"]
    assert (ok.passed, ok.score, ok.reason) == (True, 0.9, "The ball bounces off every wall.")
    garbled = results["judge j:judge-garbled"]
    assert garbled.passed is False and "I liked it a lot." in garbled.reason
    down = results["judge j:judge-down"]
    assert down.passed is None and "judge's request failed (server" in down.reason
    assert results["judge"].passed is True  # the batch's default judge
    console = results["no-console-errors"]
    assert console.passed is None and "no page runner" in console.reason
    cost = results["cost ≤ $1"]
    assert cost.passed is None and "unknown" in cost.reason  # no price for o:coder
    asked = sim.requests_for("judge-ok")[0].json
    assert asked["temperature"] == 0
    assert asked["messages"][0]["role"] == "system" and "evaluator" in asked["messages"][0][
        "content"]
    question = asked["messages"][1]["content"]
    assert isinstance(question, str)  # no picture without a page runner
    for part in ("The ball must bounce", "Prompt number 0", "<canvas id=c></canvas>"):
        assert part in question
    saved = harness.saved().cells[0]
    assert [c.to_json() for c in saved.checks] == [c.to_json() for c in cell.checks]
    assert json.loads(json.dumps([c.to_json() for c in saved.checks]))[2]["pass"] is True


def _judge_target(sim: Simulator, ref: str) -> ModelTarget:
    """A judge model; those named "blind…" are text-only by their provider's preset."""
    found = target(sim, ref)
    config = replace(found.config, text_only_models=("blind*",))
    return ModelTarget(found.ref, config)


def test_a_judge_that_takes_no_images_judges_the_text_alone(sim: Simulator) -> None:
    picture = images.png(32, 24)
    sim.script("picky", Status(400, message="image_url is only supported by certain models"),
               Synthetic([JUDGE_OK]))
    sim.script("blind-judge", Synthetic([JUDGE_OK]))
    sim.script("sighted", Synthetic([JUDGE_OK]))
    subject = Subject(prompt="Make a page", system=None, model="o:coder", text="<p>hi</p>",
                      html="<p>hi</p>", ok=True)

    async def main() -> list[CheckResult]:
        eng = engine()
        try:
            judge = JudgeClient(eng, lambda text: _judge_target(sim, text))
            return [await judge.judge(Check("judge", "Is it a page?", model=f"j:{name}"),
                                      subject, picture)
                    for name in ("picky", "blind-judge", "sighted")]
        finally:
            await eng.aclose()

    picky, blind, sighted = asyncio.run(main())

    def content(name: str) -> list[Any]:
        return [r.json["messages"][1]["content"] for r in sim.requests_for(name)]

    # refused with the picture: asked once more with the text alone
    with_image, text_only = content("picky")
    assert with_image[1]["image_url"]["url"].endswith(
        base64.b64encode(picture).decode("ascii"))
    assert isinstance(text_only, str) and "no screenshot of it is available" in text_only
    assert (picky.passed, picky.reason) == (True, "The ball bounces off every wall.")
    # known not to take images: never sent one
    (only,) = content("blind-judge")
    assert isinstance(only, str) and blind.passed is True
    assert "screenshot" not in blind.reason
    # a judge that takes it sees the page's screenshot
    (seen,) = content("sighted")
    assert base64.b64decode(seen[1]["image_url"]["url"].split(",", 1)[1]) == picture
    assert sighted.reason.endswith("(judged with the page's screenshot)")


def test_a_prompts_files_go_with_every_row_and_stay_with_the_batch(sim: Simulator,
                                                                  store: Store) -> None:
    mockup = attachment_from_bytes("mockup.png", images.png(40, 30))
    data = attachment_from_bytes("data.csv", b"x,y\n1,2\n")
    sim.script("gpt", Synthetic(["ok"]))
    sim.script("claude", Synthetic(["ok"]))
    source = PromptSource(title="From mockup", body="Build {{what}}", variables={"what": "it"},
                          variable_rows=({"what": "a page"}, {"what": "a card"}),
                          attachments=(mockup, data))
    harness = Harness(sim, store, ["o:gpt", "a:claude"], [source])

    async def body(runner: BatchRunner) -> None:
        await run_batch(runner)

    run(harness, body)
    assert all(c.state is CellState.DONE for c in harness.batch.cells)
    sent = base64.b64encode(mockup.data).decode("ascii")
    for request in sim.requests_for("gpt"):
        text, image = request.json["messages"][-1]["content"]
        assert text["text"].startswith("Build a ") and "data.csv\n```csv\nx,y" in text["text"]
        assert image["image_url"]["url"] == f"data:image/png;base64,{sent}"
    for request in sim.requests_for("claude"):
        image, text = request.json["messages"][-1]["content"]
        assert image["source"]["data"] == sent and "data.csv" in text["text"]
    assert len(sim.requests_for("gpt")) == len(sim.requests_for("claude")) == 2
    saved = harness.saved()
    assert [row.attachments for row in saved.rows] == [(mockup, data)] * 2
    for row in saved.rows:  # each row's run in history lists the files of its prompt
        (turn,) = store.run(row.run_id).turns  # type: ignore[arg-type]
        assert [(a.name, a.sha256) for a in turn.attachments] == [
            ("mockup.png", mockup.sha256), ("data.csv", data.sha256)]
    assert store.connection.execute("SELECT count(*) FROM blobs").fetchone()[0] == 2


def test_progress_counts_and_listener_callbacks(sim: Simulator, store: Store) -> None:
    sim.script("m", Synthetic(["a", "b"]))
    sim.script("bad", Status(401))
    harness = Harness(sim, store, ["o:m", "a:bad"], prompts(3), concurrency=2)
    seen: dict[str, int] = {"cell": 0, "delta": 0}

    class Listener(SilentBatchListener):
        def on_cell(self, cell: Any) -> None:
            seen["cell"] += 1

        def on_delta(self, cell: Any, event: Any) -> None:
            seen["delta"] += 1

    async def body(runner: BatchRunner) -> None:
        before = runner.progress()
        assert (before.total, before.waiting, before.finished) == (6, 6, 0)
        await run_batch(runner)
        after = runner.progress()
        assert (after.done, after.failed, after.waiting, after.active) == (3, 3, 0, 0)
        assert after.elapsed_s > 0 and after.eta_s == 0.0

    run(harness, body, listener=Listener())
    assert seen["delta"] == 6  # two text chunks for each of the three answers
    assert seen["cell"] >= 12  # at least admitted and finished for each cell


def test_a_session_asks_the_keyring_once_per_provider_and_again_after_a_fix(
        sim: Simulator) -> None:
    from tests.support.memory_keyring import MemoryKeyring

    # Counted on the instance: a subclass would join keyring's registry of backends and
    # change which backend later tests get by default.
    backend = MemoryKeyring()
    asked = [0]
    lookup = backend.get_password

    def counting(service: str, username: str) -> str | None:
        asked[0] += 1
        return lookup(service, username)

    backend.get_password = counting  # type: ignore[method-assign]
    keys = KeyStore(env={}, backend=backend)
    config = ProviderConfig("keyed", "openai", sim.url("openai"))
    sim.script("k", Synthetic(["fine"]))
    job = (ModelTarget(ModelRef("keyed", "k"), config), single_turn("k", "hi"))

    async def main() -> None:
        eng = Engine(keys=keys, prices=PriceTable.load(None), policy=POLICY)
        try:
            session = eng.start([job])
            (missing,) = await session.wait()
            assert missing.error is not None and missing.error.kind is ErrorKind.AUTH
            keys.set("keyed", "sk-batch-key-0123456789")
            session.retry(0)  # the key stored meanwhile is found
            (fixed,) = await session.wait()
            assert fixed.text == "fine"
            asked[0] = 0
            runs = await eng.start([job] * 12).wait()
            assert [r.text for r in runs] == ["fine"] * 12
            assert asked[0] == 1
        finally:
            await eng.aclose()

    asyncio.run(main())
    assert all(r.presented_key == "sk-batch-key-0123456789" for r in sim.requests)


RUNAWAY = r"(a+)+$"  # catastrophic backtracking on a long run of a's ending in b


def test_a_runaway_pattern_holds_up_no_other_cell_and_fails_with_its_reason(
        sim: Simulator, store: Store) -> None:
    sim.script("long", Synthetic(["a" * 5_000, "b"]))
    sim.script("short", Synthetic(["aab"]))
    checks = (Check("regex", RUNAWAY), Check("contains", "b"))
    harness = Harness(sim, store, ["o:long", "o:short"], prompts(1, checks), concurrency=1)
    runaway, other = harness.batch.cells
    seen: list[CellState] = []

    class Listener(SilentBatchListener):
        def on_cell(self, cell: Any) -> None:
            if cell is other and cell.state is CellState.DONE:
                seen.append(runaway.state)  # what the runaway cell was doing meanwhile

    async def body(runner: BatchRunner) -> None:
        # A limit long enough that the other cell is surely sent, answered and checked
        # while the runaway search still runs, however busy the machine.
        runner.regex = RegexSearcher(limit_s=5.0)
        await run_batch(runner)

    run(harness, body, listener=Listener())
    assert seen == [CellState.CHECKING]  # the other cell finished during the search
    assert runaway.checks[0] == CheckResult(
        f"regex {RUNAWAY!r}", False, None,
        "the pattern took longer than 5 s on this answer: simplify it")
    assert runaway.checks[1].passed is True  # the cell's other check was not held up
    assert other.checks[0].reason == "no match in the answer"
    assert [c.to_json() for c in harness.saved().cells[0].checks] == [
        c.to_json() for c in runaway.checks]


def test_a_judges_cost_is_recorded_apart_from_the_answers(sim: Simulator,
                                                          store: Store) -> None:
    prices = PriceTable.from_data({"version": 1, "models": {
        "coder": {"input": 2.0, "output": 10.0}, "judge": {"input": 3.0, "output": 15.0}}})
    sim.script("coder", Synthetic(["<p>hi</p>"], usage=(1_000, 2_000)))
    sim.script("judge", Synthetic([JUDGE_OK], usage=(500, 40)))
    sim.script("judge-down", Status(500))
    checks = (Check("judge", "Is it a page?", model="j:judge"),
              Check("judge", "Anything", model="j:judge-down"), Check("contains", "hi"))
    harness = Harness(sim, store, ["o:coder"], prompts(2, checks))

    async def main() -> None:
        eng = Engine(keys=KeyStore(env={}), prices=prices, policy=POLICY)
        try:
            await run_batch(harness.runner(eng))
        finally:
            await eng.aclose()
            harness.close()

    asyncio.run(main())
    judge_cost = (500 * 3 + 40 * 15) / 1e6  # by hand, from the price table's rates
    answer_cost = (1_000 * 2 + 2_000 * 10) / 1e6
    for cell in (*harness.batch.cells, *harness.saved().cells):
        assert cell.result is not None
        assert cell.result.cost_usd == pytest.approx(answer_cost)  # the answer's alone
        judged, down, contains = cell.checks
        assert judged.passed is True and judged.spend is not None
        assert judged.spend.cost_usd == pytest.approx(judge_cost)
        assert (judged.spend.input_tokens, judged.spend.output_tokens) == (500, 40)
        # Refused with an error status before anything was generated: not billed.
        assert down.passed is None and down.spend == JudgeSpend(0.0)
        assert contains.spend is None
    summary = column_summary(harness.batch.cells)
    assert summary.total_cost_usd == pytest.approx(2 * answer_cost)
    assert summary.judging.asked == 4 and summary.judging.unknown == 0
    assert summary.judging.cost_usd == pytest.approx(2 * judge_cost)
    assert spending(harness.saved().cells).text() == "cost $0.0440 + judging $0.0042"
