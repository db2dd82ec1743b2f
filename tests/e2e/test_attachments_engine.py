"""Attachments on the wire: the engine against the loopback simulator.

Each protocol's exact request form with real image bytes (base64 compared byte for byte at
the server), follow-ups that still carry earlier images, text files inlined, refusals with
nothing sent (the simulator's request log stays empty), a refusal by a custom endpoint
turned into "does not take images", and images scaled down to a provider's limits.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterator
from pathlib import Path

import pytest

from studio.core.attachments import NO_VISION_LOCAL, Attachment, attachment_from_bytes
from studio.core.catalog import ModelRef, ProviderConfig
from studio.core.events import ErrorKind
from studio.core.prices import PriceTable
from studio.core.request import ChatRequest, Message
from studio.core.runner import Engine, ModelRun, ModelState, ModelTarget
from studio.core.secrets import KeyStore
from studio.core.thread import Thread
from tests.support import images
from tests.support.memory_keyring import MemoryKeyring
from tests.support.scenarios import Status, Synthetic
from tests.support.simulator import Simulator

pytestmark = pytest.mark.timeout(120)

PROTOCOLS = ("openai", "anthropic", "gemini", "ollama", "azure")
# What each protocol takes as it is (the rest is converted, see test_image_fit).
NATIVE = {"openai": ("png", "jpeg", "webp", "gif"), "azure": ("png", "jpeg", "webp", "gif"),
          "anthropic": ("png", "jpeg", "webp", "gif"), "gemini": ("png", "jpeg", "webp"),
          "ollama": ("png", "jpeg")}
MAKERS = {"png": images.png, "jpeg": images.jpeg, "webp": images.webp, "gif": images.gif}


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    with Simulator() as s:
        yield s


@pytest.fixture
def fresh(sim: Simulator) -> Simulator:
    sim.reset()
    return sim


def config_for(sim: Simulator, protocol: str, **extra: object) -> ProviderConfig:
    return ProviderConfig(name=f"sim-{protocol}", kind=protocol,  # type: ignore[arg-type]
                          base_url=sim.url(protocol), needs_key=False, **extra)  # type: ignore[arg-type]


def run_requests(jobs: list[tuple[ModelTarget, ChatRequest]], home: Path) -> list[ModelRun]:
    async def go() -> list[ModelRun]:
        engine = Engine(keys=KeyStore(env={}, backend=MemoryKeyring()),
                        prices=PriceTable.load(home / "prices.json"))
        try:
            session = engine.start(jobs)
            return await asyncio.wait_for(session.wait(), 60)
        finally:
            await engine.aclose()

    return asyncio.run(go())


def target(config: ProviderConfig, model: str) -> ModelTarget:
    return ModelTarget(ModelRef(config.name, model), config)


def b64(a: Attachment) -> str:
    return base64.b64encode(a.data).decode("ascii")


def last_user(protocol: str, body: dict) -> object:
    if protocol == "gemini":
        return body["contents"][-1]
    return body["messages"][-1]


def expected_user(protocol: str, text: str, pictures: list[Attachment]) -> object:
    if protocol in ("openai", "azure"):
        return {"role": "user", "content": [{"type": "text", "text": text}] + [
            {"type": "image_url", "image_url": {"url": f"data:{a.media_type};base64,{b64(a)}"}}
            for a in pictures]}
    if protocol == "anthropic":
        return {"role": "user", "content": [
            {"type": "image", "source": {"type": "base64", "media_type": a.media_type,
                                         "data": b64(a)}} for a in pictures] + [
            {"type": "text", "text": text}]}
    if protocol == "gemini":
        return {"role": "user", "parts": [{"text": text}] + [
            {"inline_data": {"mime_type": a.media_type, "data": b64(a)}} for a in pictures]}
    return {"role": "user", "content": text, "images": [b64(a) for a in pictures]}


def sent_images(protocol: str, message: object) -> list[bytes]:
    """The image bytes a request carried in one user message, decoded at the server."""
    assert isinstance(message, dict)
    if protocol == "ollama":
        return [base64.b64decode(x) for x in message.get("images", [])]
    parts = message["parts"] if protocol == "gemini" else message["content"]
    found = []
    for part in parts if isinstance(parts, list) else []:
        if "image_url" in part:
            found.append(base64.b64decode(part["image_url"]["url"].split(",", 1)[1]))
        elif part.get("type") == "image":
            found.append(base64.b64decode(part["source"]["data"]))
        elif "inline_data" in part:
            found.append(base64.b64decode(part["inline_data"]["data"]))
    return found


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_each_protocol_gets_real_images_in_its_own_form(protocol: str, fresh: Simulator,
                                                        studio_home: Path) -> None:
    pictures = [attachment_from_bytes(f"pic.{kind}", MAKERS[kind]())
                for kind in NATIVE[protocol]]
    notes = attachment_from_bytes("notes.md", b"# Layout\nTwo columns.\n")
    config = config_for(fresh, protocol)
    model = f"vision-{protocol}"
    fresh.script(model, Synthetic(["I see ", "it."]))
    request = ChatRequest(model, (Message("user", "Describe", (*pictures, notes)),))
    (run,) = run_requests([(target(config, model), request)], studio_home)
    assert run.state is ModelState.DONE, run.error
    assert run.text == "I see it."
    assert run.notes == []
    (seen,) = fresh.requests_for(model)
    text = "Describe\n\nnotes.md\n```markdown\n# Layout\nTwo columns.\n```"
    assert last_user(protocol, seen.json) == expected_user(protocol, text, pictures)
    assert sent_images(protocol, last_user(protocol, seen.json)) == [p.data for p in pictures]
    assert fresh.errors == []


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_follow_up_carries_the_images_of_earlier_turns(protocol: str, fresh: Simulator,
                                                         studio_home: Path) -> None:
    config = config_for(fresh, protocol)
    model = f"thread-{protocol}"
    fresh.script(model, Synthetic(["<p>v1</p>"]), Synthetic(["<p>v2</p>"]))
    mockup = attachment_from_bytes("mockup.png", images.png(80, 60))
    shot = attachment_from_bytes("page.jpg", images.jpeg(50, 40))
    thread = Thread([target(config, model)])
    first = thread.add_turn("Build this mockup", None, attachments=(mockup,))
    answer = thread.ask(first, 0)
    (run,) = run_requests([(thread.models[0], thread.request(0, first))], studio_home)
    answer.bind(run)
    second = thread.add_turn("Here is your page; fix it", attachments=(shot,))
    thread.ask(second, 0)
    (run2,) = run_requests([(thread.models[0], thread.request(0, second))], studio_home)
    assert run2.state is ModelState.DONE, run2.error
    _first, two = fresh.requests_for(model)
    body = two.json
    users = (body["contents"] if protocol == "gemini" else
             [m for m in body["messages"] if m["role"] == "user"])
    users = [m for m in users if m.get("role", "user") == "user"]
    assert len(users) == 2
    assert sent_images(protocol, users[0]) == [mockup.data]
    assert sent_images(protocol, users[1]) == [shot.data]
    assert users[1] == expected_user(protocol, "Here is your page; fix it", [shot])
    # the model's own answer sits between the two prompts
    assert "<p>v1</p>" in str(body)


def test_the_local_model_is_never_asked_about_images(fresh: Simulator,
                                                     studio_home: Path) -> None:
    local = ProviderConfig("local", "local", "", needs_key=False, local=True,
                           models=("smollm2-135m",))
    picture = attachment_from_bytes("a.png", images.png())
    request = ChatRequest("smollm2-135m", (Message("user", "What is this?", (picture,)),))
    (run,) = run_requests([(target(local, "smollm2-135m"), request)], studio_home)
    assert run.state is ModelState.FAILED
    assert run.error is not None and run.error.message == NO_VISION_LOCAL
    assert run.attempts == 0


def test_a_model_known_not_to_take_images_gets_nothing_unless_sent_anyway(
        fresh: Simulator, studio_home: Path) -> None:
    config = config_for(fresh, "openai", text_only_models=("blind-*",))
    picture = attachment_from_bytes("a.png", images.png())
    request = ChatRequest("blind-1", (Message("user", "What is this?", (picture,)),))
    fresh.script("blind-1", Synthetic(["a picture"]))
    (run,) = run_requests([(target(config, "blind-1"), request)], studio_home)
    assert run.state is ModelState.FAILED and run.refused_images
    assert run.error is not None and run.error.kind is ErrorKind.BAD_REQUEST
    assert "sim-openai:blind-1 does not take images" in run.error.message
    assert "Send anyway" in run.error.message
    assert fresh.requests == []
    # text alone still goes to it
    (plain,) = run_requests([(target(config, "blind-1"), ChatRequest(
        "blind-1", (Message("user", "hi"),)))], studio_home)
    assert plain.state is ModelState.DONE
    anyway = ChatRequest("blind-1", request.messages, images_anyway=True)
    (sent,) = run_requests([(target(config, "blind-1"), anyway)], studio_home)
    assert sent.state is ModelState.DONE and sent.text == "a picture"
    assert sent_images("openai", fresh.requests_for("blind-1")[-1].json["messages"][-1]) == [
        picture.data]


@pytest.mark.parametrize("protocol", ["openai", "anthropic", "gemini"])
def test_a_custom_endpoint_refusing_images_says_the_model_does_not_take_them(
        protocol: str, fresh: Simulator, studio_home: Path) -> None:
    config = config_for(fresh, protocol)
    message = "Invalid content type. image_url is only supported by certain models."
    fresh.script("textonly", Status(400, message=message))
    picture = attachment_from_bytes("a.png", images.png())
    request = ChatRequest("textonly", (Message("user", "What is this?", (picture,)),))
    (run,) = run_requests([(target(config, "textonly"), request)], studio_home)
    assert run.state is ModelState.FAILED and run.error is not None
    assert run.error.status == 400
    assert run.error.message.startswith(f"sim-{protocol}:textonly does not take images")
    assert message in run.error.message
    assert not run.refused_images  # it was sent: "send anyway" means nothing here
    # the same refusal of a text-only prompt stays the provider's own words
    fresh.script("textonly", Status(400, message="max_tokens is too large"))
    (plain,) = run_requests([(target(config, "textonly"), ChatRequest(
        "textonly", (Message("user", "hi"),)))], studio_home)
    assert plain.error is not None and "does not take images" not in plain.error.message


def test_an_image_over_the_providers_limit_is_scaled_before_sending(
        fresh: Simulator, studio_home: Path) -> None:
    anthropic = config_for(fresh, "anthropic")
    openai = config_for(fresh, "openai")
    wide = attachment_from_bytes("wide.png", images.png(9000, 300))
    fresh.script("claude-x", Synthetic(["ok"]))
    fresh.script("gpt-x", Synthetic(["ok"]))
    jobs = [(target(anthropic, "claude-x"),
             ChatRequest("claude-x", (Message("user", "Look", (wide,)),))),
            (target(openai, "gpt-x"), ChatRequest("gpt-x", (Message("user", "Look", (wide,)),)))]
    scaled, untouched = run_requests(jobs, studio_home)
    assert scaled.state is ModelState.DONE and untouched.state is ModelState.DONE
    (got,) = sent_images("anthropic", fresh.requests_for("claude-x")[0].json["messages"][0])
    assert images.size_of(got) == (8000, 266)
    assert len(scaled.notes) == 1 and "8000×266" in scaled.notes[0]
    (same,) = sent_images("openai", fresh.requests_for("gpt-x")[0].json["messages"][0])
    assert same == wide.data and untouched.notes == []


def test_a_broken_image_is_refused_before_anything_is_sent(fresh: Simulator,
                                                           studio_home: Path) -> None:
    # bytes that passed as PNG when attached but were damaged since (a copied database)
    damaged = Attachment("old.png", "image/png", images.truncated_png())
    config = config_for(fresh, "openai")
    request = ChatRequest("m", (Message("user", "Look", (damaged,)),))
    (run,) = run_requests([(target(config, "m"), request)], studio_home)
    assert run.state is ModelState.FAILED and run.error is not None
    assert run.error.message.startswith("not sent: old.png is not a readable image")
    assert fresh.requests == []
