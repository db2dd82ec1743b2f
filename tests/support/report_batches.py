"""Saved batches for report tests, written through the real store as a batch saves itself.

`rich_batch` is a collection of two prompts (one with two variable rows and checks) against
three slots — the same model twice at two temperatures, and another — with pages, a
screenshot kept for one, checks passed, failed and not run, a failure whose message quotes
a key and a local path, a rating, reasoning, a cell the batch never sent and an answer with
no page. `judged_batch` has judge checks whose cost is known, unknown, and never spent.
`big_batch` is a grid of any size with realistic answers and pages (words drawn at random,
so they compress as real text does, not as a repeated string would).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from studio.core.batch import Batch, BatchState, CellState, plan_rows
from studio.core.catalog import parse_model_ref
from studio.core.checks import Check, CheckResult, JudgeSpend
from studio.core.model_sets import ModelSetEntry
from studio.core.request import GenerationSettings
from studio.store import ResponseData, ResponseId, Store
from studio.store import batches as batch_sql
from tests.support.report_runs import HOME, KEY, answer_with, canvas_page, solid_png

# The three slots: what each column of the grid must say.
SLOTS = ("openai:gpt-5 (T 0.2)", "openai:gpt-5 (T 1)", "anthropic:claude-opus-4-1")
ROWS = ("Shapes · shape=square", "Shapes · shape=circle", "Pagoda")


def _entry(ref: str, **settings: object) -> ModelSetEntry:
    return ModelSetEntry(parse_model_ref(ref), GenerationSettings(**settings))  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class RichBatch:
    batch_id: int
    shot_response: int  # the cell (row 1, column 1) whose page has a stored screenshot


def save_cell(store: Store, batch: Batch, row: int, col: int, data: ResponseData,
              checks: tuple[CheckResult, ...] = (), state: CellState | None = None) -> int:
    """The cell's answer and checks saved as the batch runner saves them; its response id."""
    cell = batch.cell(row, col)
    cell.state = state or {"done": CellState.DONE, "failed": CellState.FAILED}.get(
        data.state, CellState.CANCELLED)
    cell.checks = checks
    assert batch.id is not None
    with store._write() as conn:
        batch_sql.save_answer(conn, batch.id, cell, data)
    assert cell.response_id is not None
    return cell.response_id


def set_batch_state(store: Store, batch: Batch, state: BatchState) -> None:
    batch.state = state
    with store._write() as conn:
        batch_sql.set_state(conn, batch)


def rich_batch(store: Store) -> RichBatch:
    shapes = store.add_collection("Shapes and buildings")
    prompt = store.add_prompt(shapes.id, "Shapes", "Draw a {{shape}} on a canvas",
                              variables={"shape": "square"})
    store.set_variable_rows(prompt.id, [{"shape": "square"}, {"shape": "circle"}])
    store.set_checks(prompt.id, [Check("icontains", "{{shape}}"), Check("has-page", name="page"),
                                 Check("no-console-errors", row=1)])
    store.add_prompt(shapes.id, "Pagoda", "A voxel pagoda", system="Answer with one HTML file.")
    models = (_entry("openai:gpt-5", temperature=0.2), _entry("openai:gpt-5", temperature=1.0),
              _entry("anthropic:claude-opus-4-1", reasoning="high"))
    rows = plan_rows(store.batch_store().prompt_sources(shapes.id))
    batch = store.batch_store().create(Batch(tuple(rows), models, title="Shapes and buildings",
                                             collection_id=int(shapes.id)))
    red, green, blue = (canvas_page(n, c) for n, c in
                        (("red", "#ff0000"), ("green", "#00ff00"), ("blue", "#0000ff")))
    found, page = (CheckResult("icontains 'square'", True, None, "found 'square'"),
                   CheckResult("page", True, None, "the answer has a page"))
    shot = save_cell(store, batch, 0, 0, ResponseData(
        model="openai:gpt-5", text=answer_with(red, "A red square:"), html=red,
        reasoning="A square is a filled rect.", input_tokens=100, output_tokens=300,
        ttft_s=0.62, total_s=3.0, tokens_per_s=121.4, cost_usd=0.0042), (found, page))
    store.set_screenshot(ResponseId(shot), solid_png(320, 200, (255, 0, 0)))
    store.rate(ResponseId(shot), 4)
    save_cell(store, batch, 0, 1, ResponseData(
        model="openai:gpt-5", text=answer_with(green, "A green square:"), html=green,
        input_tokens=100, output_tokens=280, ttft_s=0.9, total_s=2.5, tokens_per_s=110.0,
        cost_usd=0.0038), (found, page))
    save_cell(store, batch, 0, 2, ResponseData(
        model="anthropic:claude-opus-4-1", text="I can describe a square instead.",
        input_tokens=100, output_tokens=12, ttft_s=1.5, total_s=1.7, tokens_per_s=40.0,
        cost_usd=0.0105), (CheckResult("icontains 'square'", True, None, "found 'square'"),
                           CheckResult("page", False, None, "the answer has no page")))
    save_cell(store, batch, 1, 0, ResponseData(
        model="openai:gpt-5", text=answer_with(blue, "A circle, in blue:"), html=blue,
        input_tokens=100, output_tokens=320, ttft_s=0.7, total_s=3.2, tokens_per_s=118.0,
        cost_usd=0.0044), (
            CheckResult("icontains 'circle'", True, None, "found 'circle'"),
            CheckResult("page", True, None, "the answer has a page"),
            CheckResult("no-console-errors", None, None,
                        "not run: no display to run the page")))
    save_cell(store, batch, 1, 1, ResponseData(
        model="openai:gpt-5", text="", state="failed", error_kind="rate_limit",
        error_status=429,
        error_message=f"rate limited for key {KEY}; cache at {HOME}/.cache/prompt-studio/x.db",
        ttft_s=None, total_s=0.4), (
            CheckResult("icontains 'circle'", None, None, "not run: the answer failed"),))
    save_cell(store, batch, 1, 2, ResponseData(
        model="anthropic:claude-opus-4-1", text=answer_with(green, "Circle:"), html=green,
        input_tokens=100, output_tokens=250, ttft_s=1.2, total_s=4.0, tokens_per_s=62.5,
        cost_usd=None), (
            CheckResult("icontains 'circle'", False, None, "'circle' is not in the answer"),
            CheckResult("page", True, None, "the answer has a page"),
            CheckResult("no-console-errors", True, None, "the page ran with no console error")))
    save_cell(store, batch, 2, 0, ResponseData(
        model="openai:gpt-5", text="A pagoda would take a while.", input_tokens=80,
        output_tokens=9, ttft_s=0.5, total_s=0.8, tokens_per_s=11.0, cost_usd=0.0001))
    save_cell(store, batch, 2, 1, ResponseData(
        model="openai:gpt-5", text="Pagoda, half", input_tokens=80, output_tokens=4,
        ttft_s=0.55, total_s=5.0, state="cancelled"))
    # (row 3, column 3) was never sent: the batch was interrupted.
    set_batch_state(store, batch, BatchState.INTERRUPTED)
    assert batch.id is not None
    return RichBatch(batch.id, shot)


# The judged batch's models and judge: none of these may show in a blind report of it.
JUDGED_SLOTS = ("openai:gpt-5", "anthropic:claude-opus-4-1", "mistral:codestral-2")
JUDGE = "graders:judge-9000"


def judged_batch(store: Store) -> int:
    """Two rows × three models. Row 1 is judged by JUDGE: for gpt-5 at a known cost
    ($0.0009), for claude at an unknown one (its reply had no usage and was not the verdict
    JSON: it quotes the judge's name), and not at all for codestral (the answer failed, so
    the judge was never asked). Row 2 has a cost limit, not run for codestral, whose cost is
    unknown (its reason names the model). The answers: gpt-5 $0.012 + $0.009 = $0.021,
    claude $0.006 + $0.009 = $0.015, codestral's unknown."""
    shelf = store.add_collection("Judged")
    clock = store.add_prompt(shelf.id, "Clock", "Draw a clock")
    store.set_checks(clock.id, [Check("judge", "Is it a clock?", model=JUDGE),
                                Check("icontains", "clock")])
    menu = store.add_prompt(shelf.id, "Menu", "Write a menu")
    store.set_checks(menu.id, [Check("max-cost", limit=0.01)])
    models = tuple(_entry(ref) for ref in JUDGED_SLOTS)
    rows = plan_rows(store.batch_store().prompt_sources(shelf.id))
    batch = store.batch_store().create(Batch(tuple(rows), models, title="Judged"))
    judge = f"judge {JUDGE}"

    def answer(model: str, cost: float | None, text: str = "A clock face.") -> ResponseData:
        return ResponseData(model=model, text=text, input_tokens=50, output_tokens=200,
                            ttft_s=0.5, total_s=2.0, tokens_per_s=100.0, cost_usd=cost)

    save_cell(store, batch, 0, 0, answer("openai:gpt-5", 0.012), (
        CheckResult(judge, True, 0.9, "A clear clock face.", JudgeSpend(0.0009, 1830, 64)),
        CheckResult("icontains 'clock'", True, None, "found (ignoring case)")))
    save_cell(store, batch, 0, 1, answer("anthropic:claude-opus-4-1", 0.006), (
        CheckResult(judge, False, None, 'the judge did not answer with {"pass", "score", '
                    '"reason"} JSON: "As judge-9000 I find it fine."', JudgeSpend(None)),
        CheckResult("icontains 'clock'", True, None, "found (ignoring case)")))
    save_cell(store, batch, 0, 2, ResponseData(
        model="mistral:codestral-2", text="", state="failed", error_kind="server",
        error_status=500, error_message="upstream failed", total_s=0.3), (
            CheckResult(judge, None, None, "not run: the answer failed"),
            CheckResult("icontains 'clock'", None, None, "not run: the answer failed")))
    save_cell(store, batch, 1, 0, answer("openai:gpt-5", 0.009, "Soup, bread."), (
        CheckResult("cost ≤ $0.01", True, None, "cost $0.0090 ≤ $0.01"),))
    save_cell(store, batch, 1, 1, answer("anthropic:claude-opus-4-1", 0.009, "Tea."), (
        CheckResult("cost ≤ $0.01", True, None, "cost $0.0090 ≤ $0.01"),))
    save_cell(store, batch, 1, 2, answer("mistral:codestral-2", None, "Bread."), (
        CheckResult("cost ≤ $0.01", None, None, "not run: the cost of mistral:codestral-2 is "
                    "unknown (no price in the price table, or no token counts)"),))
    set_batch_state(store, batch, BatchState.DONE)
    assert batch.id is not None
    return batch.id


_WORDS = ("ball", "wall", "speed", "frame", "canvas", "draw", "update", "physics", "gravity",
          "bounce", "rotate", "hexagon", "vertex", "angle", "collision", "normal", "reflect",
          "friction", "velocity", "render", "loop", "state", "timer", "color", "shadow",
          "light", "scene", "camera", "mesh", "geometry", "material", "score", "player")


def _prose(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(words)).capitalize() + "."


def realistic_page(rng: random.Random, index: int) -> str:
    """A page of a few KB: style, markup and a script with names of its own."""
    names = [f"{rng.choice(_WORDS)}{rng.randrange(1000)}" for _ in range(24)]
    script = "\n".join(
        f"function {n}(s, dt) {{ s.{rng.choice(_WORDS)} += {rng.random():.4f} * dt; "
        f"return s.{rng.choice(_WORDS)} > {rng.randrange(500)}; }}" for n in names)
    return (f"<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>Demo {index}</title>"
            f"<style>body{{margin:0;background:#{rng.randrange(0x1000000):06x}}}"
            f"canvas{{display:block}}</style></head><body><h1>{_prose(rng, 6)}</h1>"
            f"<canvas id='c' width='640' height='400'></canvas>\n<script>\n{script}\n"
            "const g = document.getElementById('c').getContext('2d');\n"
            f"g.fillStyle = '#{rng.randrange(0x1000000):06x}'; g.fillRect(0, 0, 640, 400);\n"
            "</script></body></html>")


def big_batch(store: Store, *, prompts: int = 50, models: int = 8, seed: int = 7,
              screenshot: bytes | None = None) -> int:
    """`prompts` × `models` cells, every one answered with prose, code and a page (about
    6 KB of answer), checks on each, and (given one) the same screenshot kept for each
    page."""
    rng = random.Random(seed)
    shelf = store.add_collection("Demos")
    for index in range(prompts):
        store.add_prompt(shelf.id, f"Demo {index}", f"Write physics demo number {index}: "
                         + _prose(rng, 20))
    entries = tuple(_entry(f"provider{i}:model-{i}") for i in range(models))
    rows = plan_rows(store.batch_store().prompt_sources(shelf.id))
    batch = store.batch_store().create(Batch(tuple(rows), entries, title="Demos"))
    for row in range(prompts):
        for col in range(models):
            page = realistic_page(rng, row * models + col)
            text = "\n\n".join([_prose(rng, 60), answer_with(page, _prose(rng, 12)),
                                _prose(rng, 80)])
            response = save_cell(store, batch, row, col, ResponseData(
                model=f"provider{col}:model-{col}", text=text, html=page,
                reasoning=_prose(rng, 40), input_tokens=200, output_tokens=1800,
                ttft_s=rng.uniform(0.2, 2.0), total_s=rng.uniform(5, 30),
                tokens_per_s=rng.uniform(40, 200), cost_usd=rng.uniform(0.001, 0.05)), (
                    CheckResult("has-page", True, None, "the answer has a page"),
                    CheckResult("icontains 'ball'", rng.random() < 0.7, None,
                                _prose(rng, 8))))
            if screenshot is not None:
                store.set_screenshot(ResponseId(response), screenshot)
    set_batch_state(store, batch, BatchState.DONE)
    assert batch.id is not None
    return batch.id


def batch_of_pages(store: Store, pages: dict[str, str], *, title: str = "Pages") -> int:
    """A one-prompt batch whose models (named by `pages`' keys) each wrote one page."""
    shelf = store.add_collection(title)
    store.add_prompt(shelf.id, title, f"Write the {title.lower()}")
    entries = tuple(_entry(f"lab:{name}") for name in pages)
    rows = plan_rows(store.batch_store().prompt_sources(shelf.id))
    batch = store.batch_store().create(Batch(tuple(rows), entries, title=title))
    for col, (name, page) in enumerate(pages.items()):
        save_cell(store, batch, 0, col, ResponseData(model=f"lab:{name}",
                                                     text=answer_with(page), html=page))
    set_batch_state(store, batch, BatchState.DONE)
    assert batch.id is not None
    return batch.id
