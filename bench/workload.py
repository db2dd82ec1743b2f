"""Deterministic answer text for the streaming benchmarks.

Chunks look like what models stream: words of a few characters with their leading
space, newlines, code punctuation that JSON has to escape (quotes, backslashes) and some
non-ASCII text, so the decoders do their real work.
"""

from __future__ import annotations

import random

_WORDS = (
    "the", "model", "answer", "stream", "token", "canvas", "function", "return", "const",
    "let", "width", "height", "draw", "frame", "ball", "hexagon", "rotate", "gravity",
    "velocity", "collision", "pagoda", "voxel", "three", "scene", "camera", "light",
    "é", "naïve", "über", "数据", "模型", "🙂", "→", "\"quoted\"", "C:\\path", "<div>",
    "{", "}", "(x)", "=>", "i++", "0.5", "42", "Math.PI", "requestAnimationFrame",
)


def chunks(count: int, seed: int = 7) -> list[str]:
    """`count` deltas, the same for the same seed."""
    rng = random.Random(seed)
    out: list[str] = []
    for i in range(count):
        word = rng.choice(_WORDS)
        if i % 14 == 13:
            out.append("\n")
        elif i % 3 == 0:
            out.append(word)
        else:
            out.append(" " + word)
    return out


def model_names(streams: int) -> list[str]:
    return [f"bench-{i}" for i in range(streams)]


def stream_chunks(streams: int, count: int) -> dict[str, list[str]]:
    """A different answer per model, so a mixed-up stream cannot pass the check."""
    return {name: chunks(count, seed=1000 + i) for i, name in enumerate(model_names(streams))}
