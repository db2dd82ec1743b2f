"""The HTML report as written: escaping, frames, the policies, blind sealing, size. (Running
it in a browser engine is tests/report's part.)"""

from __future__ import annotations

import base64
import json
import re
from html.parser import HTMLParser

from studio.core.model_sets import entries_from_refs
from studio.report.containment import PagePolicy, framed_document, normalize_page, sha256_source
from studio.report.html_report import render_html, report_script
from studio.report.run_report import run_document
from studio.report.scrub import Scrubber
from studio.store import ResponseData, Run, Store
from tests.support.report_runs import HOME, KEY, big_run

SCRUB = Scrubber(home=HOME, user="ada")
HOSTILE = '"><script>alert(1)</script><img src=x onerror=alert(2)>'


class _Parsed(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.elements if name == tag]


def _parse(html: str) -> _Parsed:
    parsed = _Parsed()
    parsed.feed(html)
    parsed.close()
    return parsed


def _csp(parsed: _Parsed) -> str:
    (meta,) = [m for m in parsed.all("meta") if m.get("http-equiv") == "Content-Security-Policy"]
    return str(meta["content"])


def _hostile_run(store: Store) -> Run:
    page = ('<!doctype html><p id=x>"quoted" & </iframe><script>document.body.dataset.ran = '
            '"</script>"</script></p><iframe srcdoc="nested"></iframe>')
    run_id = store.start_run(body=f"Prompt {HOSTILE}", title=f"Title {HOSTILE}",
                             system=f"System {HOSTILE}",
                             models=entries_from_refs([f"evil:{HOSTILE}"]))
    turn = store.add_turn(run_id, f"Prompt {HOSTILE}")
    store.save_response(turn, 0, ResponseData(
        model=f"evil:{HOSTILE}", text=f"Answer {HOSTILE}\n\n```html\n{page}\n```\n",
        reasoning=f"Reasoning {HOSTILE}", html=page, state="failed", error_kind="server",
        error_message=f"Error {HOSTILE}"))
    return store.run(run_id)


def test_nothing_from_the_run_becomes_markup_in_the_report(store: Store) -> None:
    run = _hostile_run(store)
    html = render_html(run_document(run, scrub=SCRUB))
    parsed = _parse(html)
    # One script (ours), one frame (the page's), no image: every hostile piece stayed text.
    assert parsed.scripts == [report_script()]
    assert len(parsed.all("iframe")) == 1
    assert parsed.all("img") == []
    assert not any(k.startswith("on") for _tag, attrs in parsed.elements for k in attrs)
    assert "<script>alert" not in html


def test_a_page_reaches_its_frame_exactly_through_srcdoc(store: Store) -> None:
    run = _hostile_run(store)
    html = render_html(run_document(run, scrub=SCRUB))
    (frame,) = _parse(html).all("iframe")
    page = normalize_page(run.turns[0].responses[0].pages[0].html)
    expected = framed_document(page, PagePolicy.of(page))
    assert frame["srcdoc"] == expected.srcdoc
    assert (frame["data-cut"], frame["data-added"]) == (str(expected.cut), str(expected.added))
    assert frame["sandbox"] == "allow-scripts"
    assert frame["name"] == frame["id"] == "page-1-1"


def test_the_policy_allows_our_script_and_each_pages_inline_code(run: Run) -> None:
    html = render_html(run_document(run, scrub=SCRUB))
    parsed = _parse(html)
    policy = _csp(parsed)
    script_src = next(p for p in policy.split(";") if p.strip().startswith("script-src"))
    assert sha256_source(parsed.scripts[0]) in script_src
    for frame in parsed.all("iframe"):
        page_policy = PagePolicy.of(str(frame["srcdoc"]))
        for digest in (*page_policy.scripts, *page_policy.handlers):
            assert digest in script_src
    assert "'unsafe-inline'" not in script_src


def test_every_page_is_framed_with_scripts_only(run: Run) -> None:
    frames = _parse(render_html(run_document(run, scrub=SCRUB))).all("iframe")
    assert [f["id"] for f in frames] == ["page-1-1", "page-1-3", "page-2-1"]
    assert {f["sandbox"] for f in frames} == {"allow-scripts"}
    assert all(f.get("allow") is None for f in frames)


def test_the_chosen_layout_and_theme_are_the_checked_switches(run: Run) -> None:
    inputs = _parse(render_html(run_document(run, scrub=SCRUB), layout="stacked",
                                theme="dark")).all("input")
    checked = {i["name"]: i["value"] for i in inputs if "checked" in i}
    assert checked == {"layout": "stacked", "theme": "dark"}


def test_a_blind_report_keeps_the_names_out_of_the_text(run: Run) -> None:
    html = render_html(run_document(run, blind=True, scrub=SCRUB))
    for name in ("gpt-5", "claude", "qwen3", "anthropic", "openai", "T 0.2", "$0.0042",
                 "rate limited"):
        assert name not in html
    (button,) = [b for b in _parse(html).all("button") if b.get("data-action") == "reveal"]
    sealed = json.loads(base64.b64decode(str(button["data-sealed"])))
    assert {"openai:gpt-5", "anthropic:claude-opus-4-1", "qwen:qwen3-max-preview",
            "$0.0042"} <= set(sealed.values())
    assert set(re.findall(r'data-reveal="(v\d+)"', html)) == set(sealed)


def test_no_key_home_folder_or_login_name_in_the_report(run: Run) -> None:
    html = render_html(run_document(run, scrub=SCRUB))
    assert KEY not in html and HOME not in html
    assert re.search(r"(?<![\w+/])ada(?![\w+/])", html) is None


def test_eight_long_answers_stay_within_a_few_megabytes(store: Store) -> None:
    run = store.run(big_run(store, models=8, kilobytes=60))
    html = render_html(run_document(run, scrub=SCRUB))
    assert len(_parse(html).all("iframe")) == 8
    size = len(html.encode())
    # 8 × 60 KB of Markdown, highlighted, plus 8 pages and reasoning (no pictures here:
    # tests/report measures the same report with its screenshots).
    assert size < 3 * 1024 * 1024, size
