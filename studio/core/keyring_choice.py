"""Which keyring backend holds the studio's keys, chosen without keyring's discovery.

keyring's automatic choice imports every backend it knows and every installed plugin, and
its macOS backend looks for the Security framework with `ctypes.util.find_library`, which
on Linux runs `ldconfig`, `gcc` and `ld`: some 180 ms on the first lookup of every process.
The studio asks for the platform's own backends by name instead, after keyring's own
configuration, which it honours as keyring does: `PYTHON_KEYRING_BACKEND`, then
`keyringrc.cfg` in keyring's config directory. Those two are also how a plugin backend
(keyrings.alt, pass, 1Password …) is chosen for the studio.

Among the platform's backends the one with the highest priority wins, as in keyring. (When
two are usable at once, keyring chains them; the studio keeps to the first, which is the
one keyring would have stored a key in.) Where nothing can work — no configuration, no
D-Bus session, no python-dbus: a server, a container, CI — keyring is not even imported.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import keyring.backend

ENV_VARIABLE = "PYTHON_KEYRING_BACKEND"
CONFIG_NAME = "keyringrc.cfg"

# Fully qualified class names, as PYTHON_KEYRING_BACKEND spells them.
_SECRET_SERVICE = "keyring.backends.SecretService.Keyring"
_KWALLET = "keyring.backends.kwallet.DBusKeyring"
_MACOS = "keyring.backends.macOS.Keyring"
_WINDOWS = "keyring.backends.Windows.WinVaultKeyring"


def platform_backend_names(platform: str = sys.platform) -> tuple[str, ...]:
    """The backends keyring itself would consider on this platform (plugins aside)."""
    if platform == "darwin":
        return (_MACOS,)
    if platform == "win32":
        return (_WINDOWS,)
    return (_SECRET_SERVICE, _KWALLET)  # Linux and the BSDs: D-Bus services


@dataclass(frozen=True, slots=True)
class BackendChoice:
    """A backend that can store keys, or None with the reason there is none."""

    backend: keyring.backend.KeyringBackend | None
    problem: str = ""
    configured_by: str = ""  # "PYTHON_KEYRING_BACKEND", a keyringrc.cfg path, or ""


def usable(backend: keyring.backend.KeyringBackend) -> bool:
    """keyring's "fail" and "null" backends, which a configuration may name, have a
    priority <= 0: the documented signal of a backend that stores nothing."""
    try:
        return float(backend.priority) > 0
    except Exception:  # keyring raises for a backend that cannot run here
        return False


def _load_class(name: str) -> type[keyring.backend.KeyringBackend]:
    module_name, _, class_name = name.rpartition(".")
    __import__(module_name)
    backend_class: type[keyring.backend.KeyringBackend] = getattr(
        sys.modules[module_name], class_name)
    return backend_class


def _configured(environ: Mapping[str, str]) -> BackendChoice | None:
    """keyring's configuration, read with keyring's own functions; None when there is none."""
    import keyring.core
    import keyring.util.platform_

    name = environ.get(ENV_VARIABLE)
    where = ENV_VARIABLE
    backend: keyring.backend.KeyringBackend | None
    try:
        if name:
            backend = keyring.core.load_keyring(name)
        else:
            where = str(keyring.util.platform_.config_root() / CONFIG_NAME)
            backend = keyring.core.load_config()
    except Exception as exc:  # a backend named there that is missing or cannot run here
        return BackendChoice(None, f"the keyring backend set in {where} cannot be used: "
                                   f"{exc}", configured_by=where)
    if backend is None:
        return None
    if not usable(backend):
        kind = f"{type(backend).__module__}.{type(backend).__name__}"
        return BackendChoice(None, f"the keyring backend set in {where}, {kind}, stores "
                                   "nothing", configured_by=where)
    return BackendChoice(backend, configured_by=where)


def _no_session_bus(environ: Mapping[str, str]) -> str | None:
    """Why the Secret Service cannot be reached, when that is known without importing its
    backend (secretstorage, jeepney and cryptography take some 25 ms to load): jeepney finds
    the session bus only through DBUS_SESSION_BUS_ADDRESS, and a session without it has no
    socket at the usual place either."""
    if environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return None
    runtime_dir = environ.get("XDG_RUNTIME_DIR")
    if runtime_dir and os.path.exists(os.path.join(runtime_dir, "bus")):
        return None
    return "no D-Bus session (DBUS_SESSION_BUS_ADDRESS is unset)"


def config_file() -> str:
    """Where keyring reads keyringrc.cfg on Linux and the BSDs: its `config_root`, from this
    process's environment as keyring reads it (a test checks that the two agree)."""
    root = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(root, "python_keyring", CONFIG_NAME)


def _nothing_to_load(environ: Mapping[str, str], platform: str) -> str | None:
    """Why no keyring backend can work here, when that is plain without importing keyring
    (some 25 ms, which a command that finds its key in the environment need not pay): no
    configuration, no D-Bus session for the Secret Service, no python-dbus for KWallet."""
    if platform in ("darwin", "win32") or environ.get(ENV_VARIABLE):
        return None
    no_bus = _no_session_bus(environ)
    if no_bus is None or os.path.exists(config_file()):
        return None
    if importlib.util.find_spec("dbus") is not None:
        return None
    return f"SecretService: {no_bus}; kwallet: python-dbus not installed"


def choose_backend(environ: Mapping[str, str] | None = None,
                   platform: str = sys.platform) -> BackendChoice:
    """keyring's configuration when there is one, else the platform's best backend."""
    environ = os.environ if environ is None else environ
    nothing = _nothing_to_load(environ, platform)
    if nothing is not None:
        return BackendChoice(None, nothing)
    configured = _configured(environ)
    if configured is not None:
        return configured
    best: tuple[float, type[keyring.backend.KeyringBackend]] | None = None
    reasons: list[str] = []
    for name in platform_backend_names(platform):
        short_name = name.rsplit(".", 2)[-2]
        if name == _SECRET_SERVICE and (why := _no_session_bus(environ)):
            reasons.append(f"{short_name}: {why}")
            continue
        try:
            backend_class = _load_class(name)
            priority = float(backend_class.priority)  # raises when it cannot run here
        except Exception as exc:
            reasons.append(f"{short_name}: {exc}")
            continue
        if priority > 0 and (best is None or priority > best[0]):
            best = (priority, backend_class)
    if best is None:
        return BackendChoice(None, "; ".join(reasons))
    return BackendChoice(best[1]())


_lock = threading.Lock()
_chosen: BackendChoice | None = None


def default_backend() -> BackendChoice:
    """`choose_backend()` for this process, made once (it asks D-Bus whether services run)."""
    global _chosen
    with _lock:
        if _chosen is None:
            _chosen = choose_backend()
        return _chosen
