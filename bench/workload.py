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


def canvas_page(hue: int) -> str:
    """A small generated-looking game: a ball bouncing inside a spinning hexagon."""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Bouncing ball {hue}</title>
<style>html, body {{ margin: 0; height: 100%; background: #111; }}
canvas {{ display: block; width: 100%; height: 100%; }}</style>
</head>
<body>
<canvas id="c"></canvas>
<script>
const canvas = document.getElementById("c");
const ctx = canvas.getContext("2d");
let angle = 0, x = 0, y = 0, vx = 2.3, vy = -1.7;
function resize() {{ canvas.width = innerWidth; canvas.height = innerHeight; }}
addEventListener("resize", resize);
resize();
function frame() {{
  const w = canvas.width, h = canvas.height, r = Math.min(w, h) * 0.4;
  ctx.fillStyle = "#111";
  ctx.fillRect(0, 0, w, h);
  angle += 0.01;
  ctx.strokeStyle = "hsl({hue}, 80%, 60%)";
  ctx.lineWidth = 4;
  ctx.beginPath();
  for (let i = 0; i <= 6; i++) {{
    const a = angle + i * Math.PI / 3;
    const px = w / 2 + r * Math.cos(a), py = h / 2 + r * Math.sin(a);
    i ? ctx.lineTo(px, py) : ctx.moveTo(px, py);
  }}
  ctx.stroke();
  vy += 0.15;
  x += vx; y += vy;
  const limit = r * 0.8;
  if (Math.hypot(x, y) > limit) {{
    const n = Math.atan2(y, x);
    const dot = vx * Math.cos(n) + vy * Math.sin(n);
    vx -= 2 * dot * Math.cos(n); vy -= 2 * dot * Math.sin(n);
    x = limit * Math.cos(n); y = limit * Math.sin(n);
  }}
  ctx.fillStyle = "hsl({(hue + 180) % 360}, 90%, 55%)";
  ctx.beginPath();
  ctx.arc(w / 2 + x, h / 2 + y, r * 0.06, 0, 2 * Math.PI);
  ctx.fill();
  requestAnimationFrame(frame);
}}
requestAnimationFrame(frame);
</script>
</body>
</html>"""


def page_answer_chunks(index: int, count: int = 60) -> list[str]:
    """A model's answer holding the page in an html fence, in about `count` chunks."""
    text = ("Here is the page. It draws a hexagon that spins and a ball that bounces "
            "inside it.\n\n```html\n" + canvas_page(index * 45 % 360) + "\n```\n\n"
            "Open it in a browser to see it run.")
    step = max(1, len(text) // count)
    return [text[i:i + step] for i in range(0, len(text), step)]


# One open block that never ends: what a model stuck in a loop, minified code or a long JSON
# line looks like to the panes. `paragraph`: words and spaces without a line break;
# `code-line`: an html fence holding one line of minified JavaScript (no spaces at all).
LONG_LINE_KINDS = ("paragraph", "code-line")


def long_line_chunks(kind: str, size: int, seed: int = 0) -> list[str]:
    """About `size` characters of one unbroken line, in chunks of about ten characters."""
    parts: list[str] = ["```js\n"] if kind == "code-line" else []
    total = sum(map(len, parts))
    i = 0
    while total < size:
        if kind == "paragraph":
            piece = f"w{seed}.{i} w{i + 1} "
        elif kind == "code-line":
            piece = f"v{i}=f({seed});"
        else:
            raise ValueError(f"unknown long-line kind {kind!r}")
        parts.append(piece)
        total += len(piece)
        i += 2
    return parts


def long_line_streams(kind: str, streams: int, size: int) -> dict[str, list[str]]:
    """A different line per model, so a mixed-up stream cannot pass the check."""
    return {name: long_line_chunks(kind, size, seed=i)
            for i, name in enumerate(model_names(streams))}
