from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from studio.core.catalog import ProviderConfig
from studio.core.events import ErrorKind, ProviderError
from studio.core.providers.base import ModelInfo
from studio.ui.settings.model_lists import ModelListCache, describe_failure, model_cache_file

CONFIG = ProviderConfig(name="sim", kind="openai", base_url="http://127.0.0.1:9/v1")


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_cached_lists_expire_and_follow_the_base_url(tmp_path: Path) -> None:
    clock = Clock()
    cache = ModelListCache(model_cache_file(tmp_path), max_age_s=3600, clock=clock)
    assert cache.get(CONFIG) is None
    assert not cache.is_fresh(CONFIG)
    cache.put(CONFIG, [ModelInfo("m1", "Model One", 128000), ModelInfo("m2")])

    reread = ModelListCache(model_cache_file(tmp_path), max_age_s=3600, clock=clock)
    cached = reread.get(CONFIG)
    assert cached is not None
    assert cached.models == (ModelInfo("m1", "Model One", 128000), ModelInfo("m2"))
    assert cached.fetched_at == clock.now
    assert reread.is_fresh(CONFIG)
    clock.now += 3601
    assert not reread.is_fresh(CONFIG)

    moved = ProviderConfig(name="sim", kind="openai", base_url="http://127.0.0.1:10/v1")
    assert reread.get(moved) is None
    reread.forget("sim")
    assert ModelListCache(model_cache_file(tmp_path)).get(CONFIG) is None


def test_a_damaged_cache_is_just_empty(tmp_path: Path) -> None:
    model_cache_file(tmp_path).write_text("{oops", encoding="utf-8")
    assert ModelListCache(model_cache_file(tmp_path)).get(CONFIG) is None


@pytest.mark.parametrize(("exc", "text"), [
    (ProviderError(ErrorKind.AUTH, "Incorrect API key provided", status=401),
     "auth (HTTP 401): Incorrect API key provided"),
    (httpx.ConnectError("All connection attempts failed"),
     "connection: All connection attempts failed"),
    (httpx.ReadTimeout("timed out"), "timeout: timed out"),
    (ImportError("No module named 'llama_cpp'"),
     "unavailable: cannot load this provider: No module named 'llama_cpp'"),
])
def test_failures_are_described_by_kind(exc: BaseException, text: str) -> None:
    assert str(describe_failure(exc, CONFIG)) == text


def test_the_local_provider_says_which_extra_to_install() -> None:
    local = ProviderConfig(name="local", kind="local", base_url="", needs_key=False)
    assert "pip install '.[local]'" in str(describe_failure(ImportError("x"), local))
