"""The leaderboard as a report section, Markdown and picture layout (no Qt): battles with a
known answer imported in LMArena's format into a real store, the numbers as shown, the bars
on their axis, the win-rate matrix, the filters in words, and nothing private."""

from __future__ import annotations

import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest

from studio.core.arena import Entry, pair_vote
from studio.core.arena_agreement import Agreement
from studio.core.arena_board import BoardOptions, leaderboard
from studio.report.board_data import NO_VOTES, BoardData, BoardQuery, empty_reason, fit_board
from studio.report.board_export import BoardSource, NothingToReport
from studio.report.board_image import board_layout, columns
from studio.report.board_view import (
    filter_facts,
    leaderboard_document,
    leaderboard_section,
    rating_axis,
)
from studio.report.html_report import render_html
from studio.report.markdown_report import render_markdown
from studio.report.model import LeaderboardSection
from studio.report.scrub import Scrubber
from studio.store import Store, VoteFilter
from tests.support.board_votes import (
    ORDER,
    START,
    first_side_wins,
    two_model_gap,
    write_battles,
)
from tests.support.report_runs import HOME, KEY

SCRUB = Scrubber(home=HOME, user="ada")


@pytest.fixture
def known(store: Store, tmp_path: Path) -> BoardData:
    assert store.import_battles(write_battles(tmp_path / "known.jsonl")) == (88, 0)
    return fit_board(store, BoardQuery())


def _section(data: BoardData) -> LeaderboardSection:
    section = leaderboard_document(data, scrub=SCRUB, now=START).sections[0]
    assert isinstance(section, LeaderboardSection)
    return section


def test_the_table_has_every_model_in_board_order_with_its_counts(known: BoardData) -> None:
    section = _section(known)
    assert [[r.model for r in g.rows] for g in section.groups] == [ORDER[:3], ORDER[3:]]
    counts = {r.model: (r.battles, r.wins, r.losses, r.ties, r.both_bad)
              for g in section.groups for r in g.rows}
    assert counts == {"alpha": (44, 30, 10, 4, 2), "beta": (76, 34, 38, 4, 2),
                      "gamma": (32, 8, 24, 0, 0), "delta": (12, 9, 3, 0, 0),
                      "epsilon": (12, 3, 9, 0, 0)}
    board = {r.model: r for r in known.board.models}
    for group in section.groups:
        for row in group.rows:
            fitted = board[row.model]
            assert (row.rating, row.ci_low, row.ci_high) == (
                fitted.rating, fitted.ci_low, fitted.ci_high)
            best, worst = fitted.rank_range
            assert row.rank == (str(best) if best == worst else f"{best}–{worst}")
    assert (section.battles, section.votes, section.models) == (88, 88, 5)


def test_two_models_that_met_only_each_other_have_the_closed_form_ratings(
        known: BoardData) -> None:
    delta, epsilon = _section(known).groups[1].rows
    gap = two_model_gap(9, 3)
    assert delta.rating == pytest.approx(1000 + gap, abs=1e-6)
    assert epsilon.rating == pytest.approx(1000 - gap, abs=1e-6)
    # Each group averages 1000 on its own.
    first = _section(known).groups[0].rows
    assert sum(r.rating for r in first) / 3 == pytest.approx(1000, abs=1e-9)


def test_every_bar_sits_on_the_one_axis(known: BoardData) -> None:
    section = _section(known)
    axis = section.axis
    rows = [r for g in section.groups for r in g.rows]
    assert axis.low <= min(r.ci_low for r in rows) and axis.high >= max(r.ci_high for r in rows)
    assert axis.ticks[0].at == 0 and axis.ticks[-1].at == 100
    steps = {round(b.value - a.value, 9) for a, b in zip(axis.ticks, axis.ticks[1:],
                                                                   strict=False)}
    assert len(steps) == 1 and steps.pop() in (50, 100) and 4 <= len(axis.ticks) <= 7
    for row in rows:
        width = axis.high - axis.low
        assert row.bar.low == pytest.approx(100 * (row.ci_low - axis.low) / width)
        assert row.bar.high == pytest.approx(100 * (row.ci_high - axis.low) / width)
        assert row.bar.mark == pytest.approx(100 * (row.rating - axis.low) / width)
        assert not (row.bar.cut_low or row.bar.cut_high)


def test_a_model_resting_on_the_prior_is_marked_and_its_interval_cut_to_the_axis() -> None:
    from tests.unit.arena.sim import repeat

    votes = repeat("alpha", "beta", 30, 10, 4) + repeat("zeta", "alpha", 0, 3)
    board = leaderboard(votes)
    zeta = board.row("zeta")
    assert zeta.separated
    axis = rating_axis(board.models)
    # The axis holds the firm intervals and every rating, not zeta's vague interval.
    assert axis.low <= zeta.rating and axis.low > zeta.ci_low
    data = BoardData(BoardQuery(), board, (), len(votes), len(votes), 0, START, START, None)
    rows = {r.model: r for r in _section(data).groups[0].rows}
    assert rows["zeta"].separated and rows["zeta"].bar.cut_low
    assert 0 <= rows["zeta"].bar.mark <= 100 and rows["zeta"].bar.low == 0
    text = render_markdown(leaderboard_document(data), image_dir="x").text
    assert "| zeta \\* |" in text and "\\* won or lost every battle" in text


def test_the_win_rate_matrix_reads_row_against_column(known: BoardData) -> None:
    first, second = _section(known).groups
    cells = [[(c.shade, c.text, c.counts) for c in row] for row in first.matrix]
    assert cells == [
        [("self", "", ""), ("win", "75 %", "30–10"), ("none", "", "")],
        [("loss", "25 %", "10–30"), ("self", "", ""), ("win", "75 %", "24–8")],
        [("none", "", ""), ("loss", "25 %", "8–24"), ("self", "", "")]]
    assert first.matrix[0][1].strength == pytest.approx(0.5)
    title = first.matrix[0][1].title
    assert title.startswith("alpha against beta: won 30, lost 10, 4 tied (44 battles); "
                            "75 % of the battles with a winner; the ratings give alpha ")
    predicted = known.board.pair("alpha", "beta")
    assert predicted is not None and predicted.predicted is not None
    assert title.endswith(f"{100 * predicted.predicted:.0f} %")
    assert first.matrix[0][2].title == "alpha and gamma never met"
    assert second.matrix[1][0].counts == "3–9"


def test_position_bias_in_words_and_on_its_bar(known: BoardData) -> None:
    section = _section(known)
    first, decisive = first_side_wins()
    rate = 100 * first / decisive
    assert section.position_bias.startswith(
        f"The answer shown first won {rate:.0f} % of {decisive} battles with a winner (95 % CI ")
    assert section.position_bias.endswith("; 4 battles had no winner.")
    assert section.bias is not None and section.bias.mark == pytest.approx(rate)
    assert section.bias.low < rate < section.bias.high


def test_the_filters_are_said_in_words(store: Store, tmp_path: Path) -> None:
    games = store.add_collection("Games")
    physics = store.add_collection("Physics", games.id)
    prompt = store.add_prompt(physics.id, "Hexagon", "A ball in a hexagon", tags=["canvas"])
    for winner in ("a", "a", "b"):
        store.add_vote(pair_vote(Entry(0, "p:x"), Entry(1, "p:y"), winner,
                                 prompt_id=prompt.id, judged="pages", created_at=START))
    query = BoardQuery(VoteFilter(collection_id=games.id, tag="canvas", voter_kind="judge",
                                  voter="openai:gpt-5", judged="pages", since=START - 60,
                                  until=START + 60),
                       BoardOptions(interval="bootstrap", rounds=30, seed=3,
                                    style_control=True, merge_settings=True))
    data = fit_board(store, query)
    assert data.collection == "Games" and data.board.models == ()
    assert empty_reason(data) == "no votes by the judge model openai:gpt-5 here; 3 by other voters"
    facts = {f.label: f.value for f in filter_facts(data, SCRUB)}
    assert facts["Votes"] == "the judge model openai:gpt-5"
    assert facts["Collection"] == "Games" and facts["Tag"] == "canvas"
    assert facts["Judged"] == "the pages"
    assert re.fullmatch(r"from \d{4}-\d\d-\d\d \d\d:\d\d until \d{4}-\d\d-\d\d \d\d:\d\d",
                        facts["Dates"])
    assert facts["Intervals"] == "95 % intervals from 30 bootstrap rounds over the votes (seed 3)"
    assert facts["Style control"] == "on (no lengths to use)"
    assert facts["Contestants"] == "one per model, whatever its settings"
    assert facts["Cast"] == "–"  # none of the chosen votes
    mine = fit_board(store, BoardQuery(VoteFilter(collection_id=physics.id)))
    assert [r.model for r in mine.board.models] == ["p:x", "p:y"]
    assert leaderboard_section(mine).title == "Leaderboard — Games/Physics"


def test_style_effects_are_shown_when_style_control_found_lengths(store: Store) -> None:
    for n in range(40):
        long_first = n % 2 == 0
        first = Entry(0, "p:x" if n % 4 < 2 else "p:y", answer_chars=900 if long_first else 300)
        second = Entry(1, "p:y" if n % 4 < 2 else "p:x", answer_chars=300 if long_first else 900)
        store.add_vote(pair_vote(first, second, "a" if long_first or n % 3 == 0 else "b"))
    plain = leaderboard_section(fit_board(store, BoardQuery()))
    assert plain.style == ()
    styled = leaderboard_section(fit_board(store, BoardQuery(
        options=BoardOptions(style_control=True))))
    (effect,) = styled.style
    assert effect.name == "answer length" and effect.points.startswith("+")
    assert re.fullmatch(r"[+-]\d+ to [+-]\d+", effect.interval)
    assert {f.label: f.value for f in styled.filters}["Style control"] == "on: answer length"
    html = render_html(leaderboard_document(fit_board(store, BoardQuery(
        options=BoardOptions(style_control=True)))))
    assert 'id="style-control"' in html
    assert (f'<tr><td>answer length</td><td class="num">{effect.points}</td>'
            f"<td>{effect.interval}</td></tr>") in html
    assert 'id="style-control"' not in render_html(leaderboard_document(
        fit_board(store, BoardQuery())))


def test_judge_agreement_is_shown_only_with_the_judges_votes(known: BoardData) -> None:
    found = (Agreement("anthropic:claude-opus-4-1", 12, 9, 10, 8, 0.51),
             Agreement("local:x", 3, 1, 0, 0, None))
    mine = replace(known, agreement=found)
    assert leaderboard_section(mine).agreement is None
    both = replace(mine, query=BoardQuery(VoteFilter(voter_kind=None)))
    rows = leaderboard_section(both).agreement
    assert rows is not None
    assert [(a.judge, a.pairs, a.agreed, a.rate, a.decisive, a.kappa) for a in rows] == [
        ("anthropic:claude-opus-4-1", 12, 9, "75 %", "8 of 10 (80 %)", "0.51"),
        ("local:x", 3, 1, "33 %", "0 of 0", "–")]
    text = render_markdown(leaderboard_document(both), image_dir="x").text
    assert "| anthropic:claude-opus-4-1 | 12 | 9 | 75 % | 8 of 10 (80 %) | 0.51 |" in text
    nobody = render_markdown(leaderboard_document(replace(both, agreement=())),
                             image_dir="x").text
    assert "No pair was judged both by you and by a judge model." in nobody
    html = render_html(leaderboard_document(both))
    assert ('<tr><td>anthropic:claude-opus-4-1</td><td class="num">12</td><td class="num">9'
            '</td><td class="num">75 %</td><td>8 of 10 (80 %)</td><td class="num">0.51</td>'
            "</tr>") in html
    assert 'id="judge-agreement"' not in render_html(leaderboard_document(mine))


def test_markdown_has_the_table_and_the_matrix_as_tables(known: BoardData) -> None:
    doc = leaderboard_document(known, now=START)
    text = render_markdown(doc, image_dir="pics").text
    assert text.startswith("# Leaderboard\n\n5 models · 88 battles from 88 votes · 2 groups "
                           "that never met · last vote ")
    rows = {r.model: r for r in known.board.models}
    alpha = rows["alpha"]
    best, worst = alpha.rank_range
    rank = str(best) if best == worst else f"{best}–{worst}"
    assert (f"| {rank} | alpha | {alpha.rating:.0f} | {alpha.ci_low:.0f}–{alpha.ci_high:.0f} "
            "| 44 | 30 | 10 | 4 (2 both bad) |") in text
    assert "### Group 1 of 2" in text and "### Group 2 of 2" in text
    assert ("|   | alpha | beta | gamma |\n|---|:-:|:-:|:-:|\n"
            "| **alpha** | — | 75 % (30–10) | · |\n"
            "| **beta** | 25 % (10–30) | — | 75 % (24–8) |\n"
            "| **gamma** | · | 25 % (8–24) | — |") in text
    assert "|   | delta | epsilon |\n|---|:-:|:-:|\n| **delta** | — | 75 % (9–3) |" in text
    assert "## Position bias\n\nThe answer shown first won " in text
    assert "## Style control" not in text and "## Judge agreement" not in text
    assert "## Notes\n\n- 2 groups of models never met each other" in text
    # Without a picture there is no link; with one, it is a file beside the text.
    assert "](pics/" not in text
    from studio.report.model import Picture

    pictured = replace(doc, sections=(replace(doc.sections[0], chart=Picture(
        "image/png", b"png!", 10, 10)),))
    md = render_markdown(pictured, image_dir="pics")
    assert "![The ratings with their 95 % intervals on a common axis](pics/leaderboard.png)" \
        in md.text
    assert md.files == {"pics/leaderboard.png": b"png!"}


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def test_the_html_has_one_table_a_matrix_per_group_and_no_script_of_its_own_to_run(
        known: BoardData) -> None:
    html = render_html(leaderboard_document(known, now=START), theme="dark")
    parsed = _Tags()
    parsed.feed(html)
    tags = parsed.found
    tables = [a.get("id") for t, a in tags if t == "table"]
    assert tables == ["board", "matrix-1", "matrix-2"]
    assert [a.get("id") for t, a in tags if t == "tbody" and a.get("id")] == [
        "group-1", "group-2"]
    rows = [a for t, a in tags if t == "tr" and a.get("data-model")]
    assert [r["data-model"] for r in rows] == ORDER
    board = {r.model: r for r in known.board.models}
    for r in rows:
        assert float(str(r["data-rating"])) == board[str(r["data-model"])].rating
    assert not any(t == "iframe" for t, _ in tags)
    assert not any(a.get("name") == "layout" for t, a in tags if t == "input")  # no layouts
    assert any(a.get("id") == "theme-dark" and "checked" in a for t, a in tags if t == "input")
    (csp,) = [a["content"] for t, a in tags if t == "meta"
              and a.get("http-equiv") == "Content-Security-Policy"]
    assert "'unsafe-inline'" not in str(csp).split("script-src")[1].split(";")[0]
    assert "connect-src 'none'" in str(csp) and "frame-src 'none'" in str(csp)
    assert "· last vote " in html and "compared" not in html
    assert "sandboxed frame" not in html  # the footer speaks of pages only when there are
    assert html.count('class="cell win" style="--a: 0.42"') == 3  # 75 %: 0.12 + 0.6 × 0.5
    assert ".heat .cell.win" in html  # the section's own style sheet


def test_the_picture_lays_out_the_table_and_bars_on_the_axis(known: BoardData) -> None:
    doc = leaderboard_document(known, now=START)
    section = doc.sections[0]
    assert isinstance(section, LeaderboardSection)
    layout = board_layout(doc, section)
    cols = columns(section)
    assert layout.width == cols.right + 28 and layout.tiles == ()
    texts = [t.text for t in layout.texts]
    assert texts[0] == "Leaderboard"
    assert {"Rank", "Model", "Rating", "95 % CI", "Battles", "W–L–T"} <= set(texts)
    assert [t.label for t in section.axis.ticks] == [
        t.text for t in layout.texts if t.size == 13 and t.align == "center"]
    assert "Group 2 of 2: never met the other groups" in texts
    rows = [r for g in section.groups for r in g.rows]
    for row in rows:
        assert row.model in texts and f"{row.rating:.0f}" in texts
        assert f"{row.wins}–{row.losses}–{row.ties}" in texts
    bars = [s for s in layout.shapes if s.opacity < 1]
    dots = [s for s in layout.shapes if s.width == s.height == 12]
    assert len(bars) == len(dots) == 5
    for row, bar, dot in zip(rows, bars, dots, strict=True):
        assert bar.x == cols.x(row.bar.low) and bar.x + bar.width == cols.x(row.bar.high)
        assert dot.x + 6 == cols.x(row.bar.mark) and bar.fill == dot.fill == "accent"
    assert any(t.text.startswith("Position bias: The answer shown first won") for t in
               layout.texts)
    dark = board_layout(doc, section, "dark")
    assert dark.colors["bg"] == "#0d1117" and layout.colors["bg"] == "#ffffff"


def test_nothing_private_reaches_the_section(store: Store, tmp_path: Path) -> None:
    leaky = f"{HOME}/models/{KEY}"
    for winner in ("a", "b", "a"):
        store.add_vote(pair_vote(Entry(0, leaky), Entry(1, "p:y"), winner))
    doc = leaderboard_document(fit_board(store, BoardQuery()), scrub=SCRUB)
    outputs = [render_html(doc), render_markdown(doc, image_dir="x").text]
    section = doc.sections[0]
    assert isinstance(section, LeaderboardSection)
    outputs += [t.text for t in board_layout(doc, section).texts]
    for text in outputs:
        assert KEY not in text and HOME not in text
    assert "~/models/" in outputs[0]


def test_an_empty_board_says_why(store: Store) -> None:
    assert empty_reason(fit_board(store, BoardQuery())) == NO_VOTES
    with pytest.raises(NothingToReport, match=r"^nothing to report: no votes yet"):
        BoardSource.load(store, BoardQuery())
    assert empty_reason(fit_board(store, BoardQuery(VoteFilter(tag="x")))) == \
        "no matching votes"
    store.add_vote(pair_vote(Entry(0, "p:x"), Entry(1, "p:y"), "a", voter_kind="judge",
                             voter="j:m"))
    assert empty_reason(fit_board(store, BoardQuery())) == (
        "no votes of yours here; 1 by a judge model: use --voter judge or --voter all")
    store.add_vote(pair_vote(Entry(0, "p:x"), Entry(1, "p:x"), "a"))
    assert empty_reason(fit_board(store, BoardQuery(VoteFilter(voter_kind="judge",
                                                               voter="k:m")))) == \
        "no votes by the judge model k:m here; 2 by other voters"
    mine = fit_board(store, BoardQuery())
    assert mine.board.models == () and empty_reason(mine) == \
        "no battles between two different models in the matching votes"
    assert BoardSource.load(store, BoardQuery(VoteFilter(voter_kind="judge"))).data.chosen == 1
