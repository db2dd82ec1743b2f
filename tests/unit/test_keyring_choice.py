"""Which keyring backend the studio uses: keyring's configuration first, else the
platform's own backend, found without keyring's discovery (no compiler probe)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import keyring.backends.fail
import keyring.backends.SecretService
import keyring.util.platform_
import pytest

from studio.core.keyring_choice import (
    ENV_VARIABLE,
    choose_backend,
    config_file,
    platform_backend_names,
)
from studio.core.secrets import KeyringUnavailable, KeyStore
from tests.support.memory_keyring import MemoryKeyring

REPO = Path(__file__).resolve().parents[2]
MEMORY = "tests.support.memory_keyring.MemoryKeyring"


@pytest.fixture(autouse=True)
def no_user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """keyring reads keyringrc.cfg from $XDG_CONFIG_HOME/python_keyring: an empty one here."""
    config_home = tmp_path / "config"
    config_home.mkdir()
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config_home))
    monkeypatch.delenv(ENV_VARIABLE, raising=False)
    return config_home


def _write_keyringrc(config_home: Path, backend: str) -> Path:
    path = config_home / "python_keyring" / "keyringrc.cfg"
    path.parent.mkdir()
    path.write_text(f"[backend]\ndefault-keyring = {backend}\n", encoding="utf-8")
    return path


def test_the_environment_variable_chooses_the_backend() -> None:
    choice = choose_backend({ENV_VARIABLE: MEMORY})
    assert isinstance(choice.backend, MemoryKeyring)
    assert choice.configured_by == ENV_VARIABLE


def test_keyringrc_in_keyrings_config_dir_chooses_the_backend(no_user_config: Path) -> None:
    path = _write_keyringrc(no_user_config, MEMORY)
    choice = choose_backend({})
    assert isinstance(choice.backend, MemoryKeyring)
    assert choice.configured_by == str(path)


def test_the_environment_variable_wins_over_keyringrc(no_user_config: Path) -> None:
    _write_keyringrc(no_user_config, "keyring.backends.fail.Keyring")
    assert isinstance(choose_backend({ENV_VARIABLE: MEMORY}).backend, MemoryKeyring)


@pytest.mark.parametrize("configured", ["keyring.backends.fail.Keyring",
                                        "keyring.backends.null.Keyring"])
def test_a_configured_backend_that_stores_nothing_is_no_keyring(
        configured: str, monkeypatch: pytest.MonkeyPatch) -> None:
    choice = choose_backend({ENV_VARIABLE: configured})
    assert choice.backend is None
    assert configured in choice.problem and ENV_VARIABLE in choice.problem


def test_a_configured_backend_that_does_not_exist_is_reported_not_raised(
        no_user_config: Path) -> None:
    path = _write_keyringrc(no_user_config, "keyrings.nowhere.Keyring")
    choice = choose_backend({})
    assert choice.backend is None
    assert str(path) in choice.problem and "cannot be used" in choice.problem


@pytest.mark.parametrize("xdg", [True, False])
def test_the_config_file_is_where_keyring_reads_it(xdg: bool, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    if not xdg:
        monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert config_file() == str(keyring.util.platform_.config_root() / "keyringrc.cfg")


def test_keyringrc_is_read_even_where_no_backend_could_work(no_user_config: Path) -> None:
    env = _env_without_session_bus(no_user_config)
    _write_keyringrc(no_user_config, MEMORY)
    seen = _probe(env)
    assert seen["usable"] is True and seen["description"] == MEMORY
    assert seen["keyring"] is True


def test_the_platform_backends_are_keyrings_own_choices() -> None:
    assert platform_backend_names("linux")[0] == "keyring.backends.SecretService.Keyring"
    assert platform_backend_names("darwin") == ("keyring.backends.macOS.Keyring",)
    assert platform_backend_names("win32") == ("keyring.backends.Windows.WinVaultKeyring",)


_PROBE = """
import json, sys
spawned = []
sys.addaudithook(lambda event, args: spawned.append(str(args[0])) if event in (
    "subprocess.Popen", "os.posix_spawn", "os.exec", "os.fork") else None)
from studio.core.secrets import KeyStore
store = KeyStore(env={})
usable, description = store.available()
print(json.dumps({"usable": usable, "description": description, "spawned": spawned,
                  "macos": "keyring.backends.macOS" in sys.modules,
                  "secretstorage": "secretstorage" in sys.modules,
                  "keyring": "keyring" in sys.modules}))
"""


def _probe(env: dict[str, str]) -> dict[str, object]:
    out = subprocess.run([sys.executable, "-c", _PROBE], cwd=REPO, env=env, text=True,
                         capture_output=True, check=True, timeout=60)
    result: dict[str, object] = json.loads(out.stdout)
    return result


def _env_without_session_bus(config_home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in (ENV_VARIABLE,
                                                            "DBUS_SESSION_BUS_ADDRESS")}
    env.update(PYTHONPATH=str(REPO), XDG_CONFIG_HOME=str(config_home),
               XDG_RUNTIME_DIR=str(config_home))  # no bus socket there either
    return env


def test_without_a_keyring_service_the_choice_runs_no_program_and_says_what_to_do(
        no_user_config: Path) -> None:
    seen = _probe(_env_without_session_bus(no_user_config))
    assert seen["spawned"] == []  # keyring's discovery runs ldconfig, gcc and ld here
    assert seen["macos"] is False
    assert seen["secretstorage"] is False  # no session bus: its backend is not even loaded
    assert seen["keyring"] is False  # nor keyring: nothing it could offer would work
    assert seen["usable"] is False
    assert "gnome-keyring" in str(seen["description"])
    assert "SecretService" in str(seen["description"])


def test_a_session_bus_that_does_not_answer_is_reported(no_user_config: Path) -> None:
    env = _env_without_session_bus(no_user_config)
    env["DBUS_SESSION_BUS_ADDRESS"] = f"unix:path={no_user_config / 'no-such-bus'}"
    seen = _probe(env)
    assert seen["usable"] is False and seen["spawned"] == []
    assert seen["secretstorage"] is True  # tried, since a bus was named
    assert "SecretService: [Errno 2] No such file" in str(seen["description"])


def test_without_a_backend_nothing_is_stored_and_the_reason_is_given() -> None:
    store = KeyStore(env={}, backend=keyring.backends.fail.Keyring())
    assert store.backend is None
    with pytest.raises(KeyringUnavailable, match="no usable OS keyring"):
        store.delete("openai")


@pytest.mark.keyring
def test_with_the_secret_service_running_it_is_chosen_without_spawning_anything(
        no_user_config: Path) -> None:
    if os.environ.get("PROMPT_STUDIO_TEST_KEYRING") != "1":
        pytest.skip("needs the Secret Service session that tests/run.sh starts")
    choice = choose_backend()  # this process's environment, without keyring configuration
    assert isinstance(choice.backend, keyring.backends.SecretService.Keyring)
    env = {k: v for k, v in os.environ.items() if k != ENV_VARIABLE}
    env.update(PYTHONPATH=str(REPO), XDG_CONFIG_HOME=str(no_user_config))
    seen = _probe(env)
    assert seen == {"usable": True, "description": "keyring.backends.SecretService.Keyring",
                    "spawned": [], "macos": False, "secretstorage": True, "keyring": True}
