"""Arena votes: writing one, reading them back filtered. Callers hold the transaction.

The vote types are studio.core.arena's (`Vote`, `Entry`); the battles they imply and the
leaderboard are computed there, never stored.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any, Literal, cast

from studio.core.arena import Entry, Judged, Verdict, Vote, VoteError, VoterKind, check_vote
from studio.store import collections
from studio.store.common import dumps, loads_object, now
from studio.store.errors import NotFoundError, StoreError
from studio.store.models import Response, VoteFilter


def entry_from_response(response: Response, position: int, *,
                        judged: Judged = "answers") -> Entry:
    """How a saved answer enters a vote: its model, settings, slot and attempt, and the
    style covariates (the answer's length; for pages, the length of the page shown)."""
    code = None
    if judged == "pages":
        from studio.core.extract import extract_html

        html = response.latest_html
        if html is None:
            html = extract_html(response.text)
        code = len(html) if html is not None else 0
    return Entry(position, response.model, dict(response.settings), response.slot,
                 answer_chars=len(response.text), code_chars=code, attempt=response.attempt)


def reusable_answer(conn: sqlite3.Connection, prompt_id: int, model: str,
                    settings: Mapping[str, Any]) -> tuple[int, int, int] | None:
    """A finished first answer of `model` with exactly these settings to this prompt as it
    reads now (same body, system prompt and variables), newest first, as (run, turn, slot);
    the battle queue shows it instead of asking the model again."""
    row = conn.execute(
        "SELECT r.run_id, r.turn_id, r.slot FROM responses r"
        " JOIN turns t ON t.id = r.turn_id JOIN runs u ON u.id = r.run_id"
        " JOIN prompts p ON p.id = u.prompt_id"
        " WHERE u.prompt_id = ? AND t.depth = 0 AND r.model = ? AND r.settings = ?"
        " AND r.state = 'done' AND u.body = p.body AND u.system IS p.system"
        " AND u.variables = p.variables"
        " AND r.attempt = (SELECT max(attempt) FROM responses x"
        "                  WHERE x.turn_id = r.turn_id AND x.slot = r.slot)"
        " ORDER BY r.updated_at DESC, r.id DESC LIMIT 1",
        (prompt_id, model, dumps(dict(settings)))).fetchone()
    return (int(row[0]), int(row[1]), int(row[2])) if row else None


def add(conn: sqlite3.Connection, vote: Vote) -> int:
    """Store a checked vote; its run's prompt and collection fill the links it leaves out."""
    try:
        check_vote(vote)
    except VoteError as exc:
        raise StoreError(f"cannot save the vote: {exc}") from None
    prompt_id, collection_id = vote.prompt_id, vote.collection_id
    if vote.run_id is not None:
        row = conn.execute("SELECT prompt_id, collection_id FROM runs WHERE id = ?",
                           (vote.run_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no run with id {vote.run_id}")
        prompt_id = prompt_id if prompt_id is not None else row[0]
        collection_id = collection_id if collection_id is not None else row[1]
        if vote.turn_id is not None and conn.execute(
                "SELECT 1 FROM turns WHERE id = ? AND run_id = ?",
                (vote.turn_id, vote.run_id)).fetchone() is None:
            raise NotFoundError(f"run {vote.run_id} has no turn {vote.turn_id}")
    if collection_id is None and prompt_id is not None:
        row = conn.execute("SELECT collection_id FROM prompts WHERE id = ?",
                           (prompt_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no prompt with id {prompt_id}")
        collection_id = row[0]
    try:
        cur = conn.execute(
            "INSERT INTO votes (uuid, external_id, run_id, turn_id, prompt_id, collection_id,"
            " judged, voter_kind, voter, verdict, created_at, reason)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (vote.key, vote.external_id, vote.run_id, vote.turn_id, prompt_id, collection_id,
             vote.judged, vote.voter_kind, vote.voter.strip(), vote.verdict,
             vote.created_at or now(), vote.reason))
    except sqlite3.IntegrityError as exc:
        if "UNIQUE" in str(exc):
            raise StoreError(f"the vote {vote.external_id or vote.key!r} is already stored"
                             ) from None
        raise StoreError(f"cannot save the vote: {exc}") from None
    vote_id = int(cur.lastrowid or 0)
    conn.executemany(
        "INSERT INTO vote_entries (vote_id, position, model, settings, slot, attempt, place,"
        " answer_chars, code_chars) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(vote_id, e.position, e.model.strip(), dumps(dict(e.settings)), e.slot, e.attempt,
          e.place, e.answer_chars, e.code_chars) for e in vote.entries])
    return vote_id


def stored_refs(conn: sqlite3.Connection) -> set[str]:
    """Every stored vote's uuid and imported battle id (to check a whole file at once)."""
    return {r[0] for r in conn.execute(
        "SELECT uuid FROM votes UNION SELECT external_id FROM votes"
        " WHERE external_id IS NOT NULL")}


def known(conn: sqlite3.Connection, ref: str) -> bool:
    """Whether a vote with this uuid or imported battle id is stored."""
    return conn.execute("SELECT 1 FROM votes WHERE uuid = ? OR external_id = ?",
                        (ref, ref)).fetchone() is not None


def delete(conn: sqlite3.Connection, vote_id: int) -> None:
    if conn.execute("DELETE FROM votes WHERE id = ?", (vote_id,)).rowcount == 0:
        raise NotFoundError(f"no vote with id {vote_id}")


def _where(conn: sqlite3.Connection, f: VoteFilter) -> tuple[str, list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    if f.collection_id is not None:
        ids = collections.subtree_ids(conn, f.collection_id)
        where.append(f"v.collection_id IN ({','.join('?' * len(ids))})")
        params.extend(ids)
    if f.tag is not None:
        where.append("v.prompt_id IN (SELECT prompt_id FROM prompt_tags WHERE tag = ?)")
        params.append(f.tag)
    for column, value in (("voter_kind", f.voter_kind), ("voter", f.voter),
                          ("judged", f.judged), ("run_id", f.run_id),
                          ("turn_id", f.turn_id), ("prompt_id", f.prompt_id)):
        if value is not None:
            where.append(f"v.{column} = ?")
            params.append(value)
    if f.since is not None:
        where.append("v.created_at >= ?")
        params.append(f.since)
    if f.until is not None:
        where.append("v.created_at < ?")
        params.append(f.until)
    return (f"WHERE {' AND '.join(where)}" if where else ""), params


def list_votes(conn: sqlite3.Connection, filters: VoteFilter | None = None) -> list[Vote]:
    """Matching votes, oldest first, with their entries."""
    clause, params = _where(conn, filters or VoteFilter())
    return _load(conn, clause, params)


def by_ids(conn: sqlite3.Connection, ids: list[int]) -> list[Vote]:
    if not ids:
        return []
    return _load(conn, f"WHERE v.id IN ({','.join('?' * len(ids))})", list(ids))


def _load(conn: sqlite3.Connection, clause: str, params: list[Any]) -> list[Vote]:
    rows = conn.execute(
        "SELECT v.id, v.uuid, v.external_id, v.run_id, v.turn_id, v.prompt_id, v.collection_id,"
        " v.judged, v.voter_kind, v.voter, v.verdict, v.created_at, v.reason"
        f" FROM votes v {clause} ORDER BY v.created_at, v.id", params).fetchall()
    if not rows:
        return []
    entries: dict[int, list[Entry]] = {}
    parsed: dict[str, dict[str, Any]] = {}  # boards repeat the same few settings many times
    # Entries of the selected votes, fetched in one pass (the filter again, as a subquery).
    for vote_id, position, model, settings, slot, attempt, place, chars, code in conn.execute(
            "SELECT e.vote_id, e.position, e.model, e.settings, e.slot, e.attempt, e.place,"
            " e.answer_chars, e.code_chars FROM vote_entries e"
            f" WHERE e.vote_id IN (SELECT v.id FROM votes v {clause})"
            " ORDER BY e.vote_id, e.position", params):
        if settings not in parsed:
            parsed[settings] = loads_object(settings)
        entries.setdefault(vote_id, []).append(Entry(
            position, model, parsed[settings], slot, place, chars, code, attempt))
    return [Vote(
        verdict=cast(Verdict, r[10]), entries=tuple(entries.get(r[0], ())),
        judged=cast(Judged, r[7]), voter_kind=cast(VoterKind, r[8]), voter=r[9],
        reason=r[12], created_at=r[11], key=r[1], run_id=r[3], turn_id=r[4], prompt_id=r[5],
        collection_id=r[6], external_id=r[2], id=r[0]) for r in rows]


def count(conn: sqlite3.Connection, voter_kind: Literal["user", "judge"] | None = None) -> int:
    if voter_kind is None:
        return int(conn.execute("SELECT count(*) FROM votes").fetchone()[0])
    return int(conn.execute("SELECT count(*) FROM votes WHERE voter_kind = ?",
                            (voter_kind,)).fetchone()[0])
