"""The small pictures kept beside page screenshots for the batch grid: saved, read, dropped
when the screenshot they show is replaced, gone with their answer, never exported."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from studio.core.model_sets import entries_from_refs
from studio.store import ResponseData, Store, StoreError

PNG = b"\x89PNG\r\n\x1a\n"


def _answer(store: Store) -> int:
    games = store.add_collection("Games")
    run = store.start_run(body="A page", models=entries_from_refs(["o:m"]), first_turn="A page",
                          collection_id=games.id)
    turn = store.run(run).turns[0].id
    return int(store.save_response(turn, 0, ResponseData(model="o:m", text="hi", state="done")))


def test_a_thumbnail_is_kept_read_and_dropped_with_its_screenshot(db_path: Path) -> None:
    with Store.open(db_path) as store:
        response = _answer(store)
        assert store.thumbnail(response) is None  # type: ignore[arg-type]
        store.set_screenshot(response, PNG + b"full")  # type: ignore[arg-type]
        store.set_thumbnail(response, PNG + b"small")  # type: ignore[arg-type]
        assert store.thumbnail(response) == PNG + b"small"  # type: ignore[arg-type]
        store.set_thumbnail(response, PNG + b"smaller")  # type: ignore[arg-type]
        assert store.thumbnail(response) == PNG + b"smaller"  # type: ignore[arg-type]
        # A screenshot of an edited revision leaves it; a new one of the page drops it.
        store.set_screenshot(response, PNG + b"edit", revision=1)  # type: ignore[arg-type]
        assert store.thumbnail(response) is not None  # type: ignore[arg-type]
        store.set_screenshot(response, PNG + b"again")  # type: ignore[arg-type]
        assert store.thumbnail(response) is None  # type: ignore[arg-type]
        with pytest.raises(StoreError, match="PNG"):
            store.set_thumbnail(response, b"GIF89a")  # type: ignore[arg-type]
        store.set_thumbnail(response, PNG + b"small")  # type: ignore[arg-type]
        exported = json.dumps(store.export(with_runs=True), default=str)
        assert base64.b64encode(PNG + b"small").decode() not in exported
        assert base64.b64encode(PNG + b"again").decode() in exported  # the screenshot is
        assert "thumbnail" not in exported
        store.delete_run(store.history()[0].id)
        row = store.connection.execute("SELECT count(*) FROM thumbnails").fetchone()
        assert row[0] == 0
