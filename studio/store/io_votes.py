"""Arena votes in collection files: which travel with an export, checking them on import,
writing them. A vote refers to its run (by the run's id, with the turn's index), prompt and
collection; a reference that is neither in the file nor in the database is dropped (the
verdict still counts), unlike a run's, which must resolve.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any, cast

from studio.core.arena import Entry, Judged, Verdict, Vote, VoteError, check_vote
from studio.store import votes
from studio.store.errors import ImportFormatError
from studio.store.io_checks import Reader, check_settings
from studio.store.models import CollectionId


@dataclass(frozen=True, slots=True)
class DocVote:
    where: str
    vote: Vote  # links not resolved yet: run_id etc. are None
    run: str | None  # run id (uuid) from the file or the database
    turn: int | None  # index of the run's turn, in order of creation
    prompt: str | None
    collection: str | None


def votes_json(conn: sqlite3.Connection, exported: set[CollectionId]) -> list[dict[str, Any]]:
    """Votes on the exported collections' prompts and runs (or filed under them)."""
    from studio.store.io_runs import iso

    if not exported:
        return []
    ids = sorted(exported)
    marks = ",".join("?" * len(ids))
    rows = conn.execute(
        "SELECT v.id FROM votes v LEFT JOIN prompts p ON p.id = v.prompt_id"
        " LEFT JOIN runs r ON r.id = v.run_id"
        f" WHERE v.collection_id IN ({marks}) OR p.collection_id IN ({marks})"
        f" OR r.collection_id IN ({marks})", ids * 3).fetchall()
    out = []
    for vote in votes.by_ids(conn, [r[0] for r in rows]):
        run = turn = prompt = collection = None
        if vote.run_id is not None:
            run = conn.execute("SELECT uuid FROM runs WHERE id = ?", (vote.run_id,)).fetchone()[0]
            if vote.turn_id is not None:
                turn = conn.execute("SELECT count(*) FROM turns WHERE run_id = ? AND id < ?",
                                    (vote.run_id, vote.turn_id)).fetchone()[0]
        if vote.prompt_id is not None:
            prompt = conn.execute("SELECT uuid FROM prompts WHERE id = ?",
                                  (vote.prompt_id,)).fetchone()[0]
        if vote.collection_id is not None:
            collection = conn.execute("SELECT uuid FROM collections WHERE id = ?",
                                      (vote.collection_id,)).fetchone()[0]
        out.append({
            "id": vote.key, "external_id": vote.external_id, "created": iso(vote.created_at),
            "run": run, "turn": turn, "prompt": prompt, "collection": collection,
            "judged": vote.judged, "voter": "judge" if vote.voter_kind == "judge" else "you",
            "judge_model": vote.voter or None, "verdict": vote.verdict, "reason": vote.reason,
            "entries": [{"position": e.position, "model": e.model, "settings": dict(e.settings),
                         "slot": e.slot, "attempt": e.attempt, "place": e.place,
                         "answer_chars": e.answer_chars, "code_chars": e.code_chars}
                        for e in vote.entries],
        })
    return out


def _entry(r: Reader) -> Entry:
    position = r.integer("position", low=0)
    if position is None:
        raise ImportFormatError(r.at("position"), "missing (a whole number is required)")
    model = r.string("model", required=True).strip()
    if not model:
        raise ImportFormatError(r.at("model"), "empty")
    return Entry(position, model, check_settings(r.data.get("settings"), r.at("settings")),
                 r.integer("slot", low=0), r.integer("place", low=1),
                 r.integer("answer_chars", low=0), r.integer("code_chars", low=0),
                 r.integer("attempt", low=0))


def parse_vote(r: Reader) -> DocVote:
    key = r.string("id", required=True).strip()
    if not key:
        raise ImportFormatError(r.at("id"), "empty (a vote needs an id)")
    voter = r.string("voter", default="you")
    if voter not in ("you", "judge"):
        raise ImportFormatError(r.at("voter"), f"{voter!r} is not you or judge")
    entries = tuple(_entry(Reader(e, f"{r.at('entries')}[{i}]"))
                    for i, e in enumerate(r.array("entries", required=True)))
    vote = Vote(
        verdict=cast(Verdict, r.string("verdict", required=True)),
        entries=tuple(sorted(entries, key=lambda e: e.position)),
        judged=cast(Judged, r.string("judged", default="answers")),
        voter_kind="judge" if voter == "judge" else "user",
        voter=(r.optional_string("judge_model") or "").strip(), reason=r.string("reason"),
        created_at=r.time("created") or 0.0, key=key,
        external_id=r.optional_id("external_id"))
    try:
        check_vote(vote)
    except VoteError as exc:
        raise ImportFormatError(r.where, str(exc)) from None
    return DocVote(r.where, vote, r.optional_id("run"), r.integer("turn", low=0),
                   r.optional_id("prompt"), r.optional_id("collection"))


def insert_vote(conn: sqlite3.Connection, doc: DocVote, *, prompt_ids: dict[str, Any],
                collection_ids: dict[str, Any]) -> bool:
    """Write one vote unless it is stored already; True when written."""
    vote = doc.vote
    if votes.known(conn, vote.key) or (vote.external_id and votes.known(conn, vote.external_id)):
        return False

    def lookup(table: str, uuid: str | None, known: dict[str, Any]) -> int | None:
        if uuid is None:
            return None
        if uuid in known:
            return int(known[uuid])
        row = conn.execute(f"SELECT id FROM {table} WHERE uuid = ?", (uuid,)).fetchone()
        return int(row[0]) if row else None

    run_id = lookup("runs", doc.run, {})
    turn_id = None
    if run_id is not None and doc.turn is not None:
        row = conn.execute("SELECT id FROM turns WHERE run_id = ? ORDER BY id LIMIT 1 OFFSET ?",
                           (run_id, doc.turn)).fetchone()
        turn_id = row[0] if row else None
    votes.add(conn, Vote(
        vote.verdict, vote.entries, vote.judged, vote.voter_kind, vote.voter, vote.reason,
        vote.created_at, vote.key, run_id, turn_id,
        lookup("prompts", doc.prompt, prompt_ids),
        lookup("collections", doc.collection, collection_ids), vote.external_id))
    return True

