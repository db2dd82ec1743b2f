"""Screenshots of the real app for the README: four models answering one prompt, the
comparison exported as a report and a contact sheet, and the arena's leaderboard.

The answers come from the test suite's loopback simulator (providers cannot be reached from
a build machine); everything else — window, panes, Markdown, previews — is the real app.

    xvfb-run -a -s "-screen 0 1920x1080x24" python packaging/take_screenshots.py [arena]

`arena` alone takes only the leaderboard's screenshot, leaving the others as they are.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from studio.store import Store

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
    from studio.core.prices import PriceTable
    from studio.core.runner import Engine, ModelTarget
    from studio.core.secrets import KeyStore
    from studio.ui.main_window import MainWindow
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
        engine = Engine(keys=KeyStore(), prices=PriceTable.load(None))
        window = MainWindow(engine, paths=paths, registry=registry, show_welcome=False)
        window.resize(1760, 1000)
        window.show()
        window.model_bar.set_targets(targets)
        window.prompt_area.set_prompt(PROMPT)
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
        await window.shutdown()
        await engine.aclose()
        window.close()


async def _report_shots(store: Store, run_id: int) -> None:
    """The comparison exported as a report (shown in a plain browser view, as a reader
    opens it) and as a contact sheet."""
    from PySide6.QtCore import QUrl
    from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineProfile
    from PySide6.QtWebEngineWidgets import QWebEngineView

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
        profile = QWebEngineProfile()
        view = QWebEngineView()
        page = QWebEnginePage(profile, view)
        view.setPage(page)
        view.resize(1760, 1240)
        view.show()
        loaded: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        page.loadFinished.connect(lambda ok: loaded.done() or loaded.set_result(ok))
        page.load(QUrl.fromLocalFile(str(report)))
        await loaded
        await asyncio.sleep(3.0)  # the pages in their frames draw a few frames
        view.grab().save(str(OUT / "report.png"))
        view.setPage(None)  # type: ignore[arg-type]
        page.deleteLater()
        view.deleteLater()
        await asyncio.sleep(0.2)


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
    import random

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


def main() -> int:
    from PySide6.QtWidgets import QApplication

    from studio.app import _register_preview_scheme
    from studio.ui.event_loop import StudioEventLoop

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as home:
        os.environ["PROMPT_STUDIO_HOME"] = home
        os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
        _register_preview_scheme()
        app = QApplication(sys.argv)
        with asyncio.Runner(loop_factory=lambda: StudioEventLoop(app)) as runner:
            if "arena" not in sys.argv[1:]:
                runner.run(_shoot())
            runner.run(_arena_shot())
    print(f"screenshots written to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
