"""Regular-expression checks with a hard time limit: searched in worker processes.

Python's `re` cannot be interrupted: a pattern with catastrophic backtracking — `(a+)+$` on
a long run of `a`s ending in `b` — runs for minutes, holding the GIL the whole time. The
checks run on the engine's event loop, which in the app is the window's own (qasync), so a
search done there freezes the window and every other cell. Two ways out were weighed:

* the `regex` package's `timeout=`, in a thread (it releases the GIL while matching). It
  bounds the match but not the compilation, which expands counted repeats: measured here,
  `(((a{100}){100}){100}){10}` took 10.7 s to compile (in pure Python, holding the GIL),
  and one more level takes minutes — and a thread cannot be stopped.
* a worker process running the standard `re`, killed when a search runs past the limit.
  Compilation and matching are both bounded, the patterns mean exactly what they meant
  (Python's `re`, as documented for the check), and no dependency is added.

So: the second. A few workers are kept while a batch runs (each search in one of them,
one at a time), started as `prompt-studio --regex-worker` with no API key in their
environment; a worker that ran past the limit is killed and the next search starts a new
one. The limit counts from the request being sent, so a slow start on a busy machine is
not held against the pattern.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
from dataclasses import dataclass

from studio.core.checks import Check, CheckResult, Subject, not_run, regex_result
from studio.core.regex_worker import FLAG

# A check searches one answer: even a long answer (megabytes) with a sane pattern takes
# milliseconds, so a second is far past any honest use, and short enough that a runaway
# pattern on every cell of a 400-cell batch costs minutes, not hours.
REGEX_TIME_LIMIT_S = 1.0
MAX_WORKERS = 2  # searches at once; more would only share the same two cores
_START_LIMIT_S = 30.0  # a fresh interpreter on a loaded machine; not part of the limit
# What a worker needs to find Python and this package: nothing else (no keys) goes along.
_ENVIRONMENT = ("PATH", "PYTHONPATH", "PYTHONHOME", "SYSTEMROOT", "TMPDIR", "TEMP", "TMP",
                "LANG", "LC_ALL", "LC_CTYPE")


@dataclass(frozen=True, slots=True)
class RegexOutcome:
    matched: str | None = None  # the matched text (shortened); None: no match
    timed_out: bool = False
    error: str | None = None  # the worker could not search (a bad pattern, no memory)


def worker_command() -> list[str]:
    if getattr(sys, "frozen", False):  # a bundled app: the executable is prompt-studio
        return [sys.executable, FLAG]
    return [sys.executable, "-m", "studio", FLAG]


def worker_environment() -> dict[str, str]:
    return {name: value for name, value in os.environ.items() if name in _ENVIRONMENT}


class _Worker:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc

    @classmethod
    async def start(cls) -> _Worker:
        proc = await asyncio.create_subprocess_exec(
            *worker_command(), stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL, env=worker_environment())
        worker = cls(proc)
        try:
            assert proc.stdout is not None
            ready = await asyncio.wait_for(proc.stdout.readline(), _START_LIMIT_S)
        except BaseException:
            await worker.stop()
            raise
        if ready != b"ready\n":
            await worker.stop()
            raise RuntimeError("the regular-expression worker did not start")
        return worker

    async def search(self, pattern: str, text: str, limit_s: float) -> RegexOutcome | None:
        """The outcome, or None when the search ran past `limit_s` (the worker is then
        stopped)."""
        proc = self.proc
        assert proc.stdin is not None and proc.stdout is not None
        # ASCII JSON: lone surrogates in an answer travel escaped and arrive unchanged.
        request = json.dumps({"pattern": pattern, "text": text})
        try:
            async with asyncio.timeout(limit_s):
                proc.stdin.write(request.encode("ascii") + b"\n")
                await proc.stdin.drain()
                line = await proc.stdout.readline()
        except TimeoutError:
            await self.stop()
            return None
        if not line:
            await self.stop()
            raise RuntimeError("the regular-expression worker ended")
        data = json.loads(line)
        if data.get("error") is not None:
            return RegexOutcome(error=str(data["error"]))
        matched = data.get("match")
        return RegexOutcome(matched=matched if isinstance(matched, str) else None)

    @property
    def alive(self) -> bool:
        return self.proc.returncode is None

    async def stop(self) -> None:
        proc = self.proc
        if proc.stdin is not None:
            proc.stdin.close()
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()


class RegexSearcher:
    """Searches answers in worker processes, each search bounded by `limit_s`.

    Workers are started on demand and kept for the next searches until `close_idle()`
    (the batch runner calls it whenever its batch is idle)."""

    def __init__(self, limit_s: float | None = None, workers: int = MAX_WORKERS) -> None:
        self.limit_s = REGEX_TIME_LIMIT_S if limit_s is None else limit_s
        self._slots = asyncio.Semaphore(workers)
        self._idle: list[_Worker] = []
        self.started = 0  # workers started so far (tests: kept ones are reused)

    async def search(self, pattern: str, text: str) -> RegexOutcome:
        async with self._slots:
            worker = self._idle.pop() if self._idle else None
            if worker is None:
                worker = await _Worker.start()
                self.started += 1
            try:
                found = await worker.search(pattern, text, self.limit_s)
            except BaseException:  # cancelled mid-search: its answer would be the next one's
                await worker.stop()
                raise
            if worker.alive:
                self._idle.append(worker)
            return found if found is not None else RegexOutcome(timed_out=True)

    async def close_idle(self) -> None:
        idle, self._idle = self._idle, []
        for worker in idle:
            await worker.stop()


async def regex_check(check: Check, subject: Subject, searcher: RegexSearcher) -> CheckResult:
    """A regex check, searched off the event loop within the searcher's time limit."""
    if not subject.ok:
        return not_run(check, f"the answer {subject.problem or 'did not complete'}")
    try:
        outcome = await searcher.search(check.value, subject.text)
    except (OSError, RuntimeError, TimeoutError, NotImplementedError) as exc:
        return not_run(check, f"the pattern could not be searched here: {exc}")
    if outcome.timed_out:
        return CheckResult(check.label, False, None,
                           f"the pattern took longer than {searcher.limit_s:g} s on this "
                           "answer: simplify it")
    if outcome.error is not None:
        return CheckResult(check.label, False, None, outcome.error)
    return regex_result(check, outcome.matched)
