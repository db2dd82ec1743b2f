"""Collections, prompts, tags, model sets and undoable deletion."""

from __future__ import annotations

import pytest

from studio.core.catalog import ModelRef
from studio.core.model_sets import ModelSetEntry, ModelSetStore, entries_from_refs
from studio.core.request import GenerationSettings
from studio.store import ConflictError, NotFoundError, Store, StoreError


def test_nested_collections_list_parents_first_with_prompt_counts(store: Store) -> None:
    games = store.add_collection("Games")
    pages = store.add_collection("Landing pages")
    physics = store.add_collection("Physics", games.id)
    store.add_prompt(physics.id, "Hexagon", "A ball in a spinning hexagon")
    store.add_prompt(physics.id, "Pendulum", "A double pendulum")
    tree = store.collections()
    assert [(c.name, c.prompt_count) for c in tree] == [
        ("Games", 0), ("Physics", 2), ("Landing pages", 0)]
    assert store.collection_path(physics.id) == "Games/Physics"
    assert store.find_collection("Physics").id == physics.id
    assert store.find_collection("Games/Physics").id == physics.id
    assert pages.parent_id is None


def test_names_are_unique_among_siblings_only(store: Store) -> None:
    a = store.add_collection("A")
    b = store.add_collection("B")
    store.add_collection("Drafts", a.id)
    store.add_collection("Drafts", b.id)
    with pytest.raises(ConflictError, match="already exists"):
        store.add_collection("Drafts", a.id)
    with pytest.raises(NotFoundError, match="several collections"):
        store.find_collection("Drafts")
    assert store.collection_path(store.find_collection("B/Drafts").id) == "B/Drafts"
    with pytest.raises(ConflictError):
        store.rename_collection(b.id, "A")
    with pytest.raises(StoreError, match="needs a name"):
        store.add_collection("   ")


def test_moving_a_collection_into_itself_is_refused(store: Store) -> None:
    top = store.add_collection("Top")
    child = store.add_collection("Child", top.id)
    grandchild = store.add_collection("Grandchild", child.id)
    with pytest.raises(ConflictError, match="into itself"):
        store.move_collection(top.id, grandchild.id)
    store.move_collection(grandchild.id, None)
    assert store.collection(grandchild.id).parent_id is None


def test_prompt_fields_round_trip_and_update(store: Store) -> None:
    c = store.add_collection("Games")
    coders = store.save_model_set("coders", entries_from_refs(["openai:gpt-4o"]))
    p = store.add_prompt(c.id, "  Voxel   pagoda ", "Build a {{style}} pagoda",
                         system="You write single-file HTML",
                         variables={"style": "Japanese"}, notes="needs three.js",
                         tags=["3d", "three.js", "3D", " "], model_set_id=coders.id)
    assert p.title == "Voxel pagoda"
    assert p.tags == ("3d", "three.js")
    assert dict(p.variables) == {"style": "Japanese"}
    assert p.model_set_id == coders.id
    updated = store.update_prompt(p.id, body="Build a {{style}} temple", tags=["temple"],
                                  system="")
    assert updated.body == "Build a {{style}} temple" and updated.system is None
    assert updated.tags == ("temple",) and updated.notes == "needs three.js"
    assert store.tags() == [("temple", 1)]
    assert [x.id for x in store.prompts(tag="temple")] == [p.id]
    with pytest.raises(StoreError, match="variable name"):
        store.update_prompt(p.id, variables={"no spaces": "x"})


def test_moving_prompts_between_collections(store: Store) -> None:
    a = store.add_collection("A")
    b = store.add_collection("B")
    p = store.add_prompt(a.id, "One", "1")
    store.move_prompt(p.id, b.id)
    assert [x.title for x in store.prompts(b.id)] == ["One"]
    assert store.prompts(a.id) == []


def test_deleting_a_collection_can_be_undone_then_purged(store: Store) -> None:
    games = store.add_collection("Games")
    physics = store.add_collection("Physics", games.id)
    p = store.add_prompt(physics.id, "Hexagon", "spinning hexagon")
    token = store.delete_collection(games.id)
    assert store.collections() == []
    assert store.search("hexagon") == []
    with pytest.raises(NotFoundError):
        store.prompt(p.id)
    store.restore(token)
    assert [c.name for c in store.collections()] == ["Games", "Physics"]
    assert store.prompt(p.id).title == "Hexagon"
    assert [h.prompt_id for h in store.search("hexagon")] == [p.id]

    token = store.delete_collection(games.id)
    assert store.purge_trash() == 1
    with pytest.raises(NotFoundError):
        store.restore(token)
    assert store.connection.execute("SELECT count(*) FROM prompts").fetchone()[0] == 0
    assert store.search("hexagon") == []
    assert store.check_integrity() == []


def test_undo_refuses_a_name_taken_in_the_meantime(store: Store) -> None:
    token = store.delete_collection(store.add_collection("Games").id)
    store.add_collection("Games")
    with pytest.raises(ConflictError, match="same name"):
        store.restore(token)


def test_deleted_prompt_comes_back_with_undo(store: Store) -> None:
    c = store.add_collection("C")
    p = store.add_prompt(c.id, "Landing page", "A launch page")
    token = store.delete_prompt(p.id)
    assert store.prompts() == [] and store.collection(c.id).prompt_count == 0
    store.restore(token)
    assert [x.id for x in store.prompts()] == [p.id]


def test_model_sets_keep_settings_and_implement_the_core_protocol(store: Store) -> None:
    entries = (ModelSetEntry(ModelRef("openai", "gpt-4o"), GenerationSettings(temperature=0.2)),
               ModelSetEntry(ModelRef("openrouter", "qwen/qwen3-max:free")))
    sets: ModelSetStore = store.model_set_store()
    sets.save("fast", entries)
    assert sets.names() == ["fast"]
    assert sets.get("fast") == entries
    sets.save("fast", entries[:1])
    assert sets.get("fast") == entries[:1]
    assert sets.last() == ()
    sets.set_last(entries)
    assert sets.last() == entries
    sets.delete("fast")
    assert sets.get("fast") is None
    with pytest.raises(StoreError, match="at least one model"):
        store.save_model_set("empty", [])
    stored = store.connection.execute("SELECT count(*) FROM model_sets").fetchone()[0]
    assert stored == 0


def test_ensure_collection_finds_or_creates_at_the_top(store: Store) -> None:
    games = store.add_collection("Games")
    store.add_collection("Drafts", games.id)
    assert store.ensure_collection("Games").id == games.id
    drafts = store.ensure_collection("Drafts")
    assert drafts.parent_id is None and drafts.id != games.id
    assert len(store.collections()) == 3
