"""Full-text search over prompts (title, body, tags), the prompts sent in runs, and
finished answers.

User input is never passed to FTS5 as syntax: each word becomes a quoted string and the last
one a prefix, so results follow typing. Order: prompts whose title or tags match, then other
matching prompts, newest first; then prompts sent in runs, then answers, newest first.
Walking the index in rowid order lets FTS5 stop after the first rows it needs, so a word
found in every prompt costs about as much as a rare one (bm25 would have to score every
match first).
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from studio.store.models import (
    SEARCH_KINDS,
    CollectionId,
    PromptId,
    ResponseId,
    RunId,
    SearchHit,
    SearchKind,
    TurnId,
)

MARK_START = "\ue000"  # private-use characters: cannot clash with anything in a prompt
MARK_END = "\ue001"
SNIPPET_WORDS = 16
_WORD_RE = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Query:
    match: str  # the FTS5 expression
    words: tuple[str, ...]  # folded words, for highlighting
    prefix: bool  # whether the last word is matched as a prefix


def _fold(text: str) -> str:
    """Case- and accent-insensitive form, the way the unicode61 tokenizer compares words."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def parse_query(text: str, *, prefix: bool = True) -> Query | None:
    """What the user typed as a safe FTS5 query, or None when nothing is searchable."""
    terms: list[str] = []
    words: list[str] = []
    for word in text.split():
        # Control characters are dropped (a NUL would end the query inside SQLite); a word
        # without a letter or digit would be an empty phrase.
        cleaned = "".join(ch for ch in word if ch.isprintable())
        if any(ch.isalnum() for ch in cleaned):
            terms.append('"' + cleaned.replace('"', '""') + '"')
            words.extend(_fold(w) for w in _WORD_RE.findall(cleaned))
    if not terms:
        return None
    # One letter as a prefix would walk most of the index; it is matched as a whole word.
    last_words = _WORD_RE.findall(terms[-1])
    as_prefix = (prefix and not text[-1:].isspace()
                 and bool(last_words) and len(last_words[-1]) > 1)
    if as_prefix:
        terms[-1] += "*"
    return Query(" ".join(terms), tuple(words), as_prefix)


def _hit_pattern(query: Query) -> re.Pattern[str]:
    alternatives = [re.escape(w) + (r"\w*" if query.prefix and i == len(query.words) - 1 else "")
                    for i, w in enumerate(query.words)]
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")\b", re.IGNORECASE)


def make_snippet(text: str, query: Query, width: int = SNIPPET_WORDS) -> str:
    """A one-line window of about `width` words around the first match, matches marked.

    Built here rather than with FTS5's snippet(): that would run the MATCH again per hit,
    which for a common prefix costs as much as the whole search. Matching here ignores case
    but not accents, so an accent-insensitive hit is found but may not be marked.
    """
    pattern = _hit_pattern(query)
    found = pattern.search(text)
    centre = found.start() if found else 0
    # Only a window of the text is looked at: answers can be hundreds of kilobytes.
    lo = max(0, centre - 12 * width)
    window = text[lo:centre + 24 * width]
    tokens = list(_WORD_RE.finditer(window))
    if not tokens:
        return ""
    first = next((i for i, t in enumerate(tokens) if t.start() >= centre - lo), 0)
    start = max(0, first - width // 3)
    stop = min(len(tokens), start + width)
    piece = window[tokens[start].start():tokens[stop - 1].end()]
    marked = pattern.sub(lambda m: f"{MARK_START}{m.group()}{MARK_END}", piece)
    before = "…" if lo + tokens[start].start() > 0 and _WORD_RE.search(
        text[:lo + tokens[start].start()]) else ""
    after = "…" if stop < len(tokens) or lo + tokens[stop - 1].end() < len(text.rstrip()) else ""
    return before + " ".join(marked.split()) + after


def _newest(conn: sqlite3.Connection, table: str, match: str, count: int) -> list[int]:
    # In rowid order FTS5 walks its doclists lazily and stops after `count` rows, so the cost
    # does not grow with the number of matching rows.
    return [r[0] for r in conn.execute(
        f"SELECT rowid FROM {table} WHERE {table} MATCH ? ORDER BY rowid DESC LIMIT ?",
        (match, count))]


def _prompt_hits(conn: sqlite3.Connection, query: Query, limit: int) -> list[SearchHit]:
    # Prompts whose title or tags match come first, then the other matches; newest first in each.
    # A few more are asked for because trashed prompts stay indexed until purged.
    want = limit + 10
    ids = list(dict.fromkeys(_newest(conn, "prompt_titles_fts", query.match, want)
                             + _newest(conn, "prompts_fts", query.match, want)))
    if not ids:
        return []
    rows = {r[0]: r for r in conn.execute(
        f"SELECT id, collection_id, title, body, tags_text FROM prompts"
        f" WHERE id IN ({','.join('?' * len(ids))}) AND trash_id IS NULL", ids)}
    hits = []
    for i in [i for i in ids if i in rows][:limit]:
        _, collection_id, title, body, tags = rows[i]
        snippet = make_snippet(body, query)
        if MARK_START not in snippet and tags:
            tag_snippet = make_snippet(tags.replace("\n", ", "), query)
            snippet = tag_snippet if MARK_START in tag_snippet else snippet
        hits.append(SearchHit(kind="prompt", title=title, snippet=snippet,
                              prompt_id=PromptId(i), collection_id=CollectionId(collection_id)))
    return hits


_RESPONSE_ROWS = ("SELECT x.id, x.run_id, x.turn_id, x.model, x.text, r.title, r.body,"
                  " r.collection_id, r.prompt_id FROM responses x JOIN runs r ON r.id = x.run_id"
                  " WHERE x.id IN ({marks})")
_TURN_ROWS = ("SELECT t.id, t.run_id, t.id, NULL, t.prompt, r.title, r.body, r.collection_id,"
              " r.prompt_id FROM turns t JOIN runs r ON r.id = t.run_id WHERE t.id IN ({marks})")


def _run_hits(conn: sqlite3.Connection, query: Query, limit: int,
              kind: SearchKind) -> list[SearchHit]:
    """Hits inside runs: answers ("response") or the prompts sent ("turn")."""
    index, select = (("responses_fts", _RESPONSE_ROWS) if kind == "response"
                     else ("turns_fts", _TURN_ROWS))
    ids = _newest(conn, index, query.match, limit)
    if not ids:
        return []
    rows = {r[0]: r for r in conn.execute(select.format(marks=",".join("?" * len(ids))), ids)}
    hits = []
    for i in [i for i in ids if i in rows]:
        _, run_id, turn_id, model, text, title, body, collection_id, prompt_id = rows[i]
        hits.append(SearchHit(
            kind=kind, title=title or first_line(body), snippet=make_snippet(text, query),
            prompt_id=PromptId(prompt_id) if prompt_id is not None else None,
            collection_id=CollectionId(collection_id) if collection_id is not None else None,
            run_id=RunId(run_id), turn_id=TurnId(turn_id),
            response_id=ResponseId(i) if kind == "response" else None, model=model))
    return hits


def first_line(text: str, width: int = 80) -> str:
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return line if len(line) <= width else line[: width - 1] + "…"


def search(conn: sqlite3.Connection, text: str, *, limit: int = 20,
           kinds: Iterable[SearchKind] = SEARCH_KINDS,
           prefix: bool = True) -> list[SearchHit]:
    """Up to `limit` library prompts, then up to `limit` sent prompts, then up to `limit`
    answers, each group best match first."""
    query = parse_query(text, prefix=prefix)
    if query is None or limit <= 0:
        return []
    wanted = set(kinds)
    hits: list[SearchHit] = []
    if "prompt" in wanted:
        hits.extend(_prompt_hits(conn, query, limit))
    for kind in ("turn", "response"):
        if kind in wanted:
            hits.extend(_run_hits(conn, query, limit, kind))
    return hits
