"""A saved comparison becomes a report section: the branch the app shows, each model's
current answer on it, figures, failures, ratings, pages; and a blind variant of it."""

from __future__ import annotations

from typing import get_args

import pytest

from studio.core.catalog import parse_model_ref
from studio.core.long_lines import LINE_LIMIT
from studio.core.model_sets import ModelSetEntry
from studio.report.model import LAYOUTS, THEMES, Layout, Sealed, ThemeChoice
from studio.report.run_report import blind_label, report_pages, run_document
from studio.report.scrub import Scrubber
from studio.store import ResponseData, Run, Store
from tests.support.report_runs import HOME, KEY, RichRun, answer_with, canvas_page

SCRUB = Scrubber(home=HOME, user="ada")


def test_the_report_follows_the_branch_with_every_models_current_answer(run: Run) -> None:
    doc = run_document(run, scrub=SCRUB)
    (section,) = doc.sections
    assert doc.title == "Canvas shapes" and doc.subtitle == "3 models · 2 prompts"
    assert section.system == "Answer with one HTML file."
    assert section.template == "Draw a {{shape}} on a canvas"
    assert dict(section.variables) == {"shape": "square"}
    assert [c.label for c in section.models] == [
        "openai:gpt-5", "anthropic:claude-opus-4-1", "qwen:qwen3-max-preview"]
    assert [c.settings for c in section.models] == ["T 0.2", "max 4000 · reasoning high",
                                                    "defaults"]
    first, second = section.turns
    assert (first.prompt, second.prompt) == ("Draw a square on a canvas", "Now make it a circle")
    gpt, claude, qwen = first.answers
    assert gpt.state == "done" and gpt.rating == 4 and gpt.rating_note == "clean and small"
    assert gpt.reasoning.startswith("The user wants a square.")
    assert "<strong>red</strong>" in gpt.html
    assert gpt.figures is not None
    assert (gpt.figures.ttft, gpt.figures.rate, gpt.figures.total) == ("620 ms", "121", "3.4 s")
    assert (gpt.figures.tokens_in, gpt.figures.tokens_out, gpt.figures.cost) == (
        "120", "340", "$0.0042")
    assert claude.state == "failed" and claude.error is not None
    assert (claude.error.kind, claude.error.status) == ("rate_limit", 429)
    assert claude.error.message == "rate limited for key [redacted]; cache at …/x.db"
    assert claude.text == "Partial answer before the failure"
    assert set(qwen.badges) == {"fastest", "cheapest"} and gpt.badges == ("longest",)
    # The app shows the user's edit of a page once it has run.
    assert qwen.page is not None and qwen.page.revision == 1
    assert "'qwen-edit'" in qwen.page.html
    # The follow-up went to two of the three models.
    assert [a.asked for a in second.answers] == [True, False, True]
    assert second.answers[2].page is None and second.answers[0].page is not None


def test_nothing_secret_or_local_reaches_the_document(run: Run) -> None:
    doc = run_document(run, scrub=SCRUB)
    text = repr(doc)
    assert KEY not in text and HOME not in text


def test_pages_list_the_latest_revision_and_whether_a_screenshot_was_kept(
        run: Run, rich: RichRun) -> None:
    pages = report_pages(run)
    assert [(p.label, p.key[1], p.stored) for p in pages] == [
        ("turn 1, openai:gpt-5", 0, True), ("turn 1, qwen:qwen3-max-preview", 1, False),
        ("turn 2, openai:gpt-5", 0, False)]
    assert pages[0].key[0] == rich.shot_response


def test_another_branch_is_reported_when_it_is_the_head(store: Store, rich: RichRun) -> None:
    run = store.run(rich.run_id)
    branch = store.add_turn(rich.run_id, "Make it a triangle instead",
                            parent=run.turns[0].id, slots=[0])
    page = canvas_page("triangle", "#123456")
    store.save_response(branch, 0, ResponseData(model="openai:gpt-5", text=answer_with(page),
                                                html=page))
    doc = run_document(store.run(rich.run_id), scrub=SCRUB)
    turns = doc.sections[0].turns  # type: ignore[attr-defined]
    assert [t.prompt for t in turns] == ["Draw a square on a canvas", "Make it a triangle instead"]
    assert (turns[1].branch, turns[1].branches) == (2, 2)


def test_regenerated_answers_show_the_latest_attempt(store: Store, rich: RichRun) -> None:
    run = store.run(rich.run_id)
    turn = run.turns[0]
    store.new_attempt(turn.id, 2)
    store.save_response(turn.id, 2, ResponseData(model="qwen:qwen3-max-preview",
                                                 text="Second try."))
    doc = run_document(store.run(rich.run_id), scrub=SCRUB)
    qwen = doc.sections[0].turns[0].answers[2]  # type: ignore[attr-defined]
    assert (qwen.text, qwen.attempt, qwen.attempts, qwen.page) == ("Second try.", 1, 2, None)


def test_the_same_model_twice_is_told_apart_by_its_settings(store: Store) -> None:
    from studio.core.catalog import parse_model_ref
    from studio.core.model_sets import ModelSetEntry
    from studio.core.request import GenerationSettings

    ref = parse_model_ref("local:smollm2-135m")
    run_id = store.start_run(body="hi", models=[
        ModelSetEntry(ref, GenerationSettings(temperature=0.2)),
        ModelSetEntry(ref, GenerationSettings(temperature=1.0)), ModelSetEntry(ref)])
    store.add_turn(run_id, "hi")
    doc = run_document(store.run(run_id), scrub=SCRUB)
    assert [c.label for c in doc.sections[0].models] == [  # type: ignore[attr-defined]
        "local:smollm2-135m (T 0.2)", "local:smollm2-135m (T 1)",
        "local:smollm2-135m (defaults)"]


def test_a_blind_report_names_the_models_by_letter_and_seals_what_tells_them_apart(
        run: Run) -> None:
    doc = run_document(run, blind=True, scrub=SCRUB)
    (section,) = doc.sections
    assert sorted(c.label for c in section.models) == ["A", "B", "C"]
    assert all(isinstance(c.model, Sealed) and isinstance(c.settings, Sealed)
               for c in section.models)
    assert all(c.system_override is None for c in section.models)
    names = {doc.unseal(c.model) for c in section.models}
    assert names == {"openai:gpt-5", "anthropic:claude-opus-4-1", "qwen:qwen3-max-preview"}
    for turn in section.turns:
        for answer in turn.answers:
            assert answer.label in {"A", "B", "C"}
            assert "cheapest" not in answer.badges
            if answer.figures is not None:
                assert isinstance(answer.figures.cost, Sealed)
            if answer.error is not None:
                assert isinstance(answer.error.message, Sealed)
    # The letters follow the columns, whatever order the models were in.
    assert [a.label for a in section.turns[0].answers] == ["A", "B", "C"]


def test_blind_orders_are_shuffled(run: Run) -> None:
    seen = set()
    for _ in range(40):  # all 40 in one order: a chance of 6 ** -39 with a real shuffle
        doc = run_document(run, blind=True, scrub=SCRUB)
        models = doc.sections[0].models  # type: ignore[attr-defined]
        seen.add(tuple(doc.unseal(c.model) for c in models))
    assert len(seen) > 1


@pytest.mark.parametrize(("index", "label"), [(0, "A"), (25, "Z"), (26, "AA"), (27, "AB"),
                                              (51, "AZ"), (52, "BA")])
def test_blind_labels_go_on_past_z(index: int, label: str) -> None:
    assert blind_label(index) == label


def test_the_files_sent_with_each_prompt_are_listed(store: Store) -> None:
    from studio.core.attachments import Attachment
    from studio.core.model_sets import entries_from_refs
    from studio.report.html_report import render_html
    from studio.report.markdown_report import render_markdown

    mockup = Attachment("<b>mockup</b>.png", "image/png", b"\x89PNG\r\n\x1a\n" + bytes(2038))
    notes = Attachment("copy.md", "text/markdown", b"# Launch\n")
    shot = Attachment("page.png", "image/png", b"\x89PNG\r\n\x1a\n" + b"shot")
    run_id = store.start_run(body="Build this", title="Mockup",
                             models=entries_from_refs(["o:gpt-x", "a:claude-x"]),
                             first_turn="Build this", attachments=(mockup, notes))
    store.add_turn(run_id, "Fix it", own_attachments={1: (shot,)})
    doc = run_document(store.run(run_id), scrub=SCRUB)
    first, second = doc.sections[0].turns
    assert first.files == ("<b>mockup</b>.png (image/png, 2.0 KB)",
                           "copy.md (text/markdown, 9 B)")
    assert second.files == ("page.png (image/png, 12 B) to a:claude-x only",)
    html = render_html(doc)
    assert "Sent with: &lt;b&gt;mockup&lt;/b&gt;.png (image/png, 2.0 KB), copy.md" in html
    assert "<b>mockup" not in html
    text = render_markdown(doc, image_dir="shots").text
    assert "> Fix it\n\nSent with: page.png (image/png, 12 B) to a:claude-x only" in text
    blind = run_document(store.run(run_id), scrub=SCRUB, blind=True)
    (own,) = blind.sections[0].turns[1].files
    assert own.endswith(("to A only", "to B only")) and "claude" not in own


def test_a_long_table_row_and_code_line_are_reported_whole(store: Store) -> None:
    # The app cuts lines longer than long_lines.LINE_LIMIT while they stream; a report is
    # laid out once, so a wide table keeps its cells and long code its colours.
    cells = " | ".join(f"cell {i:04}" for i in range(200))
    code = "let x = [" + ", ".join(str(i) for i in range(400)) + "];"
    assert len(cells) > LINE_LIMIT and len(code) > LINE_LIMIT
    text = (f"| {' | '.join(f'h{i}' for i in range(200))} |\n|{'---|' * 200}\n| {cells} |\n"
            f"\n```js\n{code}\n```\n")
    run_id = store.start_run(body="hi", models=[ModelSetEntry(parse_model_ref("openai:gpt-5"))])
    turn = store.add_turn(run_id, "hi")
    store.save_response(turn, 0, ResponseData(model="openai:gpt-5", text=text))
    doc = run_document(store.run(run_id), scrub=SCRUB)
    html = doc.sections[0].turns[0].answers[0].html  # type: ignore[attr-defined]
    table, _, code_block = html.partition("</table>")
    assert table.count("<td") == 200 and "cell 0199" in table
    assert code_block.count("hl-number") >= 400  # every number coloured


def test_the_parsers_layouts_and_themes_are_the_models_types() -> None:
    # `report --layout/--theme` take their choices from studio.core.constants, which imports
    # nothing; the type checker knows them from Layout and ThemeChoice.
    assert (get_args(Layout), get_args(ThemeChoice)) == (LAYOUTS, THEMES)
