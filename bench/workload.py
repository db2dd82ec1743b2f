"""Deterministic answer text for the streaming benchmarks.

The text is Markdown shaped like a model's answer: paragraphs of a few sentences separated
by blank lines, bullet lists, headings and fenced code blocks, with punctuation that JSON
has to escape (quotes, backslashes) and some non-ASCII text. It is cut into chunks of about
one word, the way models stream tokens, so the decoders and the panes do their real work.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

_WORDS = (
    "the", "model", "answer", "stream", "token", "canvas", "function", "return", "value",
    "width", "height", "draw", "frame", "ball", "hexagon", "rotate", "gravity", "velocity",
    "collision", "pagoda", "voxel", "three", "scene", "camera", "light", "is", "a", "of",
    "and", "to", "in", "with", "for", "each", "é", "naïve", "über", "数据", "模型", "🙂", "→",
    "\"quoted\"", "C:\\path", "<div>", "Math.PI", "requestAnimationFrame", "`code`",
)
_CODE = (
    "const", "let", "x", "=", "y", "+", "0.5;", "ctx.beginPath();", "ctx.arc(x,", "y,",
    "r,", "0,", "Math.PI);", "if", "(dx", ">", "0)", "{", "}", "return", "v;", "\"str\"",
    "for", "(let", "i", "i++)", "// note",
)


def _tokens(rng: random.Random) -> Iterator[str]:
    """An endless answer, token by token."""
    section = 0
    while True:
        if rng.random() < 0.1:
            section += 1
            yield f"## Part {section}"
            yield "\n\n"
        kind = rng.random()
        if kind < 0.15:
            yield "```js"
            for _ in range(rng.randint(4, 20)):
                yield "\n"
                for n in range(rng.randint(3, 10)):
                    yield ("" if n == 0 else " ") + rng.choice(_CODE)
            yield "\n```\n\n"
        elif kind < 0.3:
            for _ in range(rng.randint(2, 6)):
                yield "- "
                for n in range(rng.randint(3, 12)):
                    yield ("" if n == 0 else " ") + rng.choice(_WORDS)
                yield "\n"
            yield "\n"
        else:
            for n in range(rng.randint(30, 120)):
                word = rng.choice(_WORDS)
                yield (word.capitalize() if n == 0 else " " + word) + ("." if n % 17 == 16
                                                                       else "")
            yield ".\n\n"


def chunks(count: int, seed: int = 7) -> list[str]:
    """`count` deltas, the same for the same seed."""
    tokens = _tokens(random.Random(seed))
    return [next(tokens) for _ in range(count)]


def model_names(streams: int) -> list[str]:
    return [f"bench-{i}" for i in range(streams)]


def stream_chunks(streams: int, count: int) -> dict[str, list[str]]:
    """A different answer per model, so a mixed-up stream cannot pass the check."""
    return {name: chunks(count, seed=1000 + i) for i, name in enumerate(model_names(streams))}
