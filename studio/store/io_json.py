"""Exporting collections to the versioned JSON format, and writing a checked import.

An import is applied inside the caller's single transaction: any error raised here rolls
everything back. Re-importing a file changes nothing: prompts are matched by their id (a
uuid written on export), or, for hand-written files without ids, by collection + title +
body; collections by id or by name under the same parent; runs by id.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from studio import __version__
from studio.store import attachments as stored_files
from studio.store import collections, history, model_sets, prompt_extras, prompts
from studio.store.common import now
from studio.store.errors import ImportFormatError
from studio.store.io_attachments import DocFile, files_json, refs_json, resolve
from studio.store.io_doc import DocCollection, DocPrompt, Document
from studio.store.io_format import FORMAT_NAME, FORMAT_VERSION
from studio.store.io_runs import insert_run, iso, run_json
from studio.store.io_votes import insert_vote, votes_json
from studio.store.models import (
    CollectionId,
    ImportReport,
    ModelSetId,
    Prompt,
    PromptId,
    RunId,
)

# ---------------------------------------------------------------------------------- export


def _prompt_json(conn: sqlite3.Connection, p: Prompt, set_names: dict[int, str]
                 ) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": p.uuid, "title": p.title, "body": p.body, "system": p.system,
        "variables": dict(p.variables), "notes": p.notes, "tags": list(p.tags),
        "model_set": set_names.get(p.model_set_id) if p.model_set_id is not None else None,
        "created": iso(p.created_at), "updated": iso(p.updated_at),
        "variable_rows": list(prompt_extras.variable_rows(conn, p.id)),
        "checks": [c.to_json() for c in prompt_extras.checks(conn, p.id)],
    }
    if p.attachments:
        data["attachments"] = refs_json(p.attachments)
    return data


def export_document(conn: sqlite3.Connection, roots: Sequence[CollectionId] | None = None, *,
                    with_runs: bool = False) -> dict[str, Any]:
    """The given collections (with their sub-collections), or all of them when None."""
    tree = collections.list_tree(conn)
    if roots is None:
        root_ids = [c.id for c in tree if c.parent_id is None]
    else:
        root_ids = list(dict.fromkeys(roots))
        for root in root_ids:
            collections.get(conn, root)
    sets = model_sets.list_all(conn)
    set_names = {int(s.id): s.name for s in sets}
    children: dict[CollectionId | None, list[Any]] = {}
    for c in tree:
        children.setdefault(c.parent_id, []).append(c)
    by_id = {c.id: c for c in tree}
    used_sets: set[str] = set()
    exported: set[CollectionId] = set()
    shas: list[str] = []  # every attached file named by what is exported

    def collection_json(cid: CollectionId) -> dict[str, Any]:
        exported.add(cid)
        items = prompts.list_prompts(conn, [cid])
        used_sets.update(set_names[p.model_set_id] for p in items
                         if p.model_set_id is not None and p.model_set_id in set_names)
        shas.extend(a.sha256 for p in items for a in p.attachments)
        return {"id": by_id[cid].uuid, "name": by_id[cid].name,
                "prompts": [_prompt_json(conn, p, set_names) for p in items],
                "collections": [collection_json(ch.id) for ch in children.get(cid, [])]}

    document: dict[str, Any] = {
        "format": FORMAT_NAME, "version": FORMAT_VERSION, "exported_at": iso(now()),
        "generator": f"Prompt Studio {__version__}",
        "collections": [collection_json(cid) for cid in root_ids],
    }
    wanted_sets = sets if roots is None else [s for s in sets if s.name in used_sets]
    document["model_sets"] = [
        {"id": s.uuid, "name": s.name, "models": model_sets.entries_to_json(s.items)}
        for s in wanted_sets]
    if with_runs:
        document["runs"] = _runs_json(conn, exported)
        shas.extend(a["sha256"] for run in document["runs"] for turn in run["turns"]
                    for group in [turn["attachments"]] + [
                        own["attachments"] for own in turn.get("model_attachments", [])]
                    for a in group)
    document["votes"] = votes_json(conn, exported)
    if shas:
        document["files"] = files_json(conn, shas)
    return document


def _runs_json(conn: sqlite3.Connection, exported: set[CollectionId]) -> list[dict[str, Any]]:
    if not exported:
        return []
    ids = sorted(exported)
    rows = conn.execute(
        "SELECT r.id, c.uuid, p.uuid FROM runs r LEFT JOIN collections c ON c.id ="
        " r.collection_id LEFT JOIN prompts p ON p.id = r.prompt_id"
        f" WHERE r.collection_id IN ({','.join('?' * len(ids))})"
        " ORDER BY r.created_at, r.id", ids).fetchall()
    return [run_json(conn, history.load_run(conn, RunId(run_id)), collection_uuid=c_uuid,
                     prompt_uuid=p_uuid) for run_id, c_uuid, p_uuid in rows]


# ---------------------------------------------------------------------------------- import


class _Importer:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.report = ImportReport()
        self.collection_by_uuid: dict[str, CollectionId] = {}
        self.prompt_by_uuid: dict[str, PromptId] = {}
        self.set_ids: dict[str, ModelSetId] = {}
        self.claimed: set[PromptId] = set()  # prompts this import already wrote

    def model_set_id(self, name: str | None, where: str) -> ModelSetId | None:
        if name is None:
            return None
        if name not in self.set_ids:
            found = model_sets.find(self.conn, name)
            if found is None:
                raise ImportFormatError(where, f"no model set named {name!r} in the file or "
                                               "the database")
            self.set_ids[name] = found.id
        return self.set_ids[name]

    def collection(self, doc: DocCollection, parent: CollectionId | None,
                   files: dict[str, DocFile]) -> CollectionId:
        cid: CollectionId | None = None
        taken = False
        if doc.uuid is not None:
            row = self.conn.execute("SELECT id, trash_id FROM collections WHERE uuid = ?",
                                    (doc.uuid,)).fetchone()
            if row is not None:
                taken = True
                if row[1] is None:
                    cid = CollectionId(row[0])
        if cid is None:
            cid = collections.find_child(self.conn, doc.name, parent)
        if cid is None:
            cid = collections.add(self.conn, doc.name, parent,
                                  uuid=None if taken else doc.uuid)
            self.report.collections_added += 1
        if doc.uuid is not None:
            self.collection_by_uuid[doc.uuid] = cid
        for prompt in doc.prompts:
            self.prompt(prompt, cid, files)
        for child in doc.children:
            self.collection(child, cid, files)
        return cid

    def _match_prompt(self, doc: DocPrompt, cid: CollectionId) -> PromptId | None:
        if doc.uuid is not None:
            row = self.conn.execute("SELECT id, trash_id, collection_id FROM prompts"
                                    " WHERE uuid = ?", (doc.uuid,)).fetchone()
            if row is not None:
                if row[1] is not None or row[2] != cid:
                    # Brought back from the trash, or moved to where the file puts it.
                    self.conn.execute("UPDATE prompts SET trash_id = NULL, collection_id = ?"
                                      " WHERE id = ?", (cid, row[0]))
                return PromptId(row[0])
        same = [p.id for p in prompts.find_by_title(self.conn, cid, doc.title)
                if p.body == doc.body and p.id not in self.claimed]
        return same[0] if same else None

    def prompt(self, doc: DocPrompt, cid: CollectionId, files: dict[str, DocFile]) -> None:
        set_id = self.model_set_id(doc.model_set, f"{doc.where}.model_set")
        existing = self._match_prompt(doc, cid)
        added = changed = False
        if existing is None:
            added = True
            existing = prompts.add(
                self.conn, cid, doc.title, doc.body, system=doc.system,
                variables=doc.variables, notes=doc.notes, tags=doc.tags, model_set_id=set_id,
                uuid=doc.uuid, created_at=doc.created, updated_at=doc.updated)
            self._attach(doc, existing, files)
            self.report.prompts_added += 1
        else:
            changed = prompts.update(
                self.conn, existing, title=doc.title, body=doc.body, system=doc.system or "",
                variables=doc.variables, notes=doc.notes, tags=doc.tags,
                model_set_id=set_id, clear_model_set=set_id is None)
            if self._attach(doc, existing, files):
                changed = True
            if changed:
                self.report.prompts_updated += 1
            else:
                self.report.prompts_unchanged += 1
        extras = False
        if doc.variable_rows is not None:
            extras = prompt_extras.set_variable_rows(self.conn, existing, doc.variable_rows)
        if doc.checks is not None:
            extras = prompt_extras.set_checks(self.conn, existing, doc.checks) or extras
        if extras and not added and not changed:
            self.report.prompts_unchanged -= 1
            self.report.prompts_updated += 1
        self.claimed.add(existing)
        if doc.uuid is not None:
            self.prompt_by_uuid[doc.uuid] = existing

    def _attach(self, doc: DocPrompt, prompt_id: PromptId, files: dict[str, DocFile]) -> bool:
        """Give the prompt the file's attachments; True when that changed them. A file
        that does not list any (an older writer) leaves the stored ones alone."""
        if doc.attachments is None:
            return False
        current = prompts.get(self.conn, prompt_id).attachments
        if [(a.name, a.sha256) for a in current] == [(a.name, a.sha256)
                                                     for a in doc.attachments]:
            return False
        attached = resolve(self.conn, doc.attachments, files, f"{doc.where}.attachments")
        stored_files.link_prompt(self.conn, prompt_id, attached)
        return True

    def reference(self, table: str, uuid: str | None, known: dict[str, Any],
                  where: str) -> Any:
        if uuid is None:
            return None
        if uuid in known:
            return known[uuid]
        row = self.conn.execute(f"SELECT id FROM {table} WHERE uuid = ?", (uuid,)).fetchone()
        if row is None:
            raise ImportFormatError(where, f"no {table[:-1]} with id {uuid!r} in the file or "
                                           "the database")
        return row[0]


def apply_document(conn: sqlite3.Connection, doc: Document,
                   into: CollectionId | None = None) -> ImportReport:
    """Write a checked document; call inside one transaction (errors leave nothing behind)."""
    importer = _Importer(conn)
    importer.report.notes = list(doc.notes)
    for model_set in doc.model_sets:
        existed = model_sets.find(conn, model_set.name) is not None
        set_id, changed = model_sets.save(conn, model_set.name, model_set.entries,
                                          uuid=_free_uuid(conn, model_set.uuid))
        importer.set_ids[model_set.name] = set_id
        if not existed:
            importer.report.model_sets_added += 1
        elif changed:
            importer.report.model_sets_updated += 1
    for collection in doc.collections:
        importer.report.collection_ids.append(importer.collection(collection, into, doc.files))
    for run in doc.runs:
        if conn.execute("SELECT 1 FROM runs WHERE uuid = ?", (run.uuid,)).fetchone():
            importer.report.runs_skipped += 1
            continue
        cid = importer.reference("collections", run.collection, importer.collection_by_uuid,
                                 f"{run.where}.collection")
        pid = importer.reference("prompts", run.prompt, importer.prompt_by_uuid,
                                 f"{run.where}.prompt")
        insert_run(conn, run, cid, pid, doc.files)
        importer.report.runs_added += 1
    for vote in doc.votes:
        if insert_vote(conn, vote, prompt_ids=importer.prompt_by_uuid,
                       collection_ids=importer.collection_by_uuid):
            importer.report.votes_added += 1
        else:
            importer.report.votes_skipped += 1
    stored_files.collect_garbage(conn)
    return importer.report


def _free_uuid(conn: sqlite3.Connection, uuid: str | None) -> str | None:
    if uuid is None:
        return None
    taken = conn.execute("SELECT 1 FROM model_sets WHERE uuid = ?", (uuid,)).fetchone()
    return None if taken else uuid
