"""The batch report without a browser: the document built from a batch in a real store (the
grid, the model set, checks, failures, totals, blind sealing, the size budget), its HTML
(the matrix, the footer, the packed details and their frames, the policy) and its Markdown
and contact sheet layout. (Opening it in a browser engine is tests/report's part.)"""

from __future__ import annotations

import base64
import gzip
import json
import re

import pytest

from studio.core.batch import Batch, BatchState
from studio.core.model_sets import entries_from_refs
from studio.report.batch_export import BatchSource
from studio.report.batch_sheet import MAX_TILES, batch_sheet_layout
from studio.report.batch_view import (
    MAX_ANSWER_CHARS,
    batch_document,
    batch_pages,
    packed_size,
)
from studio.report.containment import PagePolicy, framed_document, normalize_page
from studio.report.export import NothingToReport
from studio.report.html_report import render_html, report_script
from studio.report.markdown_report import render_markdown
from studio.report.model import BatchCellView, BatchSection, Picture, ReportDocument, Sealed
from studio.report.scrub import Scrubber
from studio.store import NotFoundError, ResponseData, Store
from tests.support.report_batches import (
    JUDGE,
    JUDGED_SLOTS,
    SLOTS,
    big_batch,
    judged_batch,
    rich_batch,
    save_cell,
)
from tests.support.report_runs import HOME, KEY, solid_png
from tests.unit.report.test_html_report import _csp, _parse

SCRUB = Scrubber(home=HOME, user="ada")


def _section(doc: ReportDocument) -> BatchSection:
    (section,) = doc.sections
    assert isinstance(section, BatchSection)
    return section


def _document(store: Store, *, blind: bool = False) -> ReportDocument:
    """The rich batch's report (the batch made once per store), its kept screenshot as it
    is."""
    found = store.batch_store().summaries()
    batch_id = found[0].id if found else rich_batch(store).batch_id
    source = BatchSource.load(store, batch_id)
    pictures = {key: Picture("image/png", png, 320, 200) for key, png in source.stored.items()}
    return batch_document(source.batch, pictures=pictures, scrub=SCRUB, blind=blind)


def _grid(section: BatchSection) -> list[list[str]]:
    """Each cell as "state kind marks rating", row by row."""
    def shown(c: BatchCellView) -> str:
        kind = c.error.kind if c.error else ""
        rating = str(c.rating) if c.rating is not None else ""
        return " ".join(x for x in (c.state, kind, "".join(k.mark for k in c.checks), rating)
                        if x)
    return [[shown(c) for c in row.cells] for row in section.rows]


def _unpacked(text: str) -> str:
    return gzip.decompress(base64.b64decode(text)).decode("utf-8")


def test_the_document_holds_the_grid_the_model_set_and_the_totals(store: Store) -> None:
    doc = _document(store)
    section = _section(doc)
    assert doc.title == "Shapes and buildings" and doc.created_label == "run"
    assert doc.subtitle == ("3 models · 3 rows · 9 cells: 6 done, 1 failed, 2 not finished · "
                            "batch interrupted")
    # The same model twice: its settings tell the two columns apart.
    assert [m.label for m in section.models] == list(SLOTS)
    assert [m.settings for m in section.models] == ["T 0.2", "T 1", "reasoning high"]
    assert [(r.number, r.title, dict(r.variables), r.prompt) for r in section.rows] == [
        (1, "Shapes", {"shape": "square"}, "Draw a square on a canvas"),
        (2, "Shapes", {"shape": "circle"}, "Draw a circle on a canvas"),
        (3, "Pagoda", {}, "A voxel pagoda")]
    assert section.rows[2].system == "Answer with one HTML file."
    assert _grid(section) == [
        ["done ✓✓ 4", "done ✓✓", "done ✓✗"],
        ["done ✓✓·", "failed rate_limit ·", "done ✗✓✓"],
        ["done", "stopped", "not run"]]
    first = section.rows[0].cells[0]
    assert first.figures is not None
    assert (first.figures.ttft, first.figures.rate, first.figures.cost) == (
        "620 ms", "121", "$0.0042")
    assert first.page is not None and first.page.screenshot is not None
    assert [c.page.missing for c in section.cells if c.page and not c.page.screenshot] == [
        "No screenshot of this page was kept in the history."] * 3
    check = section.rows[1].cells[2].checks[0]
    assert (check.name, check.explained) == ("icontains 'circle'",
                                             "failed: 'circle' is not in the answer")
    assert section.rows[1].cells[0].checks[2].explained == "not run: no display to run the page"
    error = section.rows[1].cells[1].error
    assert error is not None and error.status == 429
    assert error.message == "rate limited for key [redacted]; cache at …/x.db"
    totals = [(t.cost, t.ttft, t.failed, t.pass_rate, t.rating) for t in section.totals]
    assert totals == [
        ("$0.0087", "620 ms", "0 of 3", "100 % (4 of 4)", "4.0"),
        ("$0.0038 (+1 unknown)", "900 ms", "1 of 3", "100 % (2 of 2)", "–"),
        ("$0.011 (+1 unknown)", "1.4 s", "0 of 3", "60 % (3 of 5)", "–")]
    # Every answer's detail is in the report, and its page with it.
    assert [c.live for c in section.cells] == [True, True, False, True, False, True, False,
                                                False, False]
    assert section.notes == ()


def test_a_blind_document_seals_what_tells_the_models_apart(store: Store) -> None:
    doc = _document(store, blind=True)
    section = _section(doc)
    assert [m.label for m in section.models] == ["A", "B", "C"]
    assert doc.subtitle.endswith("blind: the models are named A, B, C …")
    names = [doc.unseal(m.model) for m in section.models]
    assert sorted(names) == ["anthropic:claude-opus-4-1", "openai:gpt-5", "openai:gpt-5"]
    assert all(isinstance(m.settings, Sealed) for m in section.models)
    # Columns, cells and totals are in the same shuffled order.
    order = [SLOTS.index(n if n.startswith("anthropic") else f"{n} ({doc.unseal(m.settings)})")
             for n, m in zip(names, section.models, strict=True)]
    assert [c.column for c in section.rows[0].cells] == [1, 2, 3]
    plain = _section(_document(store))
    for blind_row, row in zip(section.rows, plain.rows, strict=True):
        assert [c.state for c in blind_row.cells] == [row.cells[i].state for i in order]
    assert all(isinstance(t.cost, Sealed) for t in section.totals)
    for cell in section.cells:
        if cell.figures is not None:
            assert isinstance(cell.figures.cost, Sealed)
        if cell.error is not None:
            assert isinstance(cell.error.message, Sealed)


def _attrs_with(html: str, attribute: str) -> list[dict[str, str | None]]:
    return [attrs for _tag, attrs in _parse(html).elements if attribute in attrs]


def test_the_html_matrix_has_a_row_per_prompt_a_column_per_model_and_the_totals(
        store: Store) -> None:
    html = render_html(_document(store))
    parsed = _parse(html)
    assert parsed.scripts == [report_script()]
    cells = [a for a in parsed.all("td") if str(a.get("class", "")).startswith("cell ")]
    assert [a["id"] for a in cells] == [f"at-cell-{r}-{c}" for r in (1, 2, 3) for c in (1, 2, 3)]
    assert [a["data-state"] for a in cells] == ["done", "done", "done", "done", "failed",
                                                "done", "done", "stopped", "not run"]
    # One thumbnail (the kept screenshot); the other pages say they have none.
    (img,) = parsed.all("img")
    assert str(img["src"]).startswith("data:image/png;base64,")
    assert html.count('<span class="no-thumb" title="No screenshot of this page was kept in '
                      'the history.">No screenshot</span>') == 3
    checks = [(a["data-pass"], a["title"]) for a in parsed.all("li") if a.get("data-pass")]
    assert checks[:2] == [("true", "icontains 'square' — passed: found 'square'"),
                          ("true", "page — passed: the answer has a page")]
    assert ("false", "icontains 'circle' — failed: 'circle' is not in the answer") in checks
    assert ("null", "no-console-errors — not run: no display to run the page") in checks
    assert len(checks) == 13
    totals = [a["data-model"] for a in parsed.all("td") if a.get("class") == "totals"]
    assert totals == list(SLOTS)
    footer = html[html.index("<tfoot>"):html.index("</tfoot>")]
    assert "<dt>checks passed</dt><dd>60 % (3 of 5)</dd>" in footer
    assert "<dt>cost</dt><dd>$0.011 (+1 unknown)</dd>" in footer
    assert "<dt>failures</dt><dd>1 of 3</dd>" in footer
    assert KEY not in html and HOME not in html


def test_each_detail_is_packed_with_its_answer_and_its_page_held_in_a_sandboxed_frame(
        store: Store) -> None:
    doc = _document(store)
    html = render_html(doc)
    parsed = _parse(html)
    # No page runs when the report opens: there is no frame in the file until a detail is
    # unpacked, and each frame's page is in data-srcdoc until the reader starts it.
    assert parsed.all("iframe") == []
    packed = {str(a["class"]): str(a["data-packed"]) for a in _attrs_with(html, "data-packed")}
    assert len(_attrs_with(html, "data-packed")) == 9 and set(packed) == {"detail-body"}
    details = [_unpacked(str(a["data-packed"])) for a in _attrs_with(html, "data-packed")]
    frames = [f for d in details for f in _parse(d).all("iframe")]
    assert [f["id"] for f in frames] == ["page-1-1", "page-1-2", "page-2-1", "page-2-3"]
    source = BatchSource.load(store, 1)
    for frame, page in zip(frames, source.pages, strict=True):
        expected = framed_document(normalize_page(page.html), PagePolicy.of(
            normalize_page(page.html)))
        assert frame["data-srcdoc"] == expected.srcdoc and "srcdoc" not in frame
        assert frame["sandbox"] == "allow-scripts" and frame.get("allow") is None
    first = details[0]
    assert "<b>icontains &#39;square&#39;</b> — passed: found &#39;square&#39;" in first
    assert "A red square:" in first and "Reasoning (26 characters)" in first
    assert "rate limited for key [redacted]; cache at …/x.db" in details[4]
    assert "Not answered: the batch did not finish this cell." in details[8]
    for detail in details:
        assert KEY not in detail and HOME not in detail
    # The report's policy allows exactly the pages' inline code, as for a comparison.
    policy = _csp(parsed)
    script_src = next(p for p in policy.split(";") if p.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src
    for frame in frames:
        page_policy = PagePolicy.of(str(frame["data-srcdoc"]))
        for digest in (*page_policy.scripts, *page_policy.handlers):
            assert digest in script_src
    assert "frame-src 'none'" in policy and "form-action 'none'" in policy


def test_a_blind_html_report_keeps_the_names_for_the_reveal_button(store: Store) -> None:
    doc = _document(store, blind=True)
    html = render_html(doc)
    details = "".join(_unpacked(str(a["data-packed"])) for a in _attrs_with(html, "data-packed"))
    for name in ("gpt-5", "claude", "openai", "anthropic", "T 0.2", "$0.0042", "rate limited"):
        assert name not in html and name not in details
    (button,) = [b for b in _parse(html).all("button") if b.get("data-action") == "reveal"]
    sealed = json.loads(base64.b64decode(str(button["data-sealed"])))
    assert {"openai:gpt-5", "anthropic:claude-opus-4-1", "T 0.2", "$0.0042"} <= set(
        sealed.values())
    shown = set(re.findall(r'data-reveal="(v\d+)"', html + details))
    assert shown == set(sealed)


def test_the_markdown_has_the_matrix_the_totals_and_the_reasons(store: Store) -> None:
    doc = _document(store)
    md = render_markdown(doc, image_dir="shots")
    text = md.text
    assert text.startswith("# Shapes and buildings\n")
    assert ("| # | Prompt | openai:gpt-5 (T 0.2) | openai:gpt-5 (T 1) | "
            "anthropic:claude-opus-4-1 |") in text
    assert ("| 1 | **Shapes**<br>shape=square<br>Draw a square on a canvas | "
            "![openai:gpt-5 (T 0.2), row 1](shots/cell-1-1.png)<br>done ★★★★☆<br>620 ms · "
            "121 tok/s · $0.0042<br>✓ icontains 'square' ✓ page | _no screenshot_<br>done<br>"
            "900 ms · 110 tok/s · $0.0038<br>✓ icontains 'square' ✓ page | done<br>1.5 s · "
            "40 tok/s · $0.011<br>✓ icontains 'square' ✗ page |") in text
    assert "| failed: rate limit<br>· icontains 'circle' |" in text
    assert "| done<br>500 ms · 11 tok/s · $0.0001 | stopped<br>550 ms · – tok/s · – | " \
        "not run |" in text
    assert ("|  | **Totals** | cost $0.0087<br>median TTFT 620 ms<br>failures 0 of 3<br>checks "
            "passed 100 % (4 of 4)<br>mean rating 4.0 |") in text
    assert ("- **openai:gpt-5 (T 1)** failed — rate limit (HTTP 429): rate limited for key "
            "[redacted]; cache at …/x.db") in text
    assert ("- **anthropic:claude-opus-4-1** ✗ icontains 'circle' — failed: 'circle' is not "
            "in the answer") in text
    assert "- **anthropic:claude-opus-4-1** not run: the batch did not finish this cell" in text
    assert "### 3. Pagoda\n\n> A voxel pagoda\n\nSystem prompt:\n\n> Answer with one" in text
    assert md.files == {"shots/cell-1-1.png": solid_png(320, 200, (255, 0, 0))}
    assert KEY not in text and HOME not in text


def test_a_blind_markdown_names_only_the_labels(store: Store) -> None:
    text = render_markdown(_document(store, blind=True), image_dir="x").text
    for name in ("gpt-5", "claude", "T 0.2", "$0.0042", "rate limited"):
        assert name not in text
    assert "| Label |\n|---|\n| A |\n| B |\n| C |" in text


def _judged(store: Store, *, blind: bool = False) -> ReportDocument:
    return batch_document(store.batch_store().load(judged_batch(store)), scrub=SCRUB,
                          blind=blind)


def test_each_judge_check_says_what_asking_its_judge_cost_and_the_totals_add_it_apart(
        store: Store) -> None:
    section = _section(_judged(store))
    clock, menu = section.rows
    known, unknown, never = clock.cells
    assert [(k.name, k.cost, k.tokens) for k in known.checks] == [
        (f"judge {JUDGE}", "judging $0.0009", "1,830 tokens in, 64 out"),
        ("icontains 'clock'", "", "")]
    assert (unknown.checks[0].cost, unknown.checks[0].tokens) == ("judging cost unknown", "")
    # A judge never asked (the answer failed) cost nothing and says nothing about it.
    assert [k.cost for k in never.checks] == ["", ""] and never.checks[0].passed is None
    assert [c.judging for c in clock.cells] == ["judging $0.0009", "judging cost unknown", ""]
    assert [c.judging for c in menu.cells] == ["", "", ""]
    # The answers' own cost stays theirs: the judge's is beside it, never in it.
    assert [(t.cost, t.judging) for t in section.totals] == [
        ("$0.021", "judging $0.0009"), ("$0.015", "judging cost unknown"), ("unknown", "")]


def test_the_html_says_what_judging_cost_in_the_cells_their_details_and_the_footer(
        store: Store) -> None:
    html = render_html(_judged(store))
    parsed = _parse(html)
    titles = [a["title"] for a in parsed.all("li") if a.get("data-pass")]
    assert titles[:3] == [
        f"judge {JUDGE} — passed: A clear clock face. (score 0.90) · judging $0.0009",
        "icontains 'clock' — passed: found (ignoring case)",
        f"judge {JUDGE} — failed: the judge did not answer with {{\"pass\", \"score\", "
        '"reason"} JSON: "As judge-9000 I find it fine." · judging cost unknown']
    assert titles[4] == f"judge {JUDGE} — not run: the answer failed"
    matrix = html[html.index('id="matrix"'):html.index("<tfoot>")]
    assert re.findall(r'<p class="judging">([^<]*)</p>', matrix) == [
        "judging $0.0009", "judging cost unknown"]
    footer = html[html.index("<tfoot>"):html.index("</tfoot>")]
    assert re.findall(r"<dt>cost</dt><dd>([^<]*)</dd>", footer) == [
        "$0.021 + judging $0.0009", "$0.015 + judging cost unknown", "unknown"]
    details = [_unpacked(str(a["data-packed"])) for a in _attrs_with(html, "data-packed")]
    assert (f"<b>judge {JUDGE}</b> — passed: A clear clock face. (score 0.90) <span "
            'class="judging">· judging $0.0009 (1,830 tokens in, 64 out)</span></li>'
            ) in details[0]
    assert '<span class="judging">· judging cost unknown</span>' in details[1]
    assert "judging" not in details[2] + details[3]


def test_the_markdown_says_what_judging_cost_in_the_matrix_the_totals_and_the_reasons(
        store: Store) -> None:
    text = render_markdown(_judged(store), image_dir="x").text
    assert (f"✓ judge {JUDGE} ✓ icontains 'clock'<br>judging $0.0009 | done<br>500 ms · "
            f"100 tok/s · $0.0060<br>✗ judge {JUDGE} ✓ icontains 'clock'<br>judging cost "
            f"unknown | failed: server<br>· judge {JUDGE} · icontains 'clock' |") in text
    assert ("|  | **Totals** | cost $0.021 + judging $0.0009<br>median TTFT 500 ms<br>"
            "failures 0 of 2<br>checks passed 100 % (3 of 3)<br>mean rating – | cost $0.015 + "
            "judging cost unknown<br>median TTFT 500 ms<br>failures 0 of 2<br>checks passed "
            "67 % (2 of 3)<br>mean rating – | cost unknown<br>median TTFT 500 ms<br>") in text
    assert (f"- **anthropic:claude-opus-4-1** ✗ judge {JUDGE} — failed: the judge did not "
            'answer with {"pass", "score", "reason"} JSON: "As judge-9000 I find it fine." · '
            "judging cost unknown") in text
    assert f"- **mistral:codestral-2** · judge {JUDGE} — not run: the answer failed\n" in text
    # No judge asked, nothing said: the rich batch's report has no judging at all.
    plain = batch_document(store.batch_store().load(rich_batch(store).batch_id))
    assert "judging" not in render_markdown(plain, image_dir="x").text
    html = render_html(plain)
    assert 'class="judging"' not in html and " + judging" not in html


def test_a_blind_report_names_no_model_not_even_the_judge_but_says_what_judging_cost(
        store: Store) -> None:
    doc = _judged(store, blind=True)
    section = _section(doc)
    html = render_html(doc)
    details = "".join(_unpacked(str(a["data-packed"])) for a in _attrs_with(html, "data-packed"))
    md = render_markdown(doc, image_dir="x").text
    names = [n for ref in (*JUDGED_SLOTS, JUDGE) for n in (ref, *ref.split(":"))]
    for text in (html, details, md):
        for name in (*names, "gpt", "claude", "codestral"):
            assert name not in text
    labels = {doc.unseal(m.model): m.label for m in section.models}
    gpt, claude, codestral = (labels[ref] for ref in JUDGED_SLOTS)
    cells = {c.label: c for c in section.rows[0].cells}
    assert [k.name for k in cells[gpt].checks] == ["judge", "icontains 'clock'"]
    assert cells[claude].checks[0].reason == (
        'the judge did not answer with {"pass", "score", "reason"} JSON: "As the judge I find '
        'it fine."')
    (cost_check,) = next(c for c in section.rows[1].cells if c.label == codestral).checks
    assert cost_check.reason.startswith(f"not run: the cost of {codestral} is unknown")
    # What judging cost tells no model apart (a row's judge is the same for every column):
    # it stays shown beside the sealed answers' cost.
    assert {t.label: t.judging for t in section.totals} == {
        gpt: "judging $0.0009", claude: "judging cost unknown", codestral: ""}
    assert all(isinstance(t.cost, Sealed) for t in section.totals)
    assert "judging $0.0009" in html and "judging $0.0009 (1,830 tokens in" in details
    assert md.count("judging $0.0009") == 2 and "| judging $0.0009<br>median TTFT" in md
    # The judge's name is no sealed value either: the reveal button names only the columns.
    assert JUDGE not in doc.sealed.values()


def test_blind_check_texts_lose_whole_model_names_and_a_judge_is_never_its_column() -> None:
    from studio.core.batch import BatchRow
    from studio.core.checks import Check
    from studio.report.batch_checks import model_unnamer

    row = BatchRow("One", "Hi", "Hi", checks=(Check("judge", "Fine?", model="lab:gpt-5"),))
    batch = Batch((row,), entries_from_refs(["lab:gpt-5-mini", "lab:gpt-5", "other:gpt-5"]),
                  judge="far:grader")
    unname = model_unnamer(batch, {0: "A", 1: "B", 2: "C"}, blind=True)
    assert unname("judge lab:gpt-5") == "judge" and unname("judge x:y") == "judge"
    # The longer name first, whole names only; a model that also judges is "the judge", so
    # no message ties the judge to a column (a bare id the judge shares is the judge's).
    assert unname("lab:gpt-5-mini beat gpt-5-mini, lab:gpt-5, gpt-5 and other:gpt-5") == (
        "A beat A, the judge, the judge and C")
    assert unname("far:grader (grader) failed on gpt-5x") == (
        "the judge (the judge) failed on gpt-5x")
    assert model_unnamer(batch, {0: "A", 1: "B", 2: "C"}, blind=False)("lab:gpt-5") == (
        "lab:gpt-5")
    # Costs are sealed: a cost limit says which side of the limit, not the cost.
    assert unname("cost $0.0090 ≤ $0.01") == "cost ≤ $0.01"
    assert unname("cost $1.2500 > $0.5") == "cost > $0.5"
    assert unname("time to first token 1.20 s ≤ 2 s") == "time to first token 1.20 s ≤ 2 s"


def test_the_contact_sheet_is_the_grid_with_the_models_on_top(store: Store) -> None:
    doc = _document(store)
    section = _section(doc)
    layout = batch_sheet_layout(doc, section)
    assert len(layout.tiles) == 9
    xs = sorted({t.x for t in layout.tiles})
    ys = sorted({t.y for t in layout.tiles})
    assert len(xs) == 3 and len(ys) == 3
    texts = [t.text for t in layout.texts]
    for label in SLOTS:
        assert label in texts
    assert "cost $0.011 (+1 unknown)" in texts and "1 of 3 failed · 100 % passed" in texts
    assert "1. Shapes" in texts and "shape=square" in texts
    assert [t.note for t in layout.tiles] == ["", "no screenshot", "no page", "no screenshot",
                                              "no page", "no screenshot", "no page", "no page",
                                              "not answered"]
    assert [t.failed for t in layout.tiles].count(True) == 1
    assert "✗✓✓  2 of 3 passed" in texts and "·  not run" in texts
    assert layout.tiles[0].png == section.rows[0].cells[0].page.screenshot.data  # type: ignore[union-attr]


def test_a_big_grid_makes_a_sheet_of_its_first_rows(store: Store) -> None:
    batch_id = big_batch(store, prompts=30, models=8)
    doc = batch_document(store.batch_store().load(batch_id))
    layout = batch_sheet_layout(doc, _section(doc))
    assert len(layout.tiles) == (MAX_TILES // 8) * 8 == 200
    assert layout.texts[-1].text == ("… and 5 more rows: the HTML and Markdown reports hold "
                                     "the whole grid.")
    assert layout.height < 8000


def test_beyond_the_budget_later_rows_keep_their_figures_but_not_their_details(
        store: Store) -> None:
    batch_id = big_batch(store, prompts=6, models=3)
    batch = store.batch_store().load(batch_id)
    costs = []
    for index in range(6):
        results = [c.result for c in batch.row_cells(index) if c.result is not None]
        costs.append(sum(packed_size(r.text, r.reasoning, normalize_page(r.html or ""))
                         for r in results))
    whole = batch_document(batch, budget=sum(costs))
    assert all(c.live for c in _section(whole).cells) and _section(whole).notes == ()
    # Rows 1 and 2 fit, row 3 does not: rows 3 to 6 keep their figures only (rows are taken
    # in order, whole: a row compares its models).
    doc = batch_document(batch, budget=costs[0] + costs[1] + costs[2] - 1)
    section = _section(doc)
    assert [[c.live for c in row.cells] for row in section.rows] == [[True] * 3] * 2 + [
        [False] * 3] * 4
    assert section.notes == ("To keep this report small, the answers and page sources of "
                             "rows 3–6 are left out (their pictures, figures and checks are "
                             "here); every answer is in the studio's history.",)
    out = section.rows[-1].cells[0]
    assert out.text == "" and out.figures is not None and len(out.checks) == 2
    assert out.left_out.startswith("The answer and its page are left out of this report")
    assert out.page is not None and out.page.html == ""
    assert [f.key for f in section.frames()] == [f"page-{r}-{c}" for r in (1, 2)
                                                 for c in (1, 2, 3)]
    html = render_html(doc)
    assert "To keep this report small" in html
    packed = [len(str(a["data-packed"])) for a in _attrs_with(html, "data-packed")]
    assert max(packed[6:]) * 2 < min(packed[:6])  # figures and checks only


def test_a_long_answer_and_a_long_prompt_are_shortened_and_say_so(store: Store) -> None:
    long = "word " * (MAX_ANSWER_CHARS // 4)
    entries = entries_from_refs(["a:one"])
    shelf = store.add_collection("Long")
    store.add_prompt(shelf.id, "Long", "x " * 10_000)
    from studio.core.batch import plan_rows

    rows = plan_rows(store.batch_store().prompt_sources(shelf.id))
    batch = store.batch_store().create(Batch(tuple(rows), entries, title="Long"))
    save_cell(store, batch, 0, 0, ResponseData(model="a:one", text=long,
                                               reasoning="hmm " * 10_000))
    assert batch.id is not None
    section = _section(batch_document(store.batch_store().load(batch.id)))
    (row,) = section.rows
    assert len(row.prompt) == 8000 and row.shortened.startswith("The prompt is 20,000")
    (cell,) = row.cells
    assert len(cell.text) == MAX_ANSWER_CHARS
    assert cell.shortened == (f"The answer is {len(long):,} characters long; the first "
                              f"{MAX_ANSWER_CHARS:,} are shown here (the whole answer is in "
                              "the history).")
    assert cell.reasoning == "hmm " * 5000 + (
        "\n\n[The reasoning is 40,000 characters long; the first 20,000 are shown here (the "
        "whole reasoning is in the history).]")


def test_an_unknown_batch_and_one_without_answers_are_refused(store: Store) -> None:
    with pytest.raises(NotFoundError, match="no batch with id 7"):
        BatchSource.load(store, 7)
    shelf = store.add_collection("Empty")
    store.add_prompt(shelf.id, "One", "Hello")
    from studio.core.batch import plan_rows

    rows = plan_rows(store.batch_store().prompt_sources(shelf.id))
    batch = store.batch_store().create(Batch(tuple(rows), entries_from_refs(["a:b"])))
    assert batch.id is not None
    with pytest.raises(NothingToReport, match=rf"^nothing to report: batch {batch.id} has no "
                       r"answer yet \(it is running\)$"):
        BatchSource.load(store, batch.id)


def test_the_pages_and_the_screenshots_to_take_are_listed_row_by_row(store: Store) -> None:
    batch_id = big_batch(store, prompts=5, models=8)
    source = BatchSource.load(store, batch_id)
    assert len(source.pages) == 40 and source.stored == {}
    missing = source.missing()
    assert [p.label for p in missing[:2]] == ["row 1, provider0:model-0",
                                              "row 1, provider1:model-1"]
    assert len(missing) == 24 and missing == source.pages[:24]
    assert batch_pages(store.batch_store().load(batch_id)) == source.pages
    assert store.batch_store().load(batch_id).state is BatchState.DONE
