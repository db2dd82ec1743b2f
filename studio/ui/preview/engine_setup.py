"""What QtWebEngine needs from the process before the QApplication exists.

Chromium reads its flags from the environment when it starts, and shares OpenGL contexts
only if the application was created with that attribute. Both need QtCore alone, so the
app prepares them first and loads QtWebEngine itself after its window is on screen.

Chromium refuses to start at all as root with its own sandbox on (the whole process exits).
As root, unless the user has already decided (QTWEBENGINE_DISABLE_SANDBOX, --no-sandbox),
the studio starts it with that sandbox off and says so on every preview, in the status bar
and on the command line; everyone else keeps it on. The studio's own sandbox (one origin
per page, no files, the network switch, no popups) applies either way.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping

from PySide6.QtCore import (
    QCoreApplication,
    QMessageLogContext,
    Qt,
    QtMsgType,
    qFormatLogMessage,
    qInstallMessageHandler,
)

CHROMIUM_FLAGS_ENV = "QTWEBENGINE_CHROMIUM_FLAGS"
DISABLE_SANDBOX_ENV = "QTWEBENGINE_DISABLE_SANDBOX"
NO_SANDBOX_FLAG = "--no-sandbox"
# A page that allocates without end hits this V8 heap limit and its renderer dies quickly,
# instead of pushing the whole machine into swap first.
JS_HEAP_LIMIT_MB = 1024
# WebRTC's ICE traffic (STUN/TURN over UDP) does not pass through the request interceptor;
# with no proxy configured this policy leaves it no route at all.
_WEBRTC_POLICY_FLAG = "--force-webrtc-ip-handling-policy=disable_non_proxied_udp"
# Chromium's own log (no system D-Bus, GPU command buffers, …) is for Chromium's developers;
# at the default level it fills the terminal of every start in a container or VM. Only
# fatal errors are printed; a --log-level or --enable-logging of the user's own wins.
_LOG_LEVEL_FLAG = "--log-level=3"
# QtWebEngine's start on a machine with no Vulkan library or no GPU it knows (most
# containers and VMs): nothing is wrong, pages draw with OpenGL or in software.
_HARMLESS_STARTS = ("Failed to load vulkan", "initInstance: No Vulkan library available",
                    "Failed to create platform Vulkan instance",
                    "Unable to detect GPU vendor for device")

_SHARED_CONTEXTS = Qt.ApplicationAttribute.AA_ShareOpenGLContexts

# Chromium's own sandbox, as the studio started the engine.
SANDBOX_ON = "on"
SANDBOX_OFF_BY_USER = "off-by-user"  # QTWEBENGINE_DISABLE_SANDBOX or --no-sandbox was set
SANDBOX_OFF_FOR_ROOT = "off-for-root"  # the studio switched it off: it runs as root

_sandbox: str | None = None  # decided once, by the first prepare_web_engine()


def engine_flags(existing: str, *, no_sandbox: bool = False) -> str:
    """`existing` Chromium flags plus the ones previews need; a flag already set wins.

    QtWebEngine splits this variable on spaces (no shell quoting), and so do we.
    """
    parts = existing.split()
    if not any(p.startswith("--js-flags") for p in parts):
        parts.append(f"--js-flags=--max-old-space-size={JS_HEAP_LIMIT_MB}")
    if not any(p.startswith("--force-webrtc-ip-handling-policy") for p in parts):
        parts.append(_WEBRTC_POLICY_FLAG)
    if not any(p.startswith(("--log-level", "--enable-logging")) for p in parts):
        parts.append(_LOG_LEVEL_FLAG)
    if no_sandbox and NO_SANDBOX_FLAG not in parts:
        parts.append(NO_SANDBOX_FLAG)
    return " ".join(parts)


def sandbox_choice(env: Mapping[str, str], euid: int | None) -> str:
    """How Chromium's sandbox should start for a process with this environment and user.

    QtWebEngine treats QTWEBENGINE_DISABLE_SANDBOX as set whatever its value, so we do too.
    `euid` None: a platform without user ids (nothing to decide there).
    """
    if DISABLE_SANDBOX_ENV in env or NO_SANDBOX_FLAG in env.get(CHROMIUM_FLAGS_ENV, "").split():
        return SANDBOX_OFF_BY_USER
    if euid == 0:
        return SANDBOX_OFF_FOR_ROOT
    return SANDBOX_ON


def _euid() -> int | None:
    return os.geteuid() if hasattr(os, "geteuid") else None


def chromium_sandbox() -> str:
    """The sandbox decision in force (what the next prepare_web_engine() would decide, if
    none has run yet)."""
    return _sandbox if _sandbox is not None else sandbox_choice(os.environ, _euid())


def sandbox_off_for_root() -> bool:
    """Whether the studio itself switched Chromium's sandbox off, and must say so."""
    return chromium_sandbox() == SANDBOX_OFF_FOR_ROOT


def prepare_web_engine() -> None:
    """Set the engine flags and shared GL contexts. Before the QApplication; idempotent."""
    global _sandbox
    if QCoreApplication.instance() is not None:
        if not QCoreApplication.testAttribute(_SHARED_CONTEXTS):
            raise RuntimeError("prepare_web_engine() must be called before the QApplication")
    else:
        QCoreApplication.setAttribute(_SHARED_CONTEXTS)
    if _sandbox is None:
        # Decided before our own flags are added, so --no-sandbox found later is ours.
        _sandbox = sandbox_choice(os.environ, _euid())
    os.environ[CHROMIUM_FLAGS_ENV] = engine_flags(
        os.environ.get(CHROMIUM_FLAGS_ENV, ""), no_sandbox=_sandbox == SANDBOX_OFF_FOR_ROOT
    )


_MessageHandler = Callable[[QtMsgType, QMessageLogContext, str], object]
_quiet_installed = False


def harmless(kind: QtMsgType, message: str) -> bool:
    """Whether a Qt message is one of QtWebEngine's start-up notes about a machine without
    Vulkan or a known GPU."""
    return kind == QtMsgType.QtWarningMsg and message.startswith(_HARMLESS_STARTS)


def quiet_harmless_engine_messages() -> None:
    """Drop QtWebEngine's harmless start-up notes (see `harmless`); every other message goes
    where it went before. Once per process, after the QApplication exists."""
    global _quiet_installed
    if _quiet_installed:
        return
    _quiet_installed = True
    previous: _MessageHandler | None = None

    def handle(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
        if harmless(kind, message):
            return
        if previous is not None:
            previous(kind, context, message)
        else:  # Qt's default handler: the formatted message on standard error
            sys.stderr.write(qFormatLogMessage(kind, context, message) + "\n")

    previous = qInstallMessageHandler(handle)
