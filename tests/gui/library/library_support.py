"""Building library data through the store's public API, the way the app saves runs."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from studio.core.model_sets import entries_from_refs
from studio.store import CollectionId, PromptId, ResponseData, ResponseId, RunId, Store

# The offscreen platform says this whenever a top-level window is shown or raised.
OFFSCREEN_SIZE_HINTS = (r"This plugin does not support "
                        r"(propagateSizeHints\(\)|raise\(\)|grabbing the (keyboard|mouse))")


def add_run(store: Store, title: str, models: Sequence[str] = ("openai:gpt-5",),
            *, texts: Sequence[str] | None = None, collection_id: CollectionId | None = None,
            prompt_id: PromptId | None = None, ratings: Sequence[int | None] = (),
            body: str | None = None) -> tuple[RunId, list[ResponseId]]:
    """A finished one-turn run: one answer per model, rated as given."""
    prompt = body if body is not None else f"{title}: write one HTML page"
    run_id = store.start_run(body=prompt, title=title, models=entries_from_refs(list(models)),
                             collection_id=collection_id, prompt_id=prompt_id,
                             first_turn=prompt)
    turn = store.run(run_id).turns[0].id
    responses: list[ResponseId] = []
    for slot, model in enumerate(models):
        text = texts[slot] if texts is not None else f"{title} answer from {model}"
        responses.append(store.save_response(turn, slot, ResponseData(
            model=model, text=text, state="done", stop_reason="stop", input_tokens=12 + slot,
            output_tokens=300 + slot, ttft_s=0.5, total_s=4.0 + slot, tokens_per_s=75.0,
            cost_usd=0.0123, html=f"<p>{model}</p>")))
    for response_id, rating in zip(responses, ratings, strict=False):
        if rating is not None:
            store.rate(response_id, rating)
    return run_id, responses


def import_old_run(store: Store, title: str, days_ago: float,
                   model: str = "openai:gpt-4o") -> RunId:
    """A run saved `days_ago` days ago, brought in the way an export file brings it."""
    created = (datetime.now(UTC) - timedelta(days=days_ago)).isoformat().replace("+00:00", "Z")
    run_uuid = str(uuid.uuid4())
    store.import_data({
        "format": "prompt-studio.collection", "version": 1, "collections": [],
        "runs": [{
            "id": run_uuid, "created": created, "title": title, "body": f"{title} prompt",
            "models": [{"model": model}],
            "turns": [{"parent": None, "prompt": f"{title} prompt", "created": created,
                       "responses": [{"slot": 0, "model": model, "state": "done",
                                      "text": f"{title} old answer", "created": created}]}],
            "head": 0}]})
    return store.resolve_run(run_uuid)
