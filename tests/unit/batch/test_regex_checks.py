"""Regular-expression checks searched in worker processes within a time limit: a runaway
pattern fails with its reason while the event loop, and other searches, go on."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from studio.core.checks import Check, Subject
from studio.core.regex_search import (
    REGEX_TIME_LIMIT_S,
    RegexSearcher,
    regex_check,
    worker_environment,
)
from studio.store.promptfoo_checks import map_tests

pytestmark = pytest.mark.timeout(120)

REPO = Path(__file__).resolve().parents[3]

RUNAWAY = r"(a+)+$"  # catastrophic backtracking: minutes on the answer below
LONG_A = "a" * 5_000 + "b"
TIMED_OUT = "the pattern took longer than 1 s on this answer: simplify it"


async def until(condition: Callable[[], bool], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        await asyncio.sleep(0.01)


def subject(text: str, ok: bool = True) -> Subject:
    return Subject(prompt="p", system=None, model="o:m", text=text, html=None, ok=ok,
                   problem="" if ok else "failed")


def test_matches_and_misses_say_what_matched() -> None:
    async def main() -> list[tuple[bool | None, str]]:
        searcher = RegexSearcher()
        try:
            found = [await regex_check(Check("regex", pattern), subject(text), searcher)
                     for pattern, text in ((r"<\w+>", "Here is a <canvas> game"),
                                           (r"^\d+$", "Here is a game"),
                                           (r"é+\u2028", "caf\u00e9\u2028\ud800 ok"))]
            assert searcher.started == 1  # one worker, kept for the next searches
            return [(r.passed, r.reason) for r in found]
        finally:
            await searcher.close_idle()

    assert asyncio.run(main()) == [(True, "matched '<canvas>'"),
                                   (False, "no match in the answer"),
                                   (True, "matched 'é\\u2028'")]


def test_a_runaway_pattern_fails_with_the_reason_while_other_searches_finish() -> None:
    async def main() -> None:
        searcher = RegexSearcher()
        try:
            started = time.monotonic()
            runaway = asyncio.ensure_future(
                regex_check(Check("regex", RUNAWAY), subject(LONG_A), searcher))
            await asyncio.sleep(0)  # it is sent
            # The loop is free meanwhile: another cell's search starts after it and ends first.
            other = await regex_check(Check("regex", r"b$"), subject(LONG_A), searcher)
            assert other.passed is True and not runaway.done()
            result = await runaway
            elapsed = time.monotonic() - started
            assert (result.passed, result.reason) == (False, TIMED_OUT)
            assert result.name == f"regex {RUNAWAY!r}"
            # Bounded: the limit, plus a worker's start on a machine shared with other tests.
            assert REGEX_TIME_LIMIT_S <= elapsed < REGEX_TIME_LIMIT_S + 30
            # Two workers ran; the one that ran past the limit was killed, not kept.
            assert searcher.started == 2 and len(searcher._idle) == 1
            kept = searcher._idle[0]
            again = await regex_check(Check("regex", "a"), subject("xa"), searcher)
            assert again.passed is True and searcher._idle == [kept]
        finally:
            await searcher.close_idle()

    asyncio.run(main())


def test_a_cancelled_search_kills_its_worker() -> None:
    async def main() -> None:
        searcher = RegexSearcher(limit_s=60)
        task = asyncio.ensure_future(searcher.search(RUNAWAY, LONG_A))
        await until(lambda: searcher.started == 1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert searcher._idle == []  # killed and reaped, not kept
        assert (await searcher.search("x", "yxz")).matched == "x"
        await searcher.close_idle()

    asyncio.run(main())


def test_what_the_worker_cannot_search_fails_and_a_failed_answer_is_not_searched() -> None:
    async def main() -> None:
        searcher = RegexSearcher()
        try:
            bad = await searcher.search("(", "text")  # saved checks never hold one
            assert bad.error is not None and "invalid regular expression" in bad.error
            not_run = await regex_check(Check("regex", "x"), subject("x", ok=False), searcher)
            assert not_run.passed is None and not_run.reason == "not run: the answer failed"
        finally:
            await searcher.close_idle()

    asyncio.run(main())


def test_the_worker_gets_no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret")
    monkeypatch.setenv("DASHSCOPE_API_KEY", "sk-secret")
    monkeypatch.setenv("PYTHONPATH", "/somewhere")
    env = worker_environment()
    assert "sk-secret" not in env.values() and env["PYTHONPATH"] == "/somewhere"


def test_promptfoo_regex_asserts_are_searched_the_same_way() -> None:
    mapped = map_tests({"tests": [{"vars": {"game": "pong"}, "assert": [
        {"type": "regex", "value": r"<canvas\b"}, {"type": "regex", "value": "("}]}]})
    (check,) = [c for c in mapped.checks if c.kind == "regex"]  # "(" is listed, not imported
    assert any("invalid regular expression" in line for line in mapped.not_imported)

    async def main() -> bool | None:
        searcher = RegexSearcher()
        try:
            return (await regex_check(check, subject("<canvas id=c>"), searcher)).passed
        finally:
            await searcher.close_idle()

    assert asyncio.run(main()) is True


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a Linux process setting")
def test_a_worker_deep_in_a_runaway_search_ends_with_the_process_that_started_it(
        tmp_path: Path) -> None:
    """An app killed mid-batch: its worker, busy with a runaway pattern, reads nothing
    that would tell it; it ends with the app all the same."""
    script = tmp_path / "starter.py"
    script.write_text(textwrap.dedent(f"""
        import json, os, subprocess, sys
        from studio.core.regex_search import worker_command, worker_environment
        worker = subprocess.Popen(worker_command(), stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                  env=worker_environment())
        assert worker.stdout.readline() == b"ready\\n"
        worker.stdin.write(json.dumps({{"pattern": {RUNAWAY!r}, "text": {LONG_A!r}}})
                           .encode() + b"\\n")
        worker.stdin.flush()
        print(worker.pid, flush=True)
        os.kill(os.getpid(), 9)  # killed, as an app may be: nothing is closed in order
    """), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    starter = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                             env=env, cwd=REPO, timeout=60)
    pid = int(starter.stdout.split()[0])

    def gone() -> bool:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split()[2]
        except FileNotFoundError:
            return True
        return state == "Z"  # ended, waiting for the init process to reap it

    deadline = time.monotonic() + 30
    while not gone():
        if time.monotonic() > deadline:
            os.kill(pid, 9)
            pytest.fail("the worker outlived the process that started it")
        time.sleep(0.05)
