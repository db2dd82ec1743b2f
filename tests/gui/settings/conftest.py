# mypy: disable-error-code="no-untyped-call"
"""Fixtures for the settings dialogs and the model picker: a qasync loop, keyrings, and the
loopback provider simulator."""

from __future__ import annotations

import gc
import os
import socket
import uuid
from collections.abc import Iterator

import keyring
import keyring.backends.SecretService
import pytest

from studio.core.catalog import ProviderRegistry
from studio.core.keyring_choice import default_backend
from studio.core.model_sets import JsonModelSetStore, model_sets_file
from studio.core.paths import StudioPaths
from studio.core.secrets import KeyStore
from studio.ui.settings.model_lists import ModelListCache, model_cache_file
from tests.gui.settings.settings_support import GOOD_KEY, SERVER_MODELS
from tests.support.memory_keyring import MemoryKeyring
from tests.support.scenarios import ModelList
from tests.support.simulator import Simulator


@pytest.fixture(autouse=True)
def _collect_qt_garbage_on_the_gui_thread() -> Iterator[None]:
    # Qt objects left in reference cycles (a closed qasync loop's timer, dropped dialogs)
    # must be freed on the GUI thread; otherwise whichever thread next triggers a collection
    # (the simulator's) frees them and Qt warns "Timers cannot be stopped from another thread".
    yield
    gc.collect()


@pytest.fixture
def registry(paths: StudioPaths) -> ProviderRegistry:
    return ProviderRegistry(paths.providers_file)


@pytest.fixture
def memory_keyring() -> MemoryKeyring:
    return MemoryKeyring()


@pytest.fixture
def keys(memory_keyring: MemoryKeyring) -> KeyStore:
    return KeyStore(env={}, backend=memory_keyring)


@pytest.fixture
def model_cache(paths: StudioPaths) -> ModelListCache:
    return ModelListCache(model_cache_file(paths.cache))


@pytest.fixture
def model_sets(paths: StudioPaths) -> JsonModelSetStore:
    return JsonModelSetStore(model_sets_file(paths.config))


@pytest.fixture
def sim() -> Iterator[Simulator]:
    """The provider simulator: lists SERVER_MODELS to whoever presents GOOD_KEY, 401 else."""
    with Simulator(require_key=GOOD_KEY) as simulator:
        simulator.script_listing("openai", ModelList(SERVER_MODELS))
        yield simulator
        assert simulator.errors == []


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def hermetic_registry(registry: ProviderRegistry) -> ProviderRegistry:
    """Built-in local servers (Ollama, LM Studio, llama.cpp) pointed at a closed port, so
    whatever runs on this machine's default ports cannot change a test's outcome."""
    port = closed_port()
    for name in ("ollama", "lmstudio", "llamacpp"):
        registry.add(name, "openai", f"http://127.0.0.1:{port}/v1", needs_key=False)
    return registry


# ----- the real Secret Service ------------------------------------------------------------

def _secret_service_problem() -> str | None:
    backend = default_backend().backend  # the backend a KeyStore() uses
    if not isinstance(backend, keyring.backends.SecretService.Keyring):
        return f"the studio's keyring backend is {type(backend).__module__}, not SecretService"
    probe = f"probe-{uuid.uuid4().hex}"
    try:
        backend.set_password("prompt-studio-tests", probe, "probe")
        ok = backend.get_password("prompt-studio-tests", probe) == "probe"
        backend.delete_password("prompt-studio-tests", probe)
    except Exception as exc:
        return f"the Secret Service does not answer: {exc}"
    return None if ok else "the Secret Service did not return what was stored"


@pytest.fixture
def secret_service() -> None:
    problem = _secret_service_problem()
    if problem is None:
        return
    message = ("no usable Secret Service (run under dbus-run-session with an unlocked "
               f"gnome-keyring, see tests/run.sh): {problem}")
    if os.environ.get("PROMPT_STUDIO_TEST_KEYRING") == "1":
        pytest.fail(message)  # CI promises a keyring: a missing one is a failure there
    pytest.skip(message)


@pytest.fixture
def good_key() -> str:
    return GOOD_KEY


@pytest.fixture
def server_models() -> tuple[str, ...]:
    return SERVER_MODELS
