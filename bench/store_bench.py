"""Store: 100,000 prompts and 10,000 runs (4 answers each) in a fresh SQLite file.

Search: `Store.search(text)` (20 prompts + 20 answers, snippets built) for queries of
every kind: the most frequent words, mid-frequency and rare words, two-word queries, a
word that is nowhere, and the prefixes a user produces while typing ("ca", "can", …).
Each query is repeated; the figure is the 95th percentile over all of them. Baseline: the
bare FTS5 lookups of the same match expressions (`SELECT rowid … MATCH ? LIMIT 20` on the
prompt and answer indexes), i.e. what SQLite itself needs.

Saving: `Store.save_response` of a finished 2–3 KB answer with its extracted page (one
transaction and commit each), and a whole run as the app writes it (`start_run` with 4
models, `add_turn`, 4 × `save_response`). Baseline: one bare `INSERT` of the same text
into a plain table and `COMMIT`, in the same database file (WAL, synchronous=NORMAL).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from bench.common import (
    Report,
    info_row,
    limit_row,
    load_note,
    median,
    percentile,
    progress,
)
from bench.store_data import Sizes, TextMaker, entries, fill, finished_answer, vocabulary
from studio.core.model_sets import ModelSetEntry
from studio.store import ResponseData, Store
from studio.store.search import parse_query

NAME = "store"
TITLE = "Store: 100,000 prompts, 10,000 runs"
SIZES = Sizes(prompts=100_000, runs=10_000)
QUICK_SIZES = Sizes(prompts=5_000, runs=500)
PAGE = "<!doctype html><html><body><canvas id=c></canvas><script>" + "x();" * 500 + "</script>"


def queries() -> list[str]:
    words = vocabulary()
    common = words[:5]
    middle = words[200:205]
    rare = words[15_000:15_005]
    typing = ["c", "ca", "can", "canv", "canva", "canvas", "gr", "gra", "grav"]
    pairs = [f"{words[0]} {words[1]}", f"{words[3]} {words[700]}", f"{words[9000]} {words[2]}"]
    return [*common, *middle, *rare, *typing, *pairs, "zzzzqx", "café", "模型", "tag-3"]


def _time_ms(fn: object) -> float:
    started = time.perf_counter()
    fn()  # type: ignore[operator]
    return (time.perf_counter() - started) * 1000.0


def measure_search(store: Store, repeats: int) -> tuple[list[float], list[float], int]:
    conn = store.connection
    store_ms: list[float] = []
    bare_ms: list[float] = []
    hits = 0
    for _ in range(repeats):
        for text in queries():
            store_ms.append(_time_ms(lambda t=text: store.search(t)))
            query = parse_query(text)
            if query is None:
                continue
            match = query.match

            def bare(m: str = match) -> None:
                for table in ("prompts_fts", "responses_fts"):
                    conn.execute(f"SELECT rowid FROM {table} WHERE {table} MATCH ? LIMIT 20",
                                 (m,)).fetchall()

            bare_ms.append(_time_ms(bare))
        hits = sum(len(store.search(t)) for t in queries())
    return store_ms, bare_ms, hits


def measure_saving(store: Store, count: int) -> tuple[list[float], list[float], list[float]]:
    maker = TextMaker(seed=7)
    rng = maker.rng
    conn = store.connection
    conn.execute("CREATE TABLE IF NOT EXISTS bench_raw (id INTEGER PRIMARY KEY, text TEXT)")
    answer_ms: list[float] = []
    run_ms: list[float] = []
    raw_ms: list[float] = []
    for _ in range(count):
        chosen = entries(rng, 4)
        answers = [finished_answer(maker, str(e.ref), 300, 450, html=PAGE) for e in chosen]

        def whole_run(chosen: list[ModelSetEntry] = chosen,
                      answers: list[ResponseData] = answers) -> None:
            run_id = store.start_run(body="Write a game", models=chosen)
            turn_id = store.add_turn(run_id, "Write a game")
            for slot, data in enumerate(answers):
                store.save_response(turn_id, slot, data)

        run_ms.append(_time_ms(whole_run))
        run_id = store.start_run(body="Write a game", models=chosen)
        turn_id = store.add_turn(run_id, "Write a game")
        answer_ms.append(_time_ms(lambda t=turn_id, d=answers[0]: store.save_response(t, 0, d)))

        def raw(text: str = answers[1].text) -> None:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO bench_raw (text) VALUES (?)", (text,))
            conn.execute("COMMIT")

        raw_ms.append(_time_ms(raw))
    return answer_ms, run_ms, raw_ms


def run(runs: int = 5, quick: bool = False) -> Report:
    sizes = QUICK_SIZES if quick else SIZES
    title = TITLE if not quick else f"Store (quick: {sizes.prompts:,} prompts, {sizes.runs:,} runs)"
    report = Report(NAME, title)
    report.notes.append(load_note() + " at start")
    with tempfile.TemporaryDirectory(prefix="bench-store-") as tmp:
        path = Path(tmp) / "studio.db"
        store = Store.open(path)
        try:
            started = time.perf_counter()
            fill(store, sizes, progress=progress)
            generated = time.perf_counter() - started
            store.connection.execute("PRAGMA optimize")
            size_mb = sum(p.stat().st_size for p in Path(tmp).iterdir()) / 1e6
            report.notes.append(
                f"generated in {generated:.0f} s through the Store API (transactions of "
                f"2,000 calls); database {size_mb:.0f} MB in a temporary directory")
            progress("searching")
            store_ms, bare_ms, hits = measure_search(store, max(runs, 5))
            report.rows.append(limit_row("search p95", percentile(store_ms, 95), "ms", 20.0,
                                         percentile(bare_ms, 95), "bare FTS5 lookups"))
            report.rows.append(info_row("search median", median(store_ms), "ms",
                                        median(bare_ms), "bare FTS5 lookups"))
            report.rows.append(info_row("search max", max(store_ms), "ms", max(bare_ms),
                                        "bare FTS5 lookups"))
            report.notes.append(f"{len(queries())} queries × {max(runs, 5)} repetitions "
                                f"({hits} hits per pass)")
            progress("saving")
            answer_ms, run_ms, raw_ms = measure_saving(store, 40 * max(runs, 5))
            report.rows.append(limit_row("save one answer (median)", median(answer_ms), "ms",
                                         5.0, median(raw_ms), "bare INSERT + COMMIT"))
            report.rows.append(limit_row("save a whole 4-model run (median)", median(run_ms),
                                         "ms", 5.0, median(raw_ms), "bare INSERT + COMMIT"))
            report.rows.append(info_row("save one answer p95", percentile(answer_ms, 95), "ms",
                                        percentile(raw_ms, 95), "bare INSERT + COMMIT"))
        finally:
            store.close()
    report.notes.append(load_note() + " at end")
    return report


if __name__ == "__main__":
    from bench.common import format_text

    print(format_text(run()))
