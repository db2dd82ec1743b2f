"""Runs in collection files: checking them on import, writing them on export."""

from __future__ import annotations

import base64
import binascii
import sqlite3
from datetime import UTC, datetime
from typing import Any, cast

from studio.core.redact import redact
from studio.core.request import GenerationSettings
from studio.store.common import dumps, now
from studio.store.errors import ImportFormatError
from studio.store.io_attachments import DocFile, parse_refs, refs_json, resolve
from studio.store.io_checks import Reader, check_entry, check_settings, check_variables
from studio.store.io_doc import DocPage, DocResponse, DocRun, DocTurn
from studio.store.models import (
    RESPONSE_STATES,
    AttachmentRef,
    CollectionId,
    PromptId,
    Response,
    Run,
    RunId,
)

_PNG = b"\x89PNG\r\n\x1a\n"


def iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z")


def _page(r: Reader) -> DocPage:
    revision = r.integer("revision", default=0, low=0)
    return DocPage(cast(int, revision), r.string("html", required=True), r.string("note"),
                   r.time("created"))


def _screenshot(r: Reader) -> tuple[int, bytes]:
    revision = cast(int, r.integer("revision", default=0, low=0))
    encoded = r.string("png_base64", required=True)
    try:
        png = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise ImportFormatError(r.at("png_base64"), "not valid base64") from None
    if not png.startswith(_PNG):
        raise ImportFormatError(r.at("png_base64"), "not a PNG image")
    return revision, png


def _response(r: Reader, slots: int) -> DocResponse:
    if not slots:
        raise ImportFormatError(r.where, "an answer needs a model, and the run has none")
    slot = r.integer("slot", low=0, high=slots - 1)
    if slot is None:
        raise ImportFormatError(r.at("slot"), "missing (a whole number is required)")
    state = r.string("state", default="done")
    if state not in RESPONSE_STATES:
        raise ImportFormatError(r.at("state"),
                                f"{state!r} is not one of {', '.join(RESPONSE_STATES)}")
    error = None
    if r.data.get("error") is not None:
        e = Reader(r.data["error"], r.at("error"))
        error = (e.string("kind", required=True), e.integer("status"), e.string("message"))
    usage = Reader({} if r.data.get("usage") is None else r.data["usage"], r.at("usage"))
    pages = tuple(_page(Reader(p, f"{r.at('pages')}[{i}]"))
                  for i, p in enumerate(r.array("pages")))
    if len({p.revision for p in pages}) != len(pages):
        raise ImportFormatError(r.at("pages"), "two pages have the same revision number")
    shots = tuple(_screenshot(Reader(s, f"{r.at('screenshots')}[{i}]"))
                  for i, s in enumerate(r.array("screenshots")))
    if len({s[0] for s in shots}) != len(shots):
        raise ImportFormatError(r.at("screenshots"), "two screenshots have the same revision")
    model = r.string("model", required=True)
    return DocResponse(
        slot=slot, attempt=cast(int, r.integer("attempt", default=0, low=0)), model=model,
        settings=check_settings(r.data.get("settings"), r.at("settings")),
        state=state, text=r.string("text"),
        reasoning=r.string("reasoning"), stop_reason=r.optional_string("stop_reason"),
        error=error, input_tokens=usage.integer("input_tokens", low=0),
        output_tokens=usage.integer("output_tokens", low=0),
        cache_tokens=(usage.integer("cached_input_tokens", low=0),
                      usage.integer("cache_write_tokens", low=0)),
        metrics=(r.number("ttft_s"), r.number("total_s"), r.number("tokens_per_s"),
                 r.number("cost_usd")),
        rating=r.integer("rating", low=1, high=5), rating_note=r.string("rating_note"),
        pages=pages, screenshots=shots, created=r.time("created"))


def _turn(r: Reader, index: int, slots: int) -> DocTurn:
    parent = r.integer("parent", low=0)
    if parent is not None and parent >= index:
        raise ImportFormatError(r.at("parent"), f"must name an earlier turn (0 to {index - 1})"
                                if index else "the first turn cannot have a parent")
    responses = tuple(_response(Reader(x, f"{r.at('responses')}[{i}]"), slots)
                      for i, x in enumerate(r.array("responses")))
    keys = [(x.slot, x.attempt) for x in responses]
    if len(set(keys)) != len(keys):
        raise ImportFormatError(r.at("responses"), "two answers have the same slot and attempt")
    own: dict[int, tuple[AttachmentRef, ...]] = {}
    for i, item in enumerate(r.array("model_attachments")):
        e = Reader(item, f"{r.at('model_attachments')}[{i}]")
        slot = e.integer("slot", low=0, high=max(slots - 1, 0))
        if slot is None or not slots:
            raise ImportFormatError(e.at("slot"), "missing (the slot of a model of the run)")
        own[slot] = parse_refs(e) or ()
    return DocTurn(parent, r.string("prompt", required=True), r.time("created"), responses,
                   parse_refs(r) or (), own)


def parse_run(r: Reader) -> DocRun:
    uuid = r.string("id", required=True)
    if not uuid.strip():
        raise ImportFormatError(r.at("id"), "empty (a run needs an id)")
    models = tuple(check_entry(m, f"{r.at('models')}[{i}]")
                   for i, m in enumerate(r.array("models", required=True)))
    turns = tuple(_turn(Reader(t, f"{r.at('turns')}[{i}]"), i, len(models))
                  for i, t in enumerate(r.array("turns")))
    head = r.integer("head", low=0, high=max(len(turns) - 1, 0))
    if head is not None and not turns:
        raise ImportFormatError(r.at("head"), "the run has no turns")
    return DocRun(
        where=r.where, uuid=uuid, created=r.time("created"),
        collection=r.optional_id("collection"), prompt=r.optional_id("prompt"),
        title=r.string("title"), body=r.string("body", required=True),
        system=r.optional_string("system") or None,
        variables=check_variables(r.data.get("variables"), r.at("variables")),
        model_set=r.optional_string("model_set"), models=models, turns=turns, head=head)


def _clean_settings(settings: Any) -> dict[str, Any]:
    return GenerationSettings.from_dict(dict(settings)).to_dict()


def _response_json(x: Response, screenshots: list[dict[str, Any]]) -> dict[str, Any]:
    error = None
    if x.error is not None:
        error = {"kind": x.error.kind, "status": x.error.status,
                 "message": redact(x.error.message)}
    return {
        "slot": x.slot, "attempt": x.attempt, "model": x.model,
        "settings": _clean_settings(x.settings), "state": x.state, "text": x.text,
        "reasoning": x.reasoning, "stop_reason": x.stop_reason, "error": error,
        "usage": {"input_tokens": x.input_tokens, "output_tokens": x.output_tokens,
                  "cached_input_tokens": x.cached_input_tokens,
                  "cache_write_tokens": x.cache_write_tokens},
        "ttft_s": x.ttft_s, "total_s": x.total_s, "tokens_per_s": x.tokens_per_s,
        "cost_usd": x.cost_usd, "rating": x.rating, "rating_note": x.rating_note,
        "created": iso(x.created_at),
        "pages": [{"revision": p.revision, "html": p.html, "note": p.note,
                   "created": iso(p.created_at)} for p in x.pages],
        "screenshots": screenshots,
    }


def run_json(conn: sqlite3.Connection, run: Run, *, collection_uuid: str | None,
             prompt_uuid: str | None, screenshots: bool = True) -> dict[str, Any]:
    """One run as it appears in a collection file (and in `history show --json`)."""
    index = {t.id: i for i, t in enumerate(run.turns)}
    turns = []
    for turn in run.turns:
        responses = []
        for x in turn.responses:
            # Without the images (history show): which revisions have one, nothing more.
            shots: list[dict[str, Any]] = [{"revision": rev} for rev in x.screenshot_revisions]
            if screenshots:
                shots = []
                for rev, png in conn.execute(
                        "SELECT revision, png FROM screenshots WHERE response_id = ?"
                        " ORDER BY revision", (x.id,)):
                    shots.append({"revision": rev,
                                  "png_base64": base64.b64encode(png).decode("ascii")})
            responses.append(_response_json(x, shots))
        entry: dict[str, Any] = {
            "parent": index[turn.parent_id] if turn.parent_id is not None else None,
            "prompt": turn.prompt, "created": iso(turn.created_at),
            "attachments": refs_json(turn.attachments)}
        if turn.own_attachments:
            entry["model_attachments"] = [
                {"slot": slot, "attachments": refs_json(refs)}
                for slot, refs in sorted(turn.own_attachments.items())]
        entry["responses"] = responses
        turns.append(entry)
    return {
        "id": run.uuid, "created": iso(run.created_at), "collection": collection_uuid,
        "prompt": prompt_uuid, "title": run.title, "body": run.body, "system": run.system,
        "variables": dict(run.variables), "model_set": run.model_set_name,
        "models": [{"model": str(m.ref), "settings": m.settings.to_dict()} for m in run.models],
        "head": index.get(run.head_turn_id) if run.head_turn_id is not None else None,
        "turns": turns,
    }


def insert_run(conn: sqlite3.Connection, run: DocRun, collection_id: CollectionId | None,
               prompt_id: PromptId | None, files: dict[str, DocFile] | None = None) -> RunId:
    from studio.store import runs

    run_id = runs.start(conn, body=run.body, models=run.models, title=run.title,
                        system=run.system, variables=run.variables,
                        collection_id=collection_id, prompt_id=prompt_id,
                        model_set_name=run.model_set, uuid=run.uuid, created_at=run.created)
    turn_ids: list[int] = []
    for i, turn in enumerate(run.turns):
        parent = turn_ids[turn.parent] if turn.parent is not None else None
        where = f"{run.where}.turns[{i}]"
        attached = resolve(conn, turn.attachments, files or {}, f"{where}.attachments")
        own = {slot: resolve(conn, refs, files or {}, f"{where}.model_attachments")
               for slot, refs in turn.own_attachments.items()}
        turn_id = runs.add_turn(conn, run_id, turn.prompt, parent=parent,  # type: ignore[arg-type]
                                slots=(), created_at=turn.created, attachments=attached,
                                own_attachments=own)
        turn_ids.append(turn_id)
        for x in turn.responses:
            _insert_response(conn, run_id, turn_id, x)
    head = turn_ids[run.head] if run.head is not None else (turn_ids[-1] if turn_ids else None)
    conn.execute("UPDATE runs SET head_turn_id = ? WHERE id = ?", (head, run_id))
    return run_id


def _insert_response(conn: sqlite3.Connection, run_id: int, turn_id: int,
                     x: DocResponse) -> None:
    stamp = x.created if x.created is not None else now()
    kind, status, message = x.error if x.error else (None, None, None)
    cur = conn.execute(
        "INSERT INTO responses (run_id, turn_id, slot, attempt, model, settings, text,"
        " reasoning, state, stop_reason, error_kind, error_status, error_message,"
        " input_tokens, output_tokens, ttft_s, total_s, tokens_per_s, cost_usd, rating,"
        " rating_note, created_at, updated_at, cached_input_tokens, cache_write_tokens)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (run_id, turn_id, x.slot, x.attempt, x.model, dumps(x.settings), x.text, x.reasoning,
         x.state, x.stop_reason, kind, status, redact(message) if message else message,
         x.input_tokens, x.output_tokens, *x.metrics, x.rating, x.rating_note, stamp, stamp,
         *x.cache_tokens))
    response_id = cur.lastrowid
    conn.executemany(
        "INSERT INTO page_revisions (response_id, revision, html, note, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        [(response_id, p.revision, p.html, p.note, p.created if p.created is not None else stamp)
         for p in x.pages])
    conn.executemany(
        "INSERT INTO screenshots (response_id, revision, png, created_at) VALUES (?, ?, ?, ?)",
        [(response_id, rev, png, stamp) for rev, png in x.screenshots])
