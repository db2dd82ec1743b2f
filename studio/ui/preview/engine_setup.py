"""What QtWebEngine needs from the process before the QApplication exists.

Chromium reads its flags from the environment when it starts, and shares OpenGL contexts
only if the application was created with that attribute. Both need QtCore alone, so the
app prepares them first and loads QtWebEngine itself after its window is on screen.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QCoreApplication, Qt

CHROMIUM_FLAGS_ENV = "QTWEBENGINE_CHROMIUM_FLAGS"
# A page that allocates without end hits this V8 heap limit and its renderer dies quickly,
# instead of pushing the whole machine into swap first.
JS_HEAP_LIMIT_MB = 1024
# WebRTC's ICE traffic (STUN/TURN over UDP) does not pass through the request interceptor;
# with no proxy configured this policy leaves it no route at all.
_WEBRTC_POLICY_FLAG = "--force-webrtc-ip-handling-policy=disable_non_proxied_udp"

_SHARED_CONTEXTS = Qt.ApplicationAttribute.AA_ShareOpenGLContexts


def engine_flags(existing: str) -> str:
    """`existing` Chromium flags plus the ones previews need; a flag already set wins.

    QtWebEngine splits this variable on spaces (no shell quoting), and so do we.
    """
    parts = existing.split()
    if not any(p.startswith("--js-flags") for p in parts):
        parts.append(f"--js-flags=--max-old-space-size={JS_HEAP_LIMIT_MB}")
    if not any(p.startswith("--force-webrtc-ip-handling-policy") for p in parts):
        parts.append(_WEBRTC_POLICY_FLAG)
    return " ".join(parts)


def prepare_web_engine() -> None:
    """Set the engine flags and shared GL contexts. Before the QApplication; idempotent."""
    if QCoreApplication.instance() is not None:
        if not QCoreApplication.testAttribute(_SHARED_CONTEXTS):
            raise RuntimeError("prepare_web_engine() must be called before the QApplication")
    else:
        QCoreApplication.setAttribute(_SHARED_CONTEXTS)
    os.environ[CHROMIUM_FLAGS_ENV] = engine_flags(os.environ.get(CHROMIUM_FLAGS_ENV, ""))
