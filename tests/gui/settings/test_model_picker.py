# mypy: disable-error-code="no-untyped-call"
from __future__ import annotations

import asyncio

import pytest
import qasync
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from studio.core.catalog import ModelRef, ProviderRegistry
from studio.core.model_sets import JsonModelSetStore, ModelSetEntry, model_sets_file
from studio.core.paths import StudioPaths
from studio.core.request import GenerationSettings
from studio.core.runner import ModelTarget
from studio.core.secrets import KeyStore
from studio.ui.model_picker import ModelPicker
from studio.ui.settings.model_lists import (
    ModelListCache,
    local_models_available,
    model_cache_file,
)
from studio.ui.workspace.model_settings import ModelSettingsPopover
from tests.gui.settings.settings_support import OFFSCREEN_SIZE_HINTS, SlowModelList
from tests.gui.workspace.workspace_support import TickCount, wait_until
from tests.support.scenarios import Hold
from tests.support.simulator import Simulator

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)]


def make_picker(qtbot: QtBot, registry: ProviderRegistry, keys: KeyStore,
                cache: ModelListCache, sets: JsonModelSetStore, *, show: bool = False,
                auto_fetch: bool = False) -> ModelPicker:
    picker = ModelPicker(registry, keys, cache, sets, auto_fetch=auto_fetch)
    qtbot.addWidget(picker)
    if show:
        picker.open()
        qtbot.waitExposed(picker)
    return picker


def check(picker: ModelPicker, ref: str) -> None:
    item = picker.item_for(ref)
    assert item is not None, ref
    item.setCheckState(0, Qt.CheckState.Checked)


def test_search_filters_across_every_provider(
        qtbot: QtBot, registry: ProviderRegistry, keys: KeyStore, model_cache: ModelListCache,
        model_sets: JsonModelSetStore) -> None:
    picker = make_picker(qtbot, registry, keys, model_cache, model_sets)
    everything = set(picker.visible_refs())
    presets = {f"{c.name}:{m}" for c in registry.all().values() for m in c.models}
    assert everything == presets

    qtbot.keyClicks(picker.search_edit, "claude opus")
    expected = {r for r in presets if "claude" in r and "opus" in r}
    assert set(picker.visible_refs()) == expected
    assert {"anthropic:claude-opus-4-1", "openrouter:anthropic/claude-opus-4.1"} <= expected

    picker.search_edit.setText("QWEN:qwen3-max")
    assert set(picker.visible_refs()) == {"qwen:qwen3-max", "qwen:qwen3-max-preview"}

    picker.search_edit.setText("no-such-model-anywhere")
    assert picker.visible_refs() == []
    picker.search_edit.clear()
    assert set(picker.visible_refs()) == presets


def test_providers_without_a_key_are_shown_and_marked(
        qtbot: QtBot, registry: ProviderRegistry, keys: KeyStore, model_cache: ModelListCache,
        model_sets: JsonModelSetStore) -> None:
    keys.set("gemini", "AIza-test-key-0123456789")
    picker = make_picker(qtbot, registry, keys, model_cache, model_sets)
    notes = {name: picker.tree.note(name) for name in registry.all()}
    assert "no key" in notes["openai"]
    assert "no key" not in notes["gemini"]
    assert "no key" not in notes["ollama"]  # a local server needs none
    assert picker.item_for("openai:gpt-4o") is not None  # still selectable


def test_pick_several_save_a_named_set_and_load_it_again(
        qtbot: QtBot, registry: ProviderRegistry, keys: KeyStore, model_cache: ModelListCache,
        model_sets: JsonModelSetStore, paths: StudioPaths) -> None:
    picker = make_picker(qtbot, registry, keys, model_cache, model_sets, show=True)
    chosen = ["qwen:qwen3-max", "anthropic:claude-opus-4-1", "kimi:kimi-k2-0905-preview",
              "deepseek:deepseek-chat"]
    for ref in chosen:
        check(picker, ref)
    assert picker.selected_refs() == chosen
    assert picker.selected_label.text() == "4 selected"

    picker.set_name_edit.setFocus()
    qtbot.keyClicks(picker.set_name_edit, "coders")
    qtbot.keyClick(picker.set_name_edit, Qt.Key.Key_Return)  # saves; does not close
    assert picker.isVisible()
    assert picker.message.tone == "ok"
    assert picker.sets_combo.currentText() == "coders"

    qtbot.mouseClick(picker.clear_button, Qt.MouseButton.LeftButton)
    assert picker.selected_refs() == []
    item = picker.item_for("qwen:qwen3-max")
    assert item is not None
    assert item.checkState(0) == Qt.CheckState.Unchecked

    qtbot.mouseClick(picker.load_set_button, Qt.MouseButton.LeftButton)
    assert picker.selected_refs() == chosen

    # Another picker over the same file (a restart) sees the set.
    reopened_store = JsonModelSetStore(model_sets_file(paths.config))
    again = make_picker(qtbot, registry, keys, model_cache, reopened_store)
    assert again.sets_combo.findText("coders") >= 0
    assert again.load_set("coders")
    assert again.selected_refs() == chosen


def test_accept_returns_targets_in_order_and_remembers_the_last_set(
        qtbot: QtBot, registry: ProviderRegistry, keys: KeyStore, model_cache: ModelListCache,
        model_sets: JsonModelSetStore, paths: StudioPaths) -> None:
    picker = make_picker(qtbot, registry, keys, model_cache, model_sets, show=True)
    assert not picker.buttons.button(picker.buttons.StandardButton.Ok).isEnabled()
    for ref in ("gemini:gemini-2.5-pro", "openai:gpt-5"):
        check(picker, ref)
    with qtbot.waitSignal(picker.accepted_targets, timeout=1000) as signal:
        qtbot.mouseClick(picker.buttons.button(picker.buttons.StandardButton.Ok),
                         Qt.MouseButton.LeftButton)
    targets = signal.args[0]
    assert all(isinstance(t, ModelTarget) for t in targets)
    assert [str(t.ref) for t in targets] == ["gemini:gemini-2.5-pro", "openai:gpt-5"]
    assert targets[0].config == registry.get("gemini")

    remembered = make_picker(qtbot, registry, keys, model_cache,
                             JsonModelSetStore(model_sets_file(paths.config)))
    assert remembered.selected_refs() == ["gemini:gemini-2.5-pro", "openai:gpt-5"]


def test_per_model_settings_survive_a_round_trip(
        qtbot: QtBot, registry: ProviderRegistry, keys: KeyStore, model_cache: ModelListCache,
        model_sets: JsonModelSetStore) -> None:
    hot = GenerationSettings(temperature=1.2, max_tokens=4000)
    cold = GenerationSettings(temperature=0.0, reasoning="high")
    initial = [ModelTarget(ModelRef("openai", "gpt-5"), registry.get("openai"), hot),
               ModelTarget(ModelRef("openai", "gpt-5-mini"), registry.get("openai"), cold)]
    picker = ModelPicker(registry, keys, model_cache, model_sets, initial=initial,
                         auto_fetch=False)
    qtbot.addWidget(picker)
    assert picker.targets() == initial
    assert picker.save_set("two temps")
    picker.set_selection([])
    assert picker.load_set("two temps")
    assert picker.targets() == initial


def test_enter_in_the_search_box_picks_instead_of_closing(
        qtbot: QtBot, registry: ProviderRegistry, keys: KeyStore, model_cache: ModelListCache,
        model_sets: JsonModelSetStore) -> None:
    picker = make_picker(qtbot, registry, keys, model_cache, model_sets, show=True)
    picker.search_edit.setFocus()
    qtbot.keyClicks(picker.search_edit, "deepseek reasoner")
    qtbot.keyClick(picker.search_edit, Qt.Key.Key_Return)
    assert picker.isVisible()
    assert picker.selected_refs() == ["deepseek:deepseek-reasoner"]
    qtbot.keyClicks(picker.search_edit, "gemini flash")  # replaces the selected search text
    qtbot.keyClick(picker.search_edit, Qt.Key.Key_Return)
    assert picker.selected_refs() == ["deepseek:deepseek-reasoner", "gemini:gemini-2.5-flash"]
    assert picker.isVisible()


def test_the_local_provider_says_whether_it_can_run_here(
        qtbot: QtBot, registry: ProviderRegistry, keys: KeyStore, model_cache: ModelListCache,
        model_sets: JsonModelSetStore) -> None:
    picker = make_picker(qtbot, registry, keys, model_cache, model_sets)
    note = picker.tree.note("local")
    assert ("pip install '.[local]'" in note) is not local_models_available()[0]
    assert picker.item_for("local:smollm2-135m") is not None


def test_a_model_missing_from_the_lists_can_be_added_by_id(
        qtbot: QtBot, registry: ProviderRegistry, keys: KeyStore, model_cache: ModelListCache,
        model_sets: JsonModelSetStore) -> None:
    picker = make_picker(qtbot, registry, keys, model_cache, model_sets)
    picker.search_edit.setText("nosuch:model")
    assert not picker.add_custom_button.isEnabled()
    picker.search_edit.setText("openrouter:z-ai/glm-4.6")
    assert picker.add_custom_button.isEnabled()
    qtbot.mouseClick(picker.add_custom_button, Qt.MouseButton.LeftButton)
    assert picker.selected_refs() == ["openrouter:z-ai/glm-4.6"]
    assert picker.item_for("openrouter:z-ai/glm-4.6") is not None


def test_a_saved_set_with_an_unknown_provider_is_loaded_without_it(
        qtbot: QtBot, registry: ProviderRegistry, keys: KeyStore, model_cache: ModelListCache,
        model_sets: JsonModelSetStore) -> None:
    model_sets.save("old", (ModelSetEntry(ModelRef("gone", "m1")),
                            ModelSetEntry(ModelRef("openai", "gpt-4o"))))
    picker = make_picker(qtbot, registry, keys, model_cache, model_sets)
    assert picker.load_set("old")
    assert picker.selected_refs() == ["openai:gpt-4o"]
    assert picker.message.tone == "warning"
    assert "gone:m1" in picker.message.text()


def test_model_lists_are_fetched_in_the_background_and_cached(
        qtbot: QtBot, loop: qasync.QEventLoop, hermetic_registry: ProviderRegistry,
        keys: KeyStore, model_cache: ModelListCache, model_sets: JsonModelSetStore,
        sim: Simulator, good_key: str, server_models: tuple[str, ...],
        paths: StudioPaths) -> None:
    registry = hermetic_registry
    registry.add("sim", "openai", sim.url("openai"), models=["sim-preset"])
    keys.set("sim", good_key)
    hold = Hold()
    sim.script_listing("openai", SlowModelList(server_models, hold=hold))

    picker = make_picker(qtbot, registry, keys, model_cache, model_sets, show=True,
                         auto_fetch=True)
    assert "fetching" in picker.tree.note("sim")
    try:
        wait_until(loop, hold.reached.is_set, timeout=20, what="the listing request")
        # The server has the request and does not answer: the window keeps running.
        with TickCount(20) as timer:
            wait_until(loop, lambda: timer.ticks >= 10, timeout=20,
                       what="the window's timers while the server holds its answer")
        assert "fetching" in picker.tree.note("sim")
    finally:
        hold.release()
    loop.run_until_complete(picker.wait_idle())

    sim_refs = [r for r in picker.visible_refs() if r.startswith("sim:")]
    assert sim_refs == ["sim:sim-preset", *(f"sim:{m}" for m in server_models)]
    assert "fetched just now" in picker.tree.note("sim")
    assert "not running" in picker.tree.note("ollama")
    qtbot.keyClicks(picker.search_edit, "gamma")
    assert picker.visible_refs() == ["sim:sim-gamma-coder"]

    cached = ModelListCache(model_cache_file(paths.cache)).get(registry.get("sim"))
    assert cached is not None
    assert [m.id for m in cached.models] == list(server_models)

    # A fresh cache is used as is; "Refresh lists" asks the provider again.
    requests = len(sim.requests)
    second = make_picker(qtbot, registry, keys, model_cache, model_sets, show=True,
                         auto_fetch=True)
    loop.run_until_complete(second.wait_idle())
    assert len(sim.requests) == requests
    assert second.item_for("sim:sim-beta") is not None
    qtbot.mouseClick(second.refresh_button, Qt.MouseButton.LeftButton)
    loop.run_until_complete(second.wait_idle())
    assert len(sim.requests) == requests + 1


def test_closing_the_picker_cancels_its_fetches(
        qtbot: QtBot, loop: qasync.QEventLoop, hermetic_registry: ProviderRegistry,
        keys: KeyStore, model_cache: ModelListCache, model_sets: JsonModelSetStore,
        sim: Simulator, good_key: str) -> None:
    hermetic_registry.add("sim", "openai", sim.url("openai"))
    keys.set("sim", good_key)
    hold = Hold()  # the server never answers unless released: only a cancel ends the fetch
    sim.script_listing("openai", SlowModelList(("late",), hold=hold))
    picker = make_picker(qtbot, hermetic_registry, keys, model_cache, model_sets, show=True,
                         auto_fetch=True)
    try:
        wait_until(loop, hold.reached.is_set, timeout=20, what="the listing request")
        picker.reject()
        loop.run_until_complete(asyncio.wait_for(picker.wait_idle(), 20))
        assert model_cache.get(hermetic_registry.get("sim")) is None
        assert loop.run_until_complete(sim.await_idle())  # its connection was closed
    finally:
        hold.release()


def test_two_slots_of_one_model_stay_two_and_a_model_can_be_added_again(
        qtbot: QtBot, registry: ProviderRegistry, keys: KeyStore, model_cache: ModelListCache,
        model_sets: JsonModelSetStore) -> None:
    local = registry.get("local")
    ref = ModelRef("local", "smollm2-135m")
    initial = [ModelTarget(ref, local, GenerationSettings(temperature=0.2)),
               ModelTarget(ref, local, GenerationSettings(temperature=0.9))]
    picker = ModelPicker(registry, keys, model_cache, model_sets, initial=initial,
                         auto_fetch=False)
    qtbot.addWidget(picker)
    picker.open()
    qtbot.waitExposed(picker)
    assert picker.selected_label.text() == "2 selected"
    assert [picker.selected_list.item(i).text() for i in range(2)] == [
        "local:smollm2-135m  (T 0.2)", "local:smollm2-135m  (T 0.9)"]

    # A second slot of another model, given its own temperature.
    check(picker, "openai:gpt-5")
    picker.selected_list.setCurrentRow(2)
    qtbot.mouseClick(picker.slots.again_button, Qt.MouseButton.LeftButton)
    assert picker.selected_refs() == ["local:smollm2-135m"] * 2 + ["openai:gpt-5"] * 2
    assert picker.message.tone == "ok" and "twice" in picker.message.text()
    qtbot.mouseClick(picker.slots.settings_button, Qt.MouseButton.LeftButton)
    popover = picker.findChild(ModelSettingsPopover)
    assert popover is not None and popover.isVisible()
    popover.temperature.setValue(1.5)
    popover.close()
    qtbot.waitUntil(lambda: picker.findChild(ModelSettingsPopover) is None)

    with qtbot.waitSignal(picker.accepted_targets, timeout=1000) as signal:
        qtbot.mouseClick(picker.buttons.button(picker.buttons.StandardButton.Ok),
                         Qt.MouseButton.LeftButton)
    chosen = [(str(t.ref), t.settings.temperature) for t in signal.args[0]]
    assert chosen == [("local:smollm2-135m", 0.2), ("local:smollm2-135m", 0.9),
                      ("openai:gpt-5", None), ("openai:gpt-5", 1.5)]
    # The remembered set keeps all four slots too.
    assert [e.settings.temperature for e in model_sets.last()] == [0.2, 0.9, None, 1.5]


def test_clearing_a_tick_removes_every_slot_of_that_model(
        qtbot: QtBot, registry: ProviderRegistry, keys: KeyStore, model_cache: ModelListCache,
        model_sets: JsonModelSetStore) -> None:
    picker = make_picker(qtbot, registry, keys, model_cache, model_sets, show=True)
    check(picker, "openai:gpt-5")
    check(picker, "gemini:gemini-2.5-pro")
    assert picker.add_again(0) == 1
    item = picker.item_for("openai:gpt-5")
    assert item is not None
    item.setCheckState(0, Qt.CheckState.Unchecked)
    assert picker.selected_refs() == ["gemini:gemini-2.5-pro"]
    picker.selected_list.setCurrentRow(0)
    qtbot.mouseClick(picker.remove_button, Qt.MouseButton.LeftButton)
    assert picker.selected_refs() == []
    assert not picker.buttons.button(picker.buttons.StandardButton.Ok).isEnabled()
