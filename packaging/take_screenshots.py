"""Screenshots of the real app for the README: four models answering one prompt.

The answers come from the test suite's loopback simulator (providers cannot be reached from
a build machine); everything else — window, panes, Markdown, previews — is the real app.

    xvfb-run -a -s "-screen 0 1920x1080x24" python packaging/take_screenshots.py
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

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
            runner.run(_shoot())
    print(f"screenshots written to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
