"""Pages run and render: pixels, live refresh, scroll, device sizes, lifecycle, exports."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtGui import QImage
from PySide6.QtWebEngineCore import QWebEnginePage
from PySide6.QtWidgets import QLabel

from studio.ui.preview.profile import preview_profile, scheme_handler
from tests.preview.conftest import APP_WORLD, load, needs_display, run_js

CANVAS_PAGE = """<!doctype html><html><head><style>
html, body { margin: 0; height: 100%; overflow: hidden; }</style></head><body>
<canvas id="c"></canvas><script>
const c = document.getElementById("c");
c.width = innerWidth; c.height = innerHeight;
const g = c.getContext("2d");
g.fillStyle = "rgb(255, 0, 0)"; g.fillRect(0, 0, c.width / 2, c.height);
g.fillStyle = "rgb(0, 0, 255)"; g.fillRect(c.width / 2, 0, c.width / 2, c.height);
</script></body></html>"""


def _colour(image: QImage, x: int, y: int) -> tuple[int, int, int]:
    c = image.pixelColor(x, y)
    return c.red(), c.green(), c.blue()


@needs_display
def test_canvas_screenshot_has_the_drawn_pixels(qtbot: Any, make_view: Any) -> None:
    view = make_view(show_toolbar=False)
    load(qtbot, view, CANVAS_PAGE)
    shots: list[bytes] = []
    view.grab_png(shots.append)
    qtbot.waitUntil(lambda: bool(shots), timeout=10_000)
    image = QImage.fromData(shots[0])
    assert not image.isNull()
    w, h = image.width(), image.height()
    assert w > 100 and h > 100
    assert _colour(image, w // 4, h // 2) == (255, 0, 0)
    assert _colour(image, 3 * w // 4, h // 2) == (0, 0, 255)


def test_each_preview_has_its_own_origin_in_the_private_profile(qtbot: Any, make_view: Any) -> None:
    a, b = make_view(), make_view()
    load(qtbot, a, "<p>a</p>")
    load(qtbot, b, "<p>b</p>")
    origin_a = run_js(qtbot, a, "location.origin")
    origin_b = run_js(qtbot, b, "location.origin")
    assert origin_a.startswith("studio-preview://p-")
    assert origin_a != origin_b
    assert run_js(qtbot, a, "window.isSecureContext") is True
    # No bridge into the app: no QWebChannel transport in the page's world.
    assert run_js(qtbot, a, "typeof qt", world=0) == "undefined"
    for view in (a, b):
        assert view.page().profile() is preview_profile()
    assert preview_profile().isOffTheRecord()


def test_big_document_is_served_whole(qtbot: Any, make_view: Any) -> None:
    # setHtml() would cut this off at 2 MB; the scheme handler serves it all.
    filler = "<!--" + "x" * (3 * 1024 * 1024) + "-->"
    view = make_view()
    load(qtbot, view, f"<!doctype html><body>{filler}<p id=end>end</p></body>")
    assert run_js(qtbot, view, "document.getElementById('end').textContent") == "end"


def test_live_updates_are_throttled_and_final_render_wins(qtbot: Any, make_view: Any) -> None:
    view = make_view()
    load(qtbot, view, "<p>v0</p>")
    handler = scheme_handler()
    served_before = handler.served
    started = time.monotonic()
    for i in range(1, 31):
        view.set_document(f"<p id=v>v{i}</p>")
        qtbot.wait(33)  # ~1 s of streaming at 30 updates per second
    streamed_s = time.monotonic() - started  # longer on a loaded machine
    with qtbot.waitSignal(view.loadFinished, timeout=10_000):
        view.set_document("<p id=v>final</p>", final=True)
    loads = handler.served - served_before
    # At least one live render, at most one per 300 ms of streaming, then the final one.
    assert 2 <= loads <= streamed_s / 0.3 + 2, (loads, streamed_s)
    assert run_js(qtbot, view, "document.getElementById('v').textContent") == "final"
    # The same document again: nothing reloads.
    served = handler.served
    view.set_document("<p id=v>final</p>", final=True)
    qtbot.wait(400)
    assert handler.served == served


def test_scroll_position_survives_a_live_refresh(qtbot: Any, make_view: Any) -> None:
    view = make_view()
    tall = "<div style='height:5000px'>tall</div>"
    load(qtbot, view, f"<body>{tall}<p>one</p></body>")
    run_js(qtbot, view, "window.scrollTo(0, 700); window.scrollY")
    qtbot.waitUntil(lambda: view.page().scrollPosition().y() >= 690, timeout=5000)
    load(qtbot, view, f"<body>{tall}<p>two</p></body>")
    qtbot.waitUntil(lambda: run_js(qtbot, view, "window.scrollY") >= 690, timeout=5000)


def test_device_sizes_limit_the_page_width(qtbot: Any, make_view: Any) -> None:
    view = make_view()
    view.resize(1200, 700)
    load(qtbot, view, "<p>w</p>")
    view.set_device("phone")
    qtbot.waitUntil(lambda: run_js(qtbot, view, "innerWidth") == 390, timeout=5000)
    view.set_device("tablet")
    qtbot.waitUntil(lambda: run_js(qtbot, view, "innerWidth") == 768, timeout=5000)
    view.set_device("desktop")
    qtbot.waitUntil(lambda: run_js(qtbot, view, "innerWidth") > 1000, timeout=5000)
    with pytest.raises(ValueError, match="unknown device"):
        view.set_device("watch")


def test_hidden_preview_is_frozen_then_discarded_and_comes_back(qtbot: Any, make_view: Any) -> None:
    view = make_view(freeze_after_ms=200, discard_after_ms=600)
    load(qtbot, view, "<p id=p>alive</p>")
    page = view.page()
    view.hide()
    lifecycle = QWebEnginePage.LifecycleState
    qtbot.waitUntil(lambda: page.lifecycleState() == lifecycle.Frozen, timeout=5000)
    qtbot.waitUntil(lambda: page.lifecycleState() == lifecycle.Discarded, timeout=5000)
    view.show()
    qtbot.waitUntil(lambda: page.lifecycleState() == lifecycle.Active, timeout=5000)
    qtbot.waitUntil(lambda: view.state() == "ready", timeout=10_000)
    qtbot.waitUntil(
        lambda: run_js(qtbot, view, "String(document.getElementById('p') && 'ok')") == "ok",
        timeout=10_000,
    )


def test_a_document_set_while_hidden_starts_no_renderer_until_shown(
    qtbot: Any, make_view: Any
) -> None:
    view = make_view()
    view.hide()
    view.set_document("<p>later</p>", final=True)
    qtbot.wait(300)
    assert view.web_view() is None
    with qtbot.waitSignal(view.loadFinished, timeout=20_000):
        view.show()
    assert view.state() == "ready"


def test_no_document_shows_the_placeholder_and_frees_the_page(qtbot: Any, make_view: Any) -> None:
    view = make_view()
    load(qtbot, view, "<p>x</p>")
    with qtbot.waitSignal(view.stateChanged, timeout=5000) as blocker:
        view.set_document(None, final=True)
    assert blocker.args == ["empty"]
    assert view.web_view() is None and view.page() is None


def test_save_and_open_in_browser_write_the_exact_document(
    qtbot: Any, make_view: Any, opened_urls: list[Any], tmp_path: Path
) -> None:
    document = "<!doctype html><title>é</title><p>ünïcode ✓</p>"
    view = make_view(label="kimi:k2")
    load(qtbot, view, document)
    saved = view.save_html(tmp_path / "page")
    assert saved is not None and saved.suffix == ".html"
    assert saved.read_bytes() == document.encode()
    copy = view.open_in_browser()
    assert copy is not None and copy.read_bytes() == document.encode()
    assert [u.toLocalFile() for u in opened_urls] == [str(copy)]
    copy.unlink()


@needs_display
def test_screenshot_to_file(qtbot: Any, make_view: Any, tmp_path: Path) -> None:
    view = make_view()
    load(qtbot, view, CANVAS_PAGE)
    out = tmp_path / "shot.png"
    done: list[bytes] = []
    view.save_screenshot(out, done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=10_000)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@needs_display
def test_copy_screenshot_puts_the_page_on_the_clipboard(qtbot: Any, make_view: Any) -> None:
    from PySide6.QtGui import QGuiApplication

    clipboard = QGuiApplication.clipboard()
    clipboard.clear()
    view = make_view()
    load(qtbot, view, CANVAS_PAGE)
    view.copy_screenshot()
    qtbot.waitUntil(lambda: not clipboard.image().isNull(), timeout=10_000)
    image = clipboard.image()
    assert _colour(image, image.width() // 4, image.height() // 2) == (255, 0, 0)


def test_pop_out_full_screen_and_back_keep_the_page_running(qtbot: Any, make_view: Any) -> None:
    view = make_view(label="qwen:qwen3-max")
    load(qtbot, view, "<script>window.n = 41</script>")
    web = view.web_view()
    view.pop_out()
    assert view.popped_out()
    window = web.window()
    assert window is not view.window()
    assert window.windowTitle() == "qwen:qwen3-max — Preview"
    view.full_screen()
    qtbot.waitUntil(window.isFullScreen, timeout=5000)
    assert run_js(qtbot, view, "window.n + 1", world=0) == 42
    view.bring_back()
    assert not view.popped_out()
    assert web.window() is view.window()
    assert run_js(qtbot, view, "window.n + 1", world=0) == 42


def test_console_collects_messages_and_uncaught_errors_with_lines(
    qtbot: Any, make_view: Any
) -> None:
    view = make_view()
    page = """<!doctype html>
<script>
console.log("hello");
console.warn("careful");
</script>
<script>
undefinedFunction();
</script>
<script>Promise.reject(new Error("async boom"));</script>"""
    with qtbot.waitSignal(view.errorCountChanged, timeout=10_000):
        load(qtbot, view, page)
    qtbot.waitUntil(lambda: view.error_count() == 2, timeout=5000)
    entries = view.console().entries()
    by_text = {e.message: e for e in entries}
    assert by_text["hello"].level == "info" and by_text["hello"].line == 3
    assert by_text["careful"].level == "warning"
    uncaught = [e for e in entries if "undefinedFunction" in e.message]
    assert uncaught and uncaught[0].level == "error" and uncaught[0].line == 7
    assert any("async boom" in e.message and e.level == "error" for e in entries)
    view.set_console_visible(True)
    assert "undefinedFunction" in view.console_panel.text()
    assert view.toolbar.console_action.text() == "Console (2)"


def test_preview_modules_do_not_import_qtwebengine_until_used() -> None:
    code = (
        "import sys, studio.ui, studio.ui.preview, studio.ui.preview.view, "
        "studio.ui.preview.grid, studio.cli.preview_cmd;"
        "print(json.dumps(sorted(m for m in sys.modules if 'WebEngine' in m)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", "import json;" + code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert json.loads(out.stdout) == []


def test_scroll_restore_runs_in_an_isolated_world(qtbot: Any, make_view: Any) -> None:
    # The page's own globals are invisible to our scripts and vice versa.
    view = make_view()
    load(qtbot, view, "<script>window.secretOfPage = 1</script>")
    assert run_js(qtbot, view, "typeof window.secretOfPage", world=APP_WORLD) == "undefined"
    assert run_js(qtbot, view, "typeof window.secretOfPage", world=0) == "number"


def test_new_previews_follow_the_default_network_setting(make_view: Any) -> None:
    from studio.ui.preview.view import default_network, set_default_network

    assert default_network() is False
    set_default_network(True)
    try:
        on = make_view()
        explicit = make_view(network=False)
    finally:
        set_default_network(False)
    assert on.network() is True and on.toolbar.network_action.text() == "Network: on"
    assert explicit.network() is False
    assert make_view().network() is False


def test_grid_shows_every_model_side_by_side_at_the_same_size(qtbot: Any) -> None:
    from studio.ui.preview.grid import PreviewGrid

    grid = PreviewGrid(open_url=lambda url: None)
    qtbot.addWidget(grid)
    grid.resize(1200, 800)
    grid.show()
    qtbot.waitExposed(grid)
    models = ["qwen:qwen3-max", "anthropic:claude-opus", "kimi:k2", "deepseek:chat"]
    try:
        for i, model in enumerate(models):
            view = grid.add_preview(model)
            with qtbot.waitSignal(view.loadFinished, timeout=20_000):
                grid.set_document(
                    model, f"<body style='background:#{i}{i}0'>{model}</body>", final=True
                )
        assert grid.keys() == models
        views = [grid.preview(m) for m in models]
        webs = [v.web_view() for v in views if v is not None]
        sizes = {w.size().toTuple() for w in webs if w is not None}
        assert len(webs) == len(models)
        assert len(sizes) == 1
        ((w, h),) = sizes
        assert w > 400 and h > 200
        labels = [c.text() for c in grid.findChildren(QLabel) if c.text() in models]
        assert sorted(labels) == sorted(models)
        grid.set_network_all(True)
        assert all(v is not None and v.network() for v in views)
        grid.remove_preview("kimi:k2")
        assert grid.keys() == [m for m in models if m != "kimi:k2"]
    finally:
        grid.clear()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
