from __future__ import annotations

from studio.core.conversation import (
    Turn,
    context_overflow,
    estimate_tokens,
    follow_up_request,
    thread_for,
)
from studio.core.request import GenerationSettings, Message, single_turn

TURNS = [
    Turn("Write a bouncing ball page", {"a:x": "<html>a1</html>", "b:y": "<html>b1</html>"}),
    Turn("Make it 10 balls", {"a:x": "<html>a2</html>", "b:y": ""}),
]


def test_each_model_gets_its_own_answers_and_the_shared_prompts() -> None:
    assert thread_for("a:x", TURNS, "Add a score") == (
        Message("user", "Write a bouncing ball page"),
        Message("assistant", "<html>a1</html>"),
        Message("user", "Make it 10 balls"),
        Message("assistant", "<html>a2</html>"),
        Message("user", "Add a score"),
    )


def test_a_failed_answer_or_a_model_added_later_sees_only_the_prompts() -> None:
    b = thread_for("b:y", TURNS, "Add a score")
    assert [m.role for m in b] == ["user", "assistant", "user", "user"]
    newcomer = thread_for("c:z", TURNS, "Add a score")
    assert [m.content for m in newcomer] == [
        "Write a bouncing ball page", "Make it 10 balls", "Add a score"]
    assert all(m.role == "user" for m in newcomer)


def test_follow_up_request_carries_system_and_settings() -> None:
    settings = GenerationSettings(temperature=0.2)
    req = follow_up_request("x", "a:x", TURNS, "next", "be brief", settings)
    assert req.model == "x" and req.system == "be brief" and req.settings == settings
    assert req.messages[-1] == Message("user", "next")


def test_context_overflow_is_reported_before_sending() -> None:
    small = single_turn("m", "word " * 4000, settings=GenerationSettings(max_tokens=1000))
    assert 4000 < estimate_tokens(small) < 6000
    message = context_overflow(small, 4096)
    assert message is not None and "4,096" in message and "1,000 for the answer" in message
    assert context_overflow(small, 128_000) is None
    assert context_overflow(small, None) is None
