"""Screenshots of the real app for the README: four models answering one prompt, the
comparison exported as a report and a contact sheet, a mockup sent to two models with the
fix-it follow-up, a collection run as a batch, a batch exported as a report, and the arena's
leaderboard exported as a report and in the Arena window.

The answers come from the test suite's loopback simulator (providers cannot be reached from
a build machine), the batch's cells are written into the store as a batch saves them, the
leaderboard's votes from battles simulated with fixed strengths; everything else — window,
panes, Markdown, previews, screenshots, reports — is the real app.

    xvfb-run -a -s "-screen 0 1920x1080x24" python packaging/take_screenshots.py [SCENE ...]

SCENE is workspace (with the report, the contact sheet and the batch window), attachments,
batch, leaderboard (the report) or arena (the window); with no argument, all of them (a
scene named alone leaves the other screenshots as they are).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from studio.core.catalog import ProviderRegistry
    from studio.core.paths import StudioPaths
    from studio.core.runner import Engine, ModelTarget
    from studio.store import Store
    from studio.ui.main_window import MainWindow
    from tests.support.simulator import Simulator

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "packaging" / "screenshots"
sys.path.insert(0, str(REPO))

PROMPT = ("Write a single HTML page: a red ball bouncing inside a slowly spinning hexagon, "
          "drawn on a canvas. Explain the physics briefly.")


def _page(title: str, colour: str, background: str, sides: int) -> str:
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title}</title>
<style>html,body{{margin:0;height:100%;background:{background};overflow:hidden}}
canvas{{display:block;width:100%;height:100%}}</style></head>
<body><canvas id="c"></canvas>
<script>
const c = document.getElementById('c'), g = c.getContext('2d');
let a = 0, x = 0, y = -40, vx = 2.2, vy = 0;
function frame() {{
  c.width = innerWidth; c.height = innerHeight;
  const cx = c.width / 2, cy = c.height / 2, r = Math.min(cx, cy) * 0.8;
  g.strokeStyle = '{colour}'; g.lineWidth = 4; g.beginPath();
  for (let i = 0; i <= {sides}; i++) {{
    const t = a + i * 2 * Math.PI / {sides};
    g.lineTo(cx + r * Math.cos(t), cy + r * Math.sin(t));
  }}
  g.stroke();
  vy += 0.25; x += vx; y += vy;
  if (Math.hypot(x, y) > r * 0.8) {{ vx = -vx * 0.9; vy = -vy * 0.9; }}
  g.fillStyle = '#e53935'; g.beginPath(); g.arc(cx + x, cy + y, r * 0.08, 0, 7); g.fill();
  a += 0.01; requestAnimationFrame(frame);
}}
frame();
</script></body></html>"""


def _window(paths: StudioPaths, registry: ProviderRegistry, targets: list[ModelTarget],
            prompt: str) -> tuple[Engine, MainWindow]:
    """The real main window at README size, with its models chosen and a prompt typed."""
    from studio.core.prices import PriceTable
    from studio.core.runner import Engine
    from studio.core.secrets import KeyStore
    from studio.ui.main_window import MainWindow

    engine = Engine(keys=KeyStore(), prices=PriceTable.load(None))
    window = MainWindow(engine, paths=paths, registry=registry, show_welcome=False)
    window.resize(1760, 1000)
    window.show()
    window.model_bar.set_targets(targets)
    window.prompt_area.set_prompt(prompt)
    return engine, window


def _answer(intro: str, page: str, outro: str) -> list[str]:
    text = f"{intro}\n\n```html\n{page}\n```\n\n{outro}\n"
    return [text[i:i + 24] for i in range(0, len(text), 24)]


MODELS = [
    ("qwen", "qwen3-max-preview", _answer(
        "Here is a self-contained page. The hexagon rotates a little every frame and the ball "
        "is reflected off the nearest wall:", _page("Hexagon", "#4fc3f7", "#111", 6),
        "**Physics:** gravity adds to `vy` each frame; on contact the velocity is reflected "
        "and damped by 10 %.")),
    ("anthropic", "claude-opus-4-1", _answer(
        "I'll draw everything on one `<canvas>` and animate it with `requestAnimationFrame`.",
        _page("Spinning hexagon", "#7e57c2", "#fafafa", 6),
        "- Gravity: constant downward acceleration\n- Collisions: reflect and damp\n"
        "- Rotation: the hexagon's angle grows by 0.01 rad per frame")),
    ("kimi", "kimi-k2-0905-preview", _answer(
        "Sure! A compact version:", _page("Bouncing ball", "#26a69a", "#0d1b2a", 6),
        "The ball keeps 90 % of its speed after each bounce.")),
    ("deepseek", "deepseek-chat", _answer(
        "Below is the complete HTML file.", _page("Ball in hexagon", "#ffb300", "#1b1b1b", 6),
        "Open it in any modern browser; no libraries are needed.")),
]


async def _shoot() -> None:
    from studio.core.catalog import ModelRef, ProviderRegistry
    from studio.core.paths import studio_paths
    from studio.core.runner import ModelTarget
    from tests.support.scenarios import Synthetic
    from tests.support.simulator import Simulator

    paths = studio_paths().ensure()
    with Simulator() as sim:
        registry = ProviderRegistry(paths.providers_file)
        targets = []
        for provider, model, chunks in MODELS:
            kind = "anthropic" if provider == "anthropic" else "openai"
            registry.add(provider, kind, sim.url(kind), needs_key=False)
            sim.script(model, Synthetic(chunks, usage=(38, len("".join(chunks)) // 4),
                                        chunks_per_second=60))
            targets.append(ModelTarget(ModelRef(provider, model), registry.get(provider)))
        engine, window = _window(paths, registry, targets, PROMPT)
        window.submit()
        comparison = window.comparison
        assert comparison is not None
        # Mid-stream: every pane has some of its answer (a condition, not a time: the
        # first tokens come later on a busy machine).
        midway = asyncio.Event()

        def check() -> None:
            if all(len(a.text) > 500 for a in comparison.answers()):
                midway.set()

        comparison.progressed.connect(check)
        await midway.wait()
        window.grab().save(str(OUT / "streaming.png"))
        await comparison.wait()
        await asyncio.sleep(0.8)
        window.grab().save(str(OUT / "workspace.png"))
        window.show_previews(True)
        await asyncio.sleep(4.0)
        window.grab().save(str(OUT / "previews.png"))
        assert window.store is not None and comparison.run_id is not None
        await _report_shots(window.store, int(comparison.run_id))
        await _grid_shot(window, sim, targets)
        await window.shutdown()
        await engine.aclose()
        window.close()


BATCH_PROMPTS = [
    ("Hexagon", "A red ball bouncing inside a spinning hexagon, on a canvas."),
    ("Pentagon", "A red ball bouncing inside a spinning pentagon, on a canvas."),
    ("Octagon", "A red ball bouncing inside a spinning octagon, on a canvas."),
    ("Triangle", "A red ball bouncing inside a spinning triangle, on a canvas."),
]
BATCH_LOOKS = [("#4fc3f7", "#111"), ("#7e57c2", "#fafafa"), ("#26a69a", "#0d1b2a"),
               ("#ffb300", "#1b1b1b")]


async def _grid_shot(window: MainWindow, sim: Simulator,
                     targets: list[ModelTarget]) -> None:
    """The four prompts of a collection × the four models, as the batch window shows them,
    with the first prompt's pages running side by side under the grid."""
    from studio.core.batch import Batch, plan_rows
    from studio.core.checks import Check
    from studio.store.threads import entry_of
    from tests.support.scenarios import Status, Synthetic

    store = window.store
    assert store is not None
    shapes = {"Hexagon": 6, "Pentagon": 5, "Octagon": 8, "Triangle": 3}
    for column, (target, (colour, background)) in enumerate(zip(targets, BATCH_LOOKS,
                                                                strict=True)):
        answers = []
        for title, _body in BATCH_PROMPTS:
            if column == 2 and title == "Octagon":  # one request refused
                answers.append(Status(400))
                continue
            chunks = _answer(f"Here is the {title.lower()}: one page, no libraries.",
                             _page(title, colour, background, shapes[title]),
                             "Gravity, bounces and a slow spin.")
            answers.append(Synthetic(chunks, usage=(40, len("".join(chunks)) // 4),
                                     chunks_per_second=400))
        sim.script(target.ref.model, *answers)
    games = store.add_collection("Launch demos")
    for title, body in BATCH_PROMPTS:
        prompt = store.add_prompt(games.id, title, body)
        store.set_checks(prompt.id, [Check("has-page"), Check("icontains", title.lower()),
                                     Check("max-ttft", limit=5.0)])
    sources = store.batch_store().prompt_sources(games.id)
    planned = Batch(tuple(plan_rows(sources)), tuple(entry_of(t) for t in targets),
                    title="Launch demos", concurrency=4)
    controller = window.grid.controller
    assert controller is not None
    finished = asyncio.Event()

    def check() -> None:
        batch = controller.batch
        if batch is not None and batch.complete and not controller.running:
            finished.set()

    controller.stateChanged.connect(check)
    window.grid.start(planned, targets)
    await finished.wait()
    grid = window.grid.batch_window
    assert grid is not None
    grid.resize(1760, 1100)
    grid.select_row(0)
    await asyncio.sleep(4.0)  # the row's pages load and draw
    grid.grab().save(str(OUT / "grid.png"))
    grid.close()


# The leaderboard's battles: LMArena's format, strengths in logits, ties one time in ten.
STRENGTHS = {"openai:gpt-5": 1.0, "anthropic:claude-opus-4-1": 0.95, "qwen:qwen3-max": 0.35,
             "deepseek:deepseek-chat": 0.2, "kimi:kimi-k2": -0.05,
             "local:smollm2-135m": -1.6}


def _battles(path: Path, count: int = 600, seed: int = 7) -> Path:
    rng = random.Random(seed)
    names = sorted(STRENGTHS)
    lines = []
    for i in range(count):
        a, b = rng.sample(names, 2)
        p = 1 / (1 + pow(2.718281828459045, STRENGTHS[b] - STRENGTHS[a]))
        roll = rng.random()
        winner = ("tie" if roll < 0.08 else "both_bad" if roll < 0.1
                  else "model_a" if rng.random() < p else "model_b")
        lines.append(json.dumps({"id": f"shot-{i}", "model_a": a, "model_b": b,
                                 "winner": winner, "tstamp": 1_764_000_000 + 900 * i}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


async def _leaderboard_shot() -> None:
    """The leaderboard of simulated battles exported as a report, shown in a plain browser
    view as a reader opens it."""
    from studio.core.paths import studio_paths
    from studio.report.board_export import BoardSource, write_leaderboard_report
    from studio.report.export import ReportOptions
    from studio.store import Store

    with tempfile.TemporaryDirectory() as folder:
        with Store.open(studio_paths().ensure()) as store:
            store.import_battles(_battles(Path(folder) / "battles.jsonl"))
            source = BoardSource.load(store)
        report = Path(folder) / "leaderboard.html"
        write_leaderboard_report(source, report, None, options=ReportOptions(theme="light"))
        await _browser_grab(report, OUT / "leaderboard-report.png", (1400, 1330), settle=0.5)


# The batch: one prompt with three variable rows, the four models above, checks per cell.
SHAPES = (("hexagon", 6), ("square", 4), ("triangle", 3))


async def _batch_shot() -> None:
    """A batch of the four models over three shapes, its pages' screenshots taken in the
    sandbox, exported as a report and shown in a plain browser view."""
    from studio.core.batch import Batch, BatchState, plan_rows
    from studio.core.checks import Check, CheckResult
    from studio.core.model_sets import entries_from_refs
    from studio.core.paths import studio_paths
    from studio.report.batch_export import BatchSource, write_batch_report
    from studio.report.export import ReportOptions
    from studio.store import ResponseData, Store
    from studio.ui.report.capture import PageShooter, ShotJob
    from studio.ui.report.imaging import QtImaging
    from tests.support.report_batches import save_cell, set_batch_state

    rng = random.Random(11)
    colours = [("#4fc3f7", "#111"), ("#7e57c2", "#fafafa"), ("#26a69a", "#0d1b2a"),
               ("#ffb300", "#1b1b1b")]
    with Store.open(studio_paths().ensure()) as store:
        shelf = store.add_collection("Physics toys")
        prompt = store.add_prompt(shelf.id, "Ball in a shape", "Write a single HTML page: a "
                                  "red ball bouncing inside a slowly spinning {{shape}}.",
                                  variables={"shape": "hexagon"})
        store.set_variable_rows(prompt.id, [{"shape": name} for name, _ in SHAPES])
        store.set_checks(prompt.id, [Check("has-page", name="page"),
                                     Check("icontains", "{{shape}}"),
                                     Check("judge", "The ball stays inside and bounces.",
                                           model="openai:gpt-5", limit=0.6)])
        refs = [f"{provider}:{model}" for provider, model, _ in MODELS]
        rows = plan_rows(store.batch_store().prompt_sources(shelf.id))
        batch = store.batch_store().create(Batch(tuple(rows), entries_from_refs(refs),
                                                 title="Physics toys"))
        for row, (shape, sides) in enumerate(SHAPES):
            for col, ref in enumerate(refs):
                if (row, col) == (2, 2):
                    save_cell(store, batch, row, col, ResponseData(
                        model=ref, state="failed", error_kind="rate_limit", error_status=429,
                        error_message="Rate limit reached for requests", total_s=0.4),
                        (CheckResult("page", None, None, "not run: the answer failed"),))
                    continue
                page = _page(f"Ball in a {shape}", *colours[col], sides)
                score = round(rng.uniform(0.35, 0.95), 2)
                mentions = (row + col) % 5 != 3
                save_cell(store, batch, row, col, ResponseData(
                    model=ref, text=f"A {shape}, spinning:\n\n```html\n{page}\n```\n",
                    html=page, input_tokens=60, output_tokens=rng.randrange(600, 1400),
                    ttft_s=rng.uniform(0.3, 2.5), total_s=rng.uniform(6, 30),
                    tokens_per_s=rng.uniform(35, 160), cost_usd=rng.uniform(0.001, 0.03)), (
                        CheckResult("page", True, None, "the answer has a page"),
                        CheckResult(f"icontains '{shape}'", mentions, None,
                                    f"found '{shape}'" if mentions
                                    else f"'{shape}' is not in the answer"),
                        CheckResult("judge openai:gpt-5", score >= 0.6, score,
                                    "The ball stays inside and bounces off the walls."
                                    if score >= 0.6 else "The ball leaves the shape.")))
        set_batch_state(store, batch, BatchState.DONE)
        assert batch.id is not None
        source = BatchSource.load(store, batch.id)
    shooter = PageShooter([ShotJob(p.key, p.html, p.label) for p in source.missing()])
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    shooter.finished.connect(lambda: done.done() or done.set_result(None))
    shooter.start()
    await done
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "batch.html"
        write_batch_report(source, report, QtImaging(), taken=dict(shooter.results),
                           options=ReportOptions(theme="light"))
        await _browser_grab(report, OUT / "batch-report.png", (1400, 1500), settle=0.5)


async def _browser_grab(report: Path, out: Path, size: tuple[int, int], *,
                        settle: float) -> None:
    """`report` opened in a plain browser view of `size`, grabbed after `settle` seconds."""
    from PySide6.QtCore import QUrl
    from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineProfile
    from PySide6.QtWebEngineWidgets import QWebEngineView

    profile = QWebEngineProfile()
    view = QWebEngineView()
    page = QWebEnginePage(profile, view)
    view.setPage(page)
    view.resize(*size)
    view.show()
    loaded: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
    page.loadFinished.connect(lambda ok: loaded.done() or loaded.set_result(ok))
    page.load(QUrl.fromLocalFile(str(report)))
    await loaded
    await asyncio.sleep(settle)
    view.grab().save(str(out))
    view.setPage(None)  # type: ignore[arg-type]
    page.deleteLater()
    view.deleteLater()
    await asyncio.sleep(0.2)


async def _report_shots(store: Store, run_id: int) -> None:
    """The comparison exported as a report (shown in a plain browser view, as a reader
    opens it) and as a contact sheet."""
    from studio.report.export import RunSource, write_run_report
    from studio.store import RunId
    from studio.ui.report.capture import PageShooter, ShotJob
    from studio.ui.report.imaging import QtImaging

    source = RunSource.load(store, RunId(run_id))
    taken = {}
    if source.missing():
        shooter = PageShooter([ShotJob(p.key, p.html, p.label) for p in source.missing()])
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        shooter.finished.connect(lambda: done.done() or done.set_result(None))
        shooter.start()
        await done
        taken = dict(shooter.results)
    write_run_report(source, OUT / "contact-sheet.png", QtImaging(), taken=taken)
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.html"
        write_run_report(source, report, QtImaging(), taken=taken)
        # The pages in their frames draw a few frames.
        await _browser_grab(report, OUT / "report.png", (1760, 1240), settle=3.0)


MOCKUP_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><style>
body{{margin:0;font-family:sans-serif;background:{bg};color:#222}}
header{{background:{accent};color:white;padding:18px 24px;font-size:22px}}
.cards{{display:flex;gap:14px;padding:18px}}
.card{{flex:1;background:white;border-radius:8px;padding:14px;height:90px;
box-shadow:0 1px 4px #0003}}
</style></head><body><header>Launch</header>
<div class="cards"><div class="card">Fast</div><div class="card">Private</div>
<div class="card">Open</div></div>
<script>
document.querySelector('header').textContent = title.toUpperCase();
</script></body></html>"""
FAULT = "textContent = title.toUpperCase()"
FIX = "textContent += ': private by design'"


def _mockup_png() -> bytes:
    """A hand-drawn-looking mockup of a landing page, as a user would attach it."""
    from PySide6.QtCore import QRect, Qt
    from PySide6.QtGui import QColor, QImage, QPainter

    from studio.ui.preview.export import png_bytes

    image = QImage(480, 300, QImage.Format.Format_RGB32)
    image.fill(QColor("#fdfdf8"))
    painter = QPainter(image)
    painter.setPen(QColor("#333"))
    painter.fillRect(QRect(0, 0, 480, 60), QColor("#1e88e5"))
    painter.setPen(QColor("white"))
    painter.drawText(QRect(20, 0, 300, 60), Qt.AlignmentFlag.AlignVCenter, "LAUNCH")
    painter.setPen(QColor("#555"))
    for i in range(3):
        painter.drawRect(QRect(20 + i * 150, 90, 130, 110))
        painter.drawText(QRect(20 + i * 150, 90, 130, 110), Qt.AlignmentFlag.AlignCenter,
                         ("Fast", "Private", "Open")[i])
    painter.end()
    return png_bytes(image)


async def _shoot_attachments() -> None:
    """A prompt sent with a mockup; then "Show the model its page": each model gets its own
    page's screenshot and console error; the turn lists what was sent."""
    from studio.core.attachments import attachment_from_bytes
    from studio.core.catalog import ModelRef, ProviderRegistry
    from studio.core.paths import studio_paths
    from studio.core.runner import ModelTarget
    from tests.support.scenarios import Synthetic
    from tests.support.simulator import Simulator

    paths = studio_paths().ensure()
    pages = {"claude-opus-4-1": MOCKUP_PAGE.format(bg="#f3f1ff", accent="#7e57c2"),
             "gpt-5": MOCKUP_PAGE.format(bg="#eef6ff", accent="#1e88e5")}
    with Simulator() as sim:
        registry = ProviderRegistry(paths.providers_file)
        targets = []
        for provider, model in (("anthropic", "claude-opus-4-1"), ("openai", "gpt-5")):
            registry.add(provider, provider, sim.url(provider), needs_key=False)
            first = f"Here is the page from your mockup:\n\n```html\n{pages[model]}\n```\n"
            fixed = ("The console says `title` is not defined on line 11: the heading was "
                     "read from a variable I never declared. The page now uses the header's "
                     f"own text:\n\n```html\n{pages[model].replace(FAULT, FIX)}\n```\n")
            sim.script(model, Synthetic([first], usage=(1650, 260), chunks_per_second=60),
                       Synthetic([fixed], usage=(3420, 120), chunks_per_second=60))
            targets.append(ModelTarget(ModelRef(provider, model), registry.get(provider)))
        engine, window = _window(paths, registry, targets,
                                 "Turn this mockup into a single HTML page.")
        mockup = attachment_from_bytes("mockup.png", _mockup_png())
        notes = attachment_from_bytes("copy.md", b"# Launch\nThree cards: Fast, Private, Open.\n")
        window.prompt_area.attachments.add([mockup, notes])
        window.submit()
        comparison = window.comparison
        assert comparison is not None
        await comparison.wait()
        for pane in comparison.panes:
            pane.set_preview_visible(True)
        for _ in range(200):
            if all(p.preview is not None and p.preview.error_count() for p in comparison.panes):
                break
            await asyncio.sleep(0.05)
        window.fix_it.start(comparison, [0, 1])
        for _ in range(400):
            if len(comparison.chat.turns) == 2 and comparison.settled:
                break
            await asyncio.sleep(0.05)
        await comparison.wait()
        window.prompt_area.attachments.add([mockup])
        window.prompt_area.set_prompt("Now make the cards wider on desktop.")
        await asyncio.sleep(1.0)
        window.grab().save(str(OUT / "attachments.png"))
        await window.shutdown()
        await engine.aclose()
        window.close()


# The arena's votes: blind battles among the four models (and two settings of one), drawn
# from chosen strengths, with a judge model voting on a share of the same pairs.
ARENA_STRENGTHS = {"qwen:qwen3-max-preview": 0.55, "anthropic:claude-opus-4-1": 0.8,
                   "kimi:kimi-k2-0905-preview": 0.1, "deepseek:deepseek-chat": -0.15,
                   "deepseek:deepseek-chat (T 1.3)": -0.6}
ARENA_JUDGE = "anthropic:claude-opus-4-1"


def _fill_arena(store: Store) -> None:
    """Blind votes among the models; for a third of them the judge voted on the same pair
    of the same run, so its agreement with you shows."""
    import math

    from studio.core.arena import Entry, pair_vote
    from studio.core.catalog import parse_model_ref
    from studio.core.model_sets import ModelSetEntry
    from studio.core.request import GenerationSettings

    rng = random.Random(7)
    names = sorted(ARENA_STRENGTHS)
    for n in range(260):
        a, b = rng.sample(names, 2)
        p = 1 / (1 + math.exp(-(ARENA_STRENGTHS[a] - ARENA_STRENGTHS[b] + 0.12)))
        winner = "tie" if rng.random() < 0.08 else "a" if rng.random() < p else "b"
        entries, models = [], []
        for position, name in enumerate((a, b)):
            model, _, temperature = name.partition(" (T ")
            settings = {"temperature": float(temperature[:-1])} if temperature else {}
            entries.append(Entry(position, model, settings, slot=position,
                                 answer_chars=rng.randint(800, 4000)))
            models.append(ModelSetEntry(parse_model_ref(model), GenerationSettings(**settings)))
        when = 1_764_000_000 + n * 3600
        links: dict[str, object] = {"created_at": when}
        judged = n % 3 == 0
        if judged:
            run_id = store.start_run(body=f"Prompt {n}", models=models, first_turn=f"Prompt {n}")
            links |= {"run_id": run_id, "turn_id": store.run(run_id).turns[0].id}
        store.add_vote(pair_vote(entries[0], entries[1], winner, **links))  # type: ignore[arg-type]
        if judged:  # the judge agrees most of the time
            verdict = winner if rng.random() < 0.75 else ("b" if winner == "a" else "a")
            store.add_vote(pair_vote(entries[0], entries[1], verdict, voter_kind="judge",
                                     voter=ARENA_JUDGE, **links))  # type: ignore[arg-type]


async def _arena_shot() -> None:
    """The Arena window's leaderboard over simulated blind votes."""
    from studio.core.catalog import ProviderRegistry
    from studio.core.paths import studio_paths
    from studio.core.prices import PriceTable
    from studio.core.runner import Engine
    from studio.core.secrets import KeyStore
    from studio.ui.main_window import MainWindow

    paths = studio_paths().ensure()
    engine = Engine(keys=KeyStore(), prices=PriceTable.load(None))
    window = MainWindow(engine, paths=paths, registry=ProviderRegistry(paths.providers_file),
                        show_welcome=False)
    store = window.store
    assert store is not None
    with store.transaction():
        _fill_arena(store)
    arena = window.arena.open_window()
    arena.resize(1500, 820)
    assert arena.tabs is not None
    arena.tabs.setCurrentWidget(arena.leaderboard)
    view = arena.leaderboard
    shown = asyncio.Event()
    view.refreshed.connect(shown.set)
    await shown.wait()
    await asyncio.sleep(0.5)
    arena.grab().save(str(OUT / "arena-leaderboard.png"))
    await window.shutdown()
    await engine.aclose()
    window.close()


SCENES = {"workspace": _shoot, "attachments": _shoot_attachments, "batch": _batch_shot,
          "leaderboard": _leaderboard_shot, "arena": _arena_shot}


def main() -> int:
    from PySide6.QtWidgets import QApplication

    from studio.app import _register_preview_scheme
    from studio.ui.event_loop import StudioEventLoop

    wanted = set(sys.argv[1:]) or set(SCENES)
    if wanted - set(SCENES):
        print(f"usage: take_screenshots.py [{' | '.join(SCENES)} ...]", file=sys.stderr)
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as home:
        os.environ["PROMPT_STUDIO_HOME"] = home
        os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
        _register_preview_scheme()
        app = QApplication(sys.argv[:1])
        app.setQuitOnLastWindowClosed(False)  # the shots open and close windows in turn
        with asyncio.Runner(loop_factory=lambda: StudioEventLoop(app)) as runner:
            for scene, shoot in SCENES.items():
                if scene in wanted:
                    runner.run(shoot())
    print(f"screenshots written to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
