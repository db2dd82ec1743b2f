"""The Markdown report (answers as written, figures table, screenshot files) and the contact
sheet's layout (painting it is the UI layer's part: tests/report)."""

from __future__ import annotations

from studio.report.markdown_report import render_markdown
from studio.report.model import Picture
from studio.report.run_report import run_document
from studio.report.scrub import Scrubber
from studio.report.sheet import MAX_COLUMNS, TILE_WIDTH, sheet_layout
from studio.store import Run, Store
from tests.support.report_runs import HOME, KEY, big_run, solid_png

SCRUB = Scrubber(home=HOME, user="ada")
PNG = solid_png(32, 20, (255, 0, 0))


def _pictures(run: Run) -> dict[tuple[int, int], Picture]:
    from studio.report.run_report import report_pages

    return {p.key: Picture("image/png", PNG, 32, 20) for p in report_pages(run)[:2]}


def test_markdown_has_the_answers_as_written_a_table_per_prompt_and_the_screenshots(
        run: Run) -> None:
    doc = run_document(run, pictures=_pictures(run), scrub=SCRUB)
    md = render_markdown(doc, image_dir="shots")
    text = md.text
    assert text.startswith("# Canvas shapes\n")
    assert "**System prompt**\n\n> Answer with one HTML file." in text
    assert "## Prompt 1\n\n> Draw a square on a canvas" in text
    assert "## Prompt 2 (follow-up)\n\n> Now make it a circle" in text
    assert ("| openai:gpt-5 | done | 620 ms | 121 | 3.4 s | 120 | 340 | $0.0042 | ★★★★☆ |"
            in text)
    assert "| anthropic:claude-opus-4-1 | not asked |" in text
    assert ("**Failed** — rate limit (HTTP 429): rate limited for key [redacted]; cache at "
            "…/x.db") in text
    assert "A **red** square:\n\n```html\n<!DOCTYPE html>" in text  # the answer verbatim
    assert "<details><summary>Reasoning</summary>\n\n```text\nThe user wants a square." in text
    assert "Rating: ★★★★☆ — clean and small" in text
    assert "![Screenshot of the page of openai:gpt-5](shots/page-1-1.png)" in text
    assert ("![Screenshot of the page of qwen:qwen3-max-preview (your edit, revision 1)]"
            "(shots/page-1-3.png)") in text
    assert "_Page: No screenshot of this page was kept in the history._" in text
    assert md.files == {"shots/page-1-1.png": PNG, "shots/page-1-3.png": PNG}
    assert KEY not in text and HOME not in text


def test_reasoning_with_backticks_gets_a_longer_fence(store: Store) -> None:
    from studio.core.model_sets import entries_from_refs
    from studio.store import ResponseData

    run_id = store.start_run(body="p", models=entries_from_refs(["a:b"]))
    turn = store.add_turn(run_id, "p")
    store.save_response(turn, 0, ResponseData(model="a:b", text="t",
                                              reasoning="use ````js fences````"))
    text = render_markdown(run_document(store.run(run_id)), image_dir="x").text
    assert "`````text\nuse ````js fences````\n`````" in text


def test_a_blind_markdown_report_names_no_model(run: Run) -> None:
    text = render_markdown(run_document(run, blind=True, scrub=SCRUB), image_dir="x").text
    for name in ("gpt-5", "claude", "qwen3", "T 0.2", "$0.0042", "rate limited"):
        assert name not in text
    assert "| A |" in text and "| B |" in text and "| C |" in text


def test_the_sheet_puts_the_tiles_in_a_grid_with_their_captions(run: Run) -> None:
    doc = run_document(run, pictures=_pictures(run), scrub=SCRUB)
    layout = sheet_layout(doc)
    assert len(layout.tiles) == 5  # 3 answers to the first prompt, 2 to the follow-up
    assert [t.png is not None for t in layout.tiles] == [True, False, True, False, False]
    assert [t.failed for t in layout.tiles] == [False, True, False, False, False]
    texts = [b.text for b in layout.texts]
    assert texts[0] == "Canvas shapes"
    assert "Prompt 1: Draw a square on a canvas" in texts
    assert "TTFT 620 ms · 121 tok/s · total 3.4 s" in texts
    assert "in 120 · out 340 · $0.0042" in texts
    assert "failed: rate limit" in texts
    for tile in layout.tiles:
        assert tile.x >= 0 and tile.x + tile.width <= layout.width
        assert tile.y >= 0 and tile.y + tile.height <= layout.height
    for box in layout.texts:
        assert box.x + box.width <= layout.width and box.y + box.height <= layout.height
    boxes = [(t.x, t.y, t.x + t.width, t.y + t.height) for t in layout.tiles]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]


def test_eight_models_make_two_rows_of_four(store: Store) -> None:
    layout = sheet_layout(run_document(store.run(big_run(store, models=8, kilobytes=1))))
    assert len({t.x for t in layout.tiles}) == MAX_COLUMNS
    assert len({t.y for t in layout.tiles}) == 2
    assert layout.width == 2 * 28 + 4 * TILE_WIDTH + 3 * 18


def test_a_blind_sheet_shows_letters_and_no_costs(run: Run) -> None:
    texts = [b.text for b in sheet_layout(run_document(run, blind=True, scrub=SCRUB)).texts]
    assert {"A", "B", "C"} <= set(texts)
    assert not any("$" in t or "gpt" in t or "qwen" in t for t in texts)
