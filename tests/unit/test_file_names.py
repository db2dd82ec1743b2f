"""File names proposed for saved pages and screenshots."""

from __future__ import annotations

from studio.core.catalog import ModelRef, ProviderConfig
from studio.core.file_names import MAX_STEM, answer_file_stem, file_stem
from studio.core.request import GenerationSettings
from studio.core.runner import ModelTarget


def test_a_stem_keeps_words_and_drops_what_file_systems_refuse() -> None:
    assert file_stem("Spinning hexagon: 3 balls!", "qwen/qwen3-max") == (
        "Spinning-hexagon-3-balls-qwen-qwen3-max")
    assert file_stem("../../etc/passwd") == "etc-passwd"
    assert file_stem("", "  ", "***") == "page"
    assert file_stem("Écrire une page") == "Écrire-une-page"
    assert len(file_stem("word " * 100)) <= MAX_STEM


def test_an_answer_is_named_by_prompt_model_and_the_settings_that_are_not_defaults() -> None:
    config = ProviderConfig("local", "local", "")
    ref = ModelRef("local", "smollm2-135m")
    assert answer_file_stem("Hello page", ModelTarget(ref, config)) == (
        "Hello-page-smollm2-135m")
    warm = ModelTarget(ref, config, GenerationSettings(temperature=0.9))
    assert answer_file_stem("A" * 200, warm).endswith("-smollm2-135m-T-0.9")
