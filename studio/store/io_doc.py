"""The parsed, checked form of a collection file, ready to be written to the database."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from studio.core.checks import Check
from studio.core.model_sets import ModelSetEntry
from studio.store.models import AttachmentRef, ResponseState

if TYPE_CHECKING:
    from studio.store.io_attachments import DocFile
    from studio.store.io_votes import DocVote


@dataclass(frozen=True, slots=True)
class DocPrompt:
    where: str
    uuid: str | None
    title: str
    body: str
    system: str | None
    variables: dict[str, str]
    notes: str
    tags: tuple[str, ...]
    model_set: str | None
    created: float | None
    updated: float | None
    # None: the file does not say (an older file), and an existing prompt keeps its own.
    variable_rows: tuple[dict[str, str], ...] | None = None
    checks: tuple[Check, ...] | None = None
    attachments: tuple[AttachmentRef, ...] | None = None


@dataclass(frozen=True, slots=True)
class DocCollection:
    where: str
    uuid: str | None
    name: str
    prompts: tuple[DocPrompt, ...]
    children: tuple[DocCollection, ...]


@dataclass(frozen=True, slots=True)
class DocModelSet:
    where: str
    uuid: str | None
    name: str
    entries: tuple[ModelSetEntry, ...]


@dataclass(frozen=True, slots=True)
class DocPage:
    revision: int
    html: str
    note: str
    created: float | None


@dataclass(frozen=True, slots=True)
class DocResponse:
    slot: int
    attempt: int
    model: str
    settings: dict[str, Any]
    state: ResponseState
    text: str
    reasoning: str
    stop_reason: str | None
    error: tuple[str, int | None, str] | None
    input_tokens: int | None
    output_tokens: int | None
    cache_tokens: tuple[int | None, int | None]  # cached input (read), cache writes
    metrics: tuple[float | None, float | None, float | None, float | None]  # ttft, total, tps, $
    rating: int | None
    rating_note: str
    pages: tuple[DocPage, ...]
    screenshots: tuple[tuple[int, bytes], ...]
    created: float | None


@dataclass(frozen=True, slots=True)
class DocTurn:
    parent: int | None  # index of an earlier turn of the same run
    prompt: str
    created: float | None
    responses: tuple[DocResponse, ...]
    attachments: tuple[AttachmentRef, ...] = ()
    own_attachments: dict[int, tuple[AttachmentRef, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DocRun:
    where: str
    uuid: str
    created: float | None
    collection: str | None  # a collection id (uuid) from this file or the database
    prompt: str | None  # a prompt id (uuid)
    title: str
    body: str
    system: str | None
    variables: dict[str, str]
    model_set: str | None
    models: tuple[ModelSetEntry, ...]
    turns: tuple[DocTurn, ...]
    head: int | None


@dataclass(frozen=True, slots=True)
class Document:
    collections: tuple[DocCollection, ...]
    model_sets: tuple[DocModelSet, ...] = ()
    runs: tuple[DocRun, ...] = ()
    prompt_count: int = field(default=0)
    votes: tuple[DocVote, ...] = ()
    notes: tuple[str, ...] = ()  # what was read but not imported, to tell the user
    files: dict[str, DocFile] = field(default_factory=dict)  # sha256 → attached file's bytes
