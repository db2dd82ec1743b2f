"""Attached files in collection files.

A prompt or a turn lists its files as `{"name", "media_type", "sha256", "bytes"}`; the bytes
themselves are written once per file, base64 in the top-level `files` array
(`{"sha256", "media_type", "base64"}`), however many prompts and turns name them. On import
every file's bytes are checked against its sha256, and every reference must name a file in
the document or one the database already holds.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from studio.core.attachments import MAX_ATTACHMENT_BYTES, Attachment, clean_name
from studio.store import attachments as stored
from studio.store.errors import ImportFormatError
from studio.store.io_checks import Reader, fail, type_name
from studio.store.models import AttachmentRef

_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class DocFile:
    sha256: str
    media_type: str
    data: bytes


def parse_refs(r: Reader, key: str = "attachments") -> tuple[AttachmentRef, ...] | None:
    """A prompt's or turn's file list; None when the entry has none (older files)."""
    value = r.data.get(key)
    if value is None:
        return None
    if not isinstance(value, list):
        raise fail(r.at(key), f"expected an array, got {type_name(value)}")
    refs = []
    for i, item in enumerate(value):
        e = Reader(item, f"{r.at(key)}[{i}]")
        name = e.string("name", required=True, max_len=500)
        if not name.strip():
            raise fail(e.at("name"), "empty (a file needs a name)")
        sha = e.string("sha256", required=True).lower()
        if not _SHA256.fullmatch(sha):
            raise fail(e.at("sha256"), "expected 64 hexadecimal digits")
        refs.append(AttachmentRef(clean_name(name), e.string("media_type"), sha,
                                  e.integer("bytes", default=0, low=0) or 0))
    return tuple(refs)


def parse_files(root: Reader) -> dict[str, DocFile]:
    files: dict[str, DocFile] = {}
    for i, item in enumerate(root.array("files")):
        r = Reader(item, f"files[{i}]")
        sha = r.string("sha256", required=True).lower()
        if not _SHA256.fullmatch(sha):
            raise fail(r.at("sha256"), "expected 64 hexadecimal digits")
        media_type = r.string("media_type", required=True)
        if "/" not in media_type:
            raise fail(r.at("media_type"), f"{media_type!r} is not a media type")
        encoded = r.string("base64", required=True)
        if len(encoded) > MAX_ATTACHMENT_BYTES * 4 // 3 + 4:
            raise fail(r.at("base64"), "the file is over the attachment size limit")
        try:
            data = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise fail(r.at("base64"), "not valid base64") from None
        if hashlib.sha256(data).hexdigest() != sha:
            raise fail(r.at("base64"), "the bytes do not match the file's sha256")
        files[sha] = DocFile(sha, media_type, data)
    return files


def resolve(conn: sqlite3.Connection, refs: Iterable[AttachmentRef],
            files: dict[str, DocFile], where: str) -> tuple[Attachment, ...]:
    """The attachments a prompt or turn of the document names, bytes from the document or
    the database (ImportFormatError, rolling the import back, when they are in neither)."""
    result = []
    for i, ref in enumerate(refs):
        found = files.get(ref.sha256)
        if found is not None:
            result.append(Attachment(ref.name, found.media_type, found.data, found.sha256))
            continue
        try:
            (loaded,) = stored.load(conn, [ref])
        except Exception:
            raise ImportFormatError(f"{where}[{i}].sha256",
                                    f"{ref.name}: its bytes are neither in the file's "
                                    "\"files\" nor in the database") from None
        result.append(loaded)
    return tuple(result)


def refs_json(refs: Iterable[AttachmentRef]) -> list[dict[str, Any]]:
    return [ref.to_json() for ref in refs]


def files_json(conn: sqlite3.Connection, shas: Iterable[str]) -> list[dict[str, Any]]:
    out = []
    for sha in dict.fromkeys(shas):
        row = conn.execute("SELECT media_type, data FROM blobs WHERE sha256 = ?",
                           (sha,)).fetchone()
        if row is not None:
            out.append({"sha256": sha, "media_type": row[0],
                        "base64": base64.b64encode(bytes(row[1])).decode("ascii")})
    return out
