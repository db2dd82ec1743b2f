"""The bundled SmolLM2 model, for real: through the CLI, the engine and the provider.

Temperature 0 and a fixed seed make its answers repeatable on one build of llama.cpp.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from studio.core.catalog import ModelRef, builtin_providers
from studio.core.events import (
    ErrorKind,
    Event,
    Finished,
    ProviderError,
    ReasoningDelta,
    TextDelta,
    Usage,
)
from studio.core.local_models import BUNDLED_MODEL, bundled_model_path, local_extra_available
from studio.core.request import GenerationSettings, single_turn

EXTRA_OK, EXTRA_DETAIL = local_extra_available()
pytestmark = [
    pytest.mark.local_model,
    pytest.mark.skipif(not EXTRA_OK, reason=f"needs the [local] extra here: {EXTRA_DETAIL}"),
]

REPO = Path(__file__).resolve().parents[2]
PROMPT = "Write a tiny HTML page with a red heading"
LONG_PROMPT = "Write a long story about a lighthouse keeper, chapter by chapter."


def _worker_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("local-model:")]


def _run_cli(home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env.update(PROMPT_STUDIO_HOME=str(home), PYTHONPATH=str(REPO),
               PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    return subprocess.run(
        [sys.executable, "-m", "studio", "run", "-m", f"local:{BUNDLED_MODEL}", "-p", PROMPT,
         "--temperature", "0", "--seed", "1", "--json"],
        capture_output=True, text=True, env=env, cwd=REPO, timeout=240)


def test_cli_run_with_the_bundled_model_is_repeatable_and_needs_no_keyring(
        studio_home: Path) -> None:
    first, second = _run_cli(studio_home), _run_cli(studio_home)
    answers = []
    for proc in (first, second):
        assert proc.returncode == 0, proc.stderr
        doc = json.loads(proc.stdout)  # stdout holds the JSON document and nothing else
        [result] = doc["results"]
        assert result["model"] == f"local:{BUNDLED_MODEL}"
        assert result["error"] is None
        assert result["text"].strip()
        usage = result["usage"]
        assert isinstance(usage["input_tokens"], int)
        assert usage["input_tokens"] > 5
        assert isinstance(usage["output_tokens"], int)
        assert usage["output_tokens"] > 5
        assert 0 < result["ttft_s"] <= result["total_s"]
        # llama.cpp's own logging stays off
        assert "llama_model_loader" not in proc.stderr
        assert "llama_context" not in proc.stderr
        answers.append((result["text"], usage))
    assert answers[0] == answers[1]


def _provider():  # type: ignore[no-untyped-def]
    from studio.core.providers.local import LocalProvider

    return LocalProvider(builtin_providers()["local"], None)


async def _collect(stream: AsyncIterator[Event]) -> list[Event]:
    return [event async for event in stream]


def test_streamed_text_and_usage_match_llama_cpp_itself() -> None:
    import llama_cpp

    from studio.core.providers.local import REPEAT_PENALTY, default_threads

    settings = GenerationSettings(temperature=0, seed=1, max_tokens=24)
    events = asyncio.run(_collect(_provider().stream(
        None, single_turn(BUNDLED_MODEL, PROMPT, system="You write HTML.", settings=settings))))
    deltas = [e for e in events if isinstance(e, TextDelta)]
    assert len(deltas) > 5  # token by token, not one lump at the end
    text = "".join(d.text for d in deltas)
    usage, finished = events[-2:]

    threads = default_threads()
    reference = llama_cpp.Llama(model_path=str(bundled_model_path()), n_ctx=4096,
                                n_threads=threads, n_threads_batch=threads, verbose=False)
    try:
        expected = reference.create_chat_completion(
            messages=[{"role": "system", "content": "You write HTML."},
                      {"role": "user", "content": PROMPT}],
            temperature=0, seed=1, max_tokens=24, repeat_penalty=REPEAT_PENALTY)
    finally:
        reference.close()
    assert text == expected["choices"][0]["message"]["content"]
    assert usage == Usage(expected["usage"]["prompt_tokens"],
                          expected["usage"]["completion_tokens"])
    assert usage.output_tokens == 24
    assert finished == Finished("length")


# A cancel lands between two tokens: within 0.2 s here, or within a few tokens' time on a
# machine so loaded that one token takes longer (the generation itself runs 1500 tokens).
CANCEL_LIMIT_S = 0.2


def _cancel_limit(arrivals: list[float]) -> float:
    gaps = sorted(b - a for a, b in itertools.pairwise(arrivals))
    token_s = gaps[len(gaps) // 2] if gaps else 0.0
    return max(CANCEL_LIMIT_S, 4 * token_s)


def test_cancelling_mid_generation_stops_promptly_and_ends_the_worker() -> None:
    settings = GenerationSettings(temperature=0.7, seed=3, max_tokens=1500)
    request = single_turn(BUNDLED_MODEL, LONG_PROMPT, settings=settings)

    async def run() -> tuple[int, float, list[float]]:
        stream = _provider().stream(None, request)
        arrivals: list[float] = []
        async for event in stream:
            if isinstance(event, TextDelta):
                arrivals.append(time.perf_counter())
                if len(arrivals) == 8:
                    break
        started = time.perf_counter()
        await stream.aclose()
        return len(arrivals), time.perf_counter() - started, arrivals

    seen, took, arrivals = asyncio.run(run())
    assert seen == 8
    assert took < _cancel_limit(arrivals), (took, arrivals)
    assert _worker_threads() == []


def test_the_stop_button_path_cancels_a_local_run_through_the_engine() -> None:
    from studio.core.prices import PriceTable
    from studio.core.runner import Engine, ModelRun, ModelState, ModelTarget
    from studio.core.secrets import KeyStore

    config = builtin_providers()["local"]
    settings = GenerationSettings(temperature=0.7, seed=5, max_tokens=1500)
    target = ModelTarget(ModelRef("local", BUNDLED_MODEL), config, settings)

    async def run() -> tuple[ModelState, float, int]:
        engine = Engine(keys=KeyStore(env={}), prices=PriceTable.load(None))
        streaming = asyncio.Event()

        class Listener:
            def on_delta(self, run: ModelRun, event: TextDelta | ReasoningDelta) -> None:
                arrivals.append(time.perf_counter())
                if len(run.text) >= 40:
                    streaming.set()

            def on_state(self, run: ModelRun) -> None:
                pass

        try:
            session = engine.start([(target, single_turn(BUNDLED_MODEL, LONG_PROMPT,
                                                         settings=settings))], Listener())
            run = session.runs[0]
            await asyncio.wait_for(streaming.wait(), 60)
            started = time.perf_counter()
            session.cancel(0)
            await session.wait()
            took = time.perf_counter() - started
            length = len(run.text)
            await asyncio.sleep(0.2)  # nothing arrives after the stop
            assert len(run.text) == length
            return run.state, took, length
        finally:
            await engine.aclose()

    arrivals: list[float] = []
    state, took, length = asyncio.run(run())
    assert state is ModelState.CANCELLED
    assert length >= 40
    assert took < _cancel_limit(arrivals), (took, arrivals)
    assert _worker_threads() == []


def test_two_runs_of_the_same_model_take_turns_and_both_finish() -> None:
    from studio.core.prices import PriceTable
    from studio.core.providers.local import MODEL_CACHE
    from studio.core.runner import Engine, ModelState, ModelTarget
    from studio.core.secrets import KeyStore

    config = builtin_providers()["local"]
    loads_before = MODEL_CACHE.loads
    jobs = []
    for temperature in (0.0, 0.8):
        settings = GenerationSettings(temperature=temperature, seed=2, max_tokens=40)
        jobs.append((ModelTarget(ModelRef("local", BUNDLED_MODEL), config, settings),
                     single_turn(BUNDLED_MODEL, PROMPT, settings=settings)))

    async def run() -> list[tuple[ModelState, str, int | None, float | None]]:
        engine = Engine(keys=KeyStore(env={}), prices=PriceTable.load(None))
        try:
            runs = await engine.start(jobs).wait()
            return [(r.state, r.text, r.metrics.output_tokens, r.metrics.tokens_per_s)
                    for r in runs]
        finally:
            await engine.aclose()

    results = asyncio.run(run())
    for state, text, tokens, rate in results:
        assert state is ModelState.DONE
        assert text.strip()
        assert tokens is not None
        assert 0 < tokens <= 40
        assert rate is not None
        assert rate > 0
    assert MODEL_CACHE.loads - loads_before <= 1  # loaded at most once (maybe already cached)


def test_the_event_loop_stays_responsive_while_loading_and_generating() -> None:
    """Loading and generating run off the loop. Measured as the share of the time the loop
    kept ticking (gaps under 100 ms), not as one worst gap: on a loaded machine the
    scheduler alone can delay a wake-up by that much, while work done on the loop would
    stop the ticks for most of the load and the whole generation."""
    from studio.core.providers.local import MODEL_CACHE, loaded_model_names, unload_model

    MODEL_CACHE.unload_all()  # include the cold load
    settings = GenerationSettings(temperature=0, seed=1, max_tokens=60)

    async def run() -> tuple[list[float], float, list[Event]]:
        gaps: list[float] = []
        done = asyncio.Event()

        async def ticker() -> None:
            last = time.perf_counter()
            while not done.is_set():
                await asyncio.sleep(0.005)
                now = time.perf_counter()
                gaps.append(now - last)
                last = now

        started = time.perf_counter()
        tick = asyncio.create_task(ticker())
        try:
            events = await _collect(_provider().stream(
                None, single_turn(BUNDLED_MODEL, PROMPT, settings=settings)))
        finally:
            done.set()
            await tick
        return gaps, time.perf_counter() - started, events

    loads_before = MODEL_CACHE.loads
    gaps, total, events = asyncio.run(run())
    assert isinstance(events[-1], Finished)
    ticking = sum(gap for gap in gaps if gap < 0.1)
    assert ticking > 0.8 * total, (
        f"the loop ticked for {ticking:.2f} s of {total:.2f} s (longest gap "
        f"{max(gaps) * 1000:.0f} ms)")
    assert MODEL_CACHE.loads == loads_before + 1
    assert loaded_model_names() == [BUNDLED_MODEL]
    assert unload_model(BUNDLED_MODEL) is True
    assert loaded_model_names() == []


def test_a_prompt_longer_than_the_context_is_a_bad_request() -> None:
    request = single_turn(BUNDLED_MODEL, "lighthouse " * 5000)

    async def run() -> ProviderError:
        with pytest.raises(ProviderError) as caught:
            await _collect(_provider().stream(None, request))
        return caught.value

    error = asyncio.run(run())
    assert error.kind is ErrorKind.BAD_REQUEST
    assert "context" in error.message.lower()
    assert _worker_threads() == []
