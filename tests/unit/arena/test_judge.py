"""The judge model as a voter, against the loopback provider simulator."""

from __future__ import annotations

import asyncio
import base64
import json
import re
from pathlib import Path

import pytest

from studio.core.arena import Entry
from studio.core.arena_judge import (
    JUDGE_SYSTEM,
    JudgeError,
    JudgeInput,
    judge_pair,
    judge_prompt,
    judge_vote,
    parse_verdict,
)
from studio.core.catalog import ModelRef, ProviderConfig
from studio.core.prices import PriceTable
from studio.core.request import GenerationSettings
from studio.core.retry import RetryPolicy
from studio.core.runner import Engine, ModelTarget
from studio.core.secrets import KeyStore
from studio.store import Store, VoteFilter
from tests.support.images import png
from tests.support.memory_keyring import MemoryKeyring
from tests.support.simulator import Simulator, Stalled, Status, Synthetic

JUDGE = "judge-model"
ITEM = JudgeInput("Write a page with a red heading", ("<h1>red</h1> as asked", "a blue one"))


@pytest.mark.parametrize(("text", "winner", "reason"), [
    ('{"winner": "A", "reason": "A follows the request."}', "a", "A follows the request."),
    ('```json\n{"winner": "b", "reason": "B works"}\n```', "b", "B works"),
    ('<think>{"winner": "A"} no wait</think>\n{"winner": "B", "reason": "on reflection"}',
     "b", "on reflection"),
    ('First thoughts {"winner": "A"} then final {"winner": "tie", "reason": "same"}',
     "tie", "same"),
    ("{'winner': 'both_bad', 'reason': 'neither runs'}", "both_bad", "neither runs"),
    ('{"Verdict": "Assistant B", "Explanation": "clearer"}', "b", "clearer"),
    ('{"winner": "tie (bothbad)"}', "both_bad", ""),
    ("My final verdict is [[A]].", "a", "My final verdict is ."),
    ("winner: Both bad", "both_bad", ""),
    ('{"winner": "Neither"}', "both_bad", ""),
])
def test_verdicts_are_read_in_the_forms_judges_write(text: str, winner: str,
                                                     reason: str) -> None:
    verdict = parse_verdict(text)
    assert (verdict.winner, verdict.reason, verdict.raw) == (winner, reason, text)


@pytest.mark.parametrize("text", ["", "I cannot decide.", '{"winner": "C++"}', "{not json"])
def test_an_answer_without_a_verdict_is_an_error_that_quotes_it(text: str) -> None:
    with pytest.raises(JudgeError, match="no verdict") as caught:
        parse_verdict(text)
    assert (text.split()[0] if text else "empty") in str(caught.value)


def test_the_request_is_blind_and_asks_for_strict_json() -> None:
    prompt = judge_prompt(ITEM)
    assert "<answer_a>\n<h1>red</h1> as asked\n</answer_a>" in prompt
    assert "<answer_b>\na blue one\n</answer_b>" in prompt
    assert '{"winner": "A" | "B" | "tie" | "both_bad"' in prompt
    pages = judge_prompt(JudgeInput("p", ("x", "y"), judged="pages",
                                    pages=("<canvas></canvas>", None), system="One file."))
    assert "<page_a>\n<canvas></canvas>\n</page_a>" in pages
    assert "(this answer has no page)" in pages and "<answer_a>" not in pages
    assert "<system_prompt>\nOne file.\n</system_prompt>" in pages
    long = judge_prompt(JudgeInput("p", ("x" * 100_000, "y")))
    assert "characters cut" in long and len(long) < 50_000


def _engine(home: Path) -> Engine:
    return Engine(keys=KeyStore(env={}, backend=MemoryKeyring()),
                  prices=PriceTable.load(home / "prices.json"),
                  policy=RetryPolicy(max_retry_after_s=60.0))


def _judge(sim: Simulator, protocol: str = "openai") -> ModelTarget:
    config = ProviderConfig(name=f"sim-{protocol}", kind=protocol,  # type: ignore[arg-type]
                            base_url=sim.url(protocol), needs_key=False)
    return ModelTarget(ModelRef(config.name, JUDGE), config, GenerationSettings(temperature=0))


async def _ask(sim: Simulator, home: Path, item: JudgeInput, protocol: str = "openai"
               ) -> object:
    engine = _engine(home)
    try:
        return await judge_pair(engine, _judge(sim, protocol), item)
    finally:
        await engine.aclose()


@pytest.mark.parametrize("protocol", ["openai", "anthropic", "gemini"])
def test_judge_votes_through_the_engine_and_the_vote_is_kept_apart(
        protocol: str, studio_home: Path) -> None:
    answer = '{"winner": "B", "reason": "B has the red heading."}'
    with Simulator() as sim:
        sim.script(JUDGE, Synthetic([answer[:20], answer[20:]]))
        verdict = asyncio.run(_ask(sim, studio_home, ITEM, protocol))
        [request] = sim.requests_for(JUDGE)
        assert sim.errors == []
    body = json.dumps(request.json)
    assert "<h1>red</h1> as asked" in body and "a blue one" in body
    assert JUDGE_SYSTEM[:40] in body
    assert verdict.winner == "b" and verdict.reason == "B has the red heading."  # type: ignore[attr-defined]
    # Stored with the judge as the voter, beside the user's own vote on the same pair.
    first, second = Entry(0, "p:left", slot=1), Entry(1, "p:right", slot=0)
    judge = f"sim-{protocol}:{JUDGE}"
    with Store.open(studio_home / "votes.sqlite3") as store:
        store.add_vote(judge_vote(first, second, verdict, judge))  # type: ignore[arg-type]
        [stored] = store.votes(VoteFilter(voter_kind="judge"))
        assert store.votes(VoteFilter(voter_kind="user")) == []
    assert (stored.voter, stored.verdict, stored.reason) == (judge, "b", verdict.reason)  # type: ignore[attr-defined]
    assert [e.model for e in stored.entries] == ["p:left", "p:right"]


def test_a_judge_that_fails_or_rambles_gives_a_clear_error(studio_home: Path) -> None:
    with Simulator() as sim:
        sim.script(JUDGE, Status(401))
        with pytest.raises(JudgeError, match=r"the judge sim-openai:judge-model failed \(auth"):
            asyncio.run(_ask(sim, studio_home, ITEM))
        sim.script("chatty", Synthetic(["Both are fine, really."]))
        engine_item = ITEM

        async def chatty() -> None:
            engine = _engine(studio_home)
            config = _judge(sim).config
            try:
                await judge_pair(engine, ModelTarget(ModelRef(config.name, "chatty"), config),
                                 engine_item)
            finally:
                await engine.aclose()

        with pytest.raises(JudgeError, match=re.escape("no verdict: Both are fine, really.")):
            asyncio.run(chatty())
        assert sim.errors == []


def test_cancelling_the_judge_stops_its_request(studio_home: Path) -> None:
    with Simulator() as sim:
        sim.script(JUDGE, Stalled())

        async def scenario() -> bool:
            engine = _engine(studio_home)
            task = asyncio.create_task(judge_pair(engine, _judge(sim), ITEM))
            async with asyncio.timeout(10):
                while not sim.requests_for(JUDGE):  # noqa: ASYNC110 - the simulator's thread has no event to await
                    await asyncio.sleep(0.01)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            await engine.aclose()
            return await sim.await_idle(2.0)

        assert asyncio.run(scenario())
        assert sim.errors == []


PNG_A, PNG_B = png(32, 24), png(40, 30)  # real files: the engine checks images it sends
PAGES = JudgeInput("A red heading", ("a", "b"), judged="pages",
                   pages=("<h1 style='color:red'>Hi</h1>", "<h1>Hi</h1>"),
                   screenshots=(PNG_A, PNG_B))


def test_page_screenshots_go_to_the_judge_in_shown_order() -> None:
    prompt = judge_prompt(PAGES)
    assert "screenshots of page A and page B, in that order" in prompt
    one = judge_prompt(JudgeInput("p", ("a", "b"), judged="pages", pages=("x", "y"),
                                  screenshots=(None, PNG_B)))
    assert "screenshots of page B, in that order" in one
    # Answers are judged as text: no pictures, whatever is given.
    assert "screenshot" not in judge_prompt(JudgeInput("p", ("a", "b"),
                                                       screenshots=(PNG_A, PNG_B)))


@pytest.mark.parametrize("protocol", ["openai", "anthropic", "gemini"])
def test_the_judge_sees_both_screenshots_in_its_protocol(protocol: str,
                                                         studio_home: Path) -> None:
    answer = '{"winner": "A", "reason": "A is red."}'
    with Simulator() as sim:
        sim.script(JUDGE, Synthetic([answer]))
        verdict = asyncio.run(_ask(sim, studio_home, PAGES, protocol))
        [request] = sim.requests_for(JUDGE)
        assert sim.errors == []
    body = json.dumps(request.json)
    encoded = [base64.b64encode(png).decode() for png in (PNG_A, PNG_B)]
    assert body.index(encoded[0]) < body.index(encoded[1])
    assert verdict.winner == "a" and verdict.pictures == 2  # type: ignore[attr-defined]


def test_a_judge_that_refuses_pictures_is_asked_with_the_text_alone(
        studio_home: Path) -> None:
    answer = '{"winner": "B", "reason": "B works."}'
    with Simulator() as sim:
        sim.script(JUDGE, Status(400), Synthetic([answer]))
        verdict = asyncio.run(_ask(sim, studio_home, PAGES))
        first, second = sim.requests_for(JUDGE)
        assert sim.errors == []
    assert "image_url" in json.dumps(first.json)
    assert "image_url" not in json.dumps(second.json)
    assert "screenshot" not in json.dumps(second.json)
    assert verdict.winner == "b" and verdict.pictures == 0  # type: ignore[attr-defined]
