"""Saved comparisons for report tests: written through the real store, as the app saves them.

`rich_run` is a conversation of three models over two prompts: pages that draw on a canvas
and change their DOM, a failure whose message quotes a key and a local path, reasoning, a
rating, an edited page, a model not asked the follow-up, and a screenshot kept for one page.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

from studio.core.catalog import parse_model_ref
from studio.core.model_sets import ModelSetEntry
from studio.core.request import GenerationSettings
from studio.store import ResponseData, RunId, Store

HOME = "/home/ada"
KEY = "sk-live-4f7c2a9e1b3d5f60718293a4"


def solid_png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A real PNG of one colour (no imaging library needed to make test data)."""
    row = b"\x00" + bytes(rgb) * width
    raw = zlib.compress(row * height, 9)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw)
            + chunk(b"IEND", b""))


def canvas_page(name: str, colour: str) -> str:
    """A page that paints its canvas and marks its body: what a test looks for inside
    the page's frame."""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{name}</title>
<style>html,body{{margin:0;height:100%;background:#111}}canvas{{display:block}}</style>
</head><body><canvas id="c" width="200" height="120"></canvas>
<script>
const g = document.getElementById('c').getContext('2d');
g.fillStyle = '{colour}'; g.fillRect(0, 0, 200, 120);
document.body.dataset.painted = '{name}';
</script>
<button id="b" onclick="document.body.dataset.clicked = '{name}'">go</button>
</body></html>"""


def answer_with(page: str, intro: str = "Here is the page:", outro: str = "Done.") -> str:
    return f"{intro}\n\n```html\n{page}\n```\n\n{outro}\n"


@dataclass(frozen=True, slots=True)
class RichRun:
    run_id: RunId
    shot_response: int  # the response whose page has a stored screenshot


def _entry(ref: str, **settings: object) -> ModelSetEntry:
    return ModelSetEntry(parse_model_ref(ref), GenerationSettings(**settings))  # type: ignore[arg-type]


def rich_run(store: Store) -> RichRun:
    models = [_entry("openai:gpt-5", temperature=0.2),
              _entry("anthropic:claude-opus-4-1", max_tokens=4000, reasoning="high"),
              _entry("qwen:qwen3-max-preview")]
    run_id = store.start_run(body="Draw a {{shape}} on a canvas", models=models,
                             title="Canvas shapes", system="Answer with one HTML file.",
                             variables={"shape": "square"})
    first = store.add_turn(run_id, "Draw a square on a canvas", parent=None)
    gpt_page = canvas_page("gpt", "#ff0000")
    gpt = store.save_response(first, 0, ResponseData(
        model="openai:gpt-5", settings={"temperature": 0.2},
        text=answer_with(gpt_page, "A **red** square:"), html=gpt_page,
        reasoning="The user wants a square.\nA canvas fillRect does it.",
        input_tokens=120, output_tokens=340, ttft_s=0.62, total_s=3.4, tokens_per_s=121.4,
        cost_usd=0.0042))
    store.rate(gpt, 4, "clean and small")
    store.set_screenshot(gpt, solid_png(320, 200, (255, 0, 0)))
    store.save_response(first, 1, ResponseData(
        model="anthropic:claude-opus-4-1", settings={"max_tokens": 4000, "reasoning": "high"},
        text="Partial answer before the failure", state="failed", error_kind="rate_limit",
        error_status=429,
        error_message=f"rate limited for key {KEY}; cache at {HOME}/.cache/prompt-studio/x.db",
        ttft_s=1.1, total_s=2.0))
    qwen_page = canvas_page("qwen", "#00ff00")
    qwen = store.save_response(first, 2, ResponseData(
        model="qwen:qwen3-max-preview", text=answer_with(qwen_page, "Green square."),
        html=qwen_page, input_tokens=110, output_tokens=300, ttft_s=0.4, total_s=2.2,
        tokens_per_s=150.0, cost_usd=0.0011))
    edited = qwen_page.replace("#00ff00", "#0000ff").replace("'qwen'", "'qwen-edit'")
    store.add_page_revision(qwen, edited, "bluer")
    second = store.add_turn(run_id, "Now make it a circle", slots=[0, 2])
    circle = canvas_page("gpt-circle", "#ffff00")
    store.save_response(second, 0, ResponseData(
        model="openai:gpt-5", settings={"temperature": 0.2}, text=answer_with(circle),
        html=circle, input_tokens=500, output_tokens=200, ttft_s=0.5, total_s=2.0,
        tokens_per_s=100.0, cost_usd=0.003))
    store.save_response(second, 2, ResponseData(
        model="qwen:qwen3-max-preview", text="I would rather not draw circles today.",
        input_tokens=480, output_tokens=12, ttft_s=0.3, total_s=0.5, cost_usd=0.0002))
    return RichRun(run_id, int(gpt))


def long_answer(index: int, kilobytes: int) -> str:
    """An answer of about `kilobytes` KB: prose, a table, code and a page."""
    page = canvas_page(f"model-{index}", f"#{(index * 40) % 256:02x}{(index * 90) % 256:02x}aa")
    parts = [f"## Approach {index}\n\nThe scene is drawn on a canvas; each frame updates the "
             "positions and redraws.\n\n| step | cost |\n|---|---|\n| update | O(n) |\n",
             answer_with(page)]
    block = 0
    while sum(len(p) for p in parts) < kilobytes * 1024:
        block += 1
        parts.append(f"Paragraph {block}: the ball keeps its momentum, the walls turn, and "
                     "friction takes a little of the speed at each bounce. " * 4 + "\n")
        parts.append(f"```js\nfunction step{block}(state, dt) {{\n  state.vy += 9.81 * dt;\n"
                     f"  state.x += state.vx * dt; // {block}\n  return state;\n}}\n```\n")
    return "\n".join(parts)


def big_run(store: Store, models: int = 8, kilobytes: int = 60,
            screenshot: bytes | None = None) -> RunId:
    """`models` models, each with a long answer, its page and (given one) a screenshot."""
    entries = [_entry(f"provider{i}:model-{i}") for i in range(models)]
    run_id = store.start_run(body="Write a physics demo", models=entries, title="Big one")
    turn = store.add_turn(run_id, "Write a physics demo", parent=None)
    for slot in range(models):
        text = long_answer(slot, kilobytes)
        page = canvas_page(f"model-{slot}", "#336699")
        response = store.save_response(turn, slot, ResponseData(
            model=f"provider{slot}:model-{slot}", text=text, html=page,
            reasoning="Thinking about it. " * 200, input_tokens=1000, output_tokens=9000,
            ttft_s=0.5 + slot / 10, total_s=20.0 + slot, tokens_per_s=400.0, cost_usd=0.05))
        if screenshot is not None:
            store.set_screenshot(response, screenshot)
    return run_id


def run_of_pages(store: Store, pages: dict[str, str], *, title: str = "Pages") -> RunId:
    """A one-prompt comparison whose models (named by `pages`' keys) each wrote one page."""
    entries = [_entry(f"lab:{name}") for name in pages]
    run_id = store.start_run(body=title, models=entries, title=title)
    turn = store.add_turn(run_id, title, parent=None)
    for slot, (name, page) in enumerate(pages.items()):
        store.save_response(turn, slot, ResponseData(model=f"lab:{name}",
                                                     text=answer_with(page), html=page))
    return run_id
