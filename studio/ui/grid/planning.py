"""What a new batch is made of: the library's selection as prompts, a model set as targets,
and the planned grid, each checked the way the command line checks them (no Qt here)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from studio.core.batch import Batch, BatchError, BatchRow, PromptSource, plan_rows
from studio.core.catalog import CatalogError, ProviderRegistry
from studio.core.model_sets import ModelSetEntry
from studio.core.runner import ModelTarget
from studio.core.validation import InputError, check_prompt
from studio.store import Store
from studio.store.batch_store import sources_for
from studio.store.threads import entry_of


@dataclass(frozen=True, slots=True)
class Selection:
    """What the library asked to run: a collection, or some prompts (in the order shown)."""

    title: str
    collection_id: int | None = None
    prompt_ids: tuple[int, ...] = ()


def read_sources(store: Store, selection: Selection, *,
                 recursive: bool = False) -> list[PromptSource]:
    """The selection's prompts with their variable rows and checks (StoreError if gone)."""
    if selection.collection_id is not None:
        from studio.store import CollectionId

        return store.batch_store().prompt_sources(CollectionId(selection.collection_id),
                                                  recursive=recursive)
    return sources_for(store, list(selection.prompt_ids))


def targets_of(registry: ProviderRegistry,
               entries: Sequence[ModelSetEntry]) -> tuple[list[ModelTarget], list[str]]:
    """The model set's targets, and the models left out because their provider is gone."""
    targets, missing = [], []
    for entry in entries:
        try:
            targets.append(ModelTarget(entry.ref, registry.get(entry.ref.provider),
                                       entry.settings))
        except CatalogError:
            missing.append(str(entry.ref))
    return targets, missing


def checked_rows(sources: Sequence[PromptSource]) -> list[BatchRow]:
    """One row per prompt × variable row, each prompt checked as it will be sent; raises
    BatchError with a message naming the prompt."""
    if not sources:
        raise BatchError("there are no prompts to run")
    rows = plan_rows(sources)
    for row in rows:
        try:
            check_prompt(row.prompt, what=f"prompt {row.label!r}")
            if row.system is not None:
                check_prompt(row.system, what=f"system prompt of {row.label!r}",
                             allow_empty=True)
        except InputError as exc:
            raise BatchError(str(exc)) from None
    return rows


def plan_batch(rows: Sequence[BatchRow], targets: Sequence[ModelTarget], *, title: str,
               concurrency: int, per_provider: int | None, judge: str | None,
               collection_id: int | None) -> Batch:
    if not targets:
        raise BatchError("choose at least one model")
    return Batch(tuple(rows), tuple(entry_of(t) for t in targets), title=title,
                 concurrency=concurrency, per_provider=per_provider, judge=judge or None,
                 collection_id=collection_id)


def judges_without_model(rows: Sequence[BatchRow]) -> int:
    """Judge checks that name no model (the batch's judge grades them)."""
    return sum(1 for row in rows for check in row.checks
               if check.kind == "judge" and check.model is None)
