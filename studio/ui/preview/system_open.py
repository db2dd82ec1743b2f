"""Opening a page or a link with the desktop's own handler, and saying whether it worked.

`QDesktopServices.openUrl` starts `xdg-open` detached and reports success as soon as the
process exists: a machine with no browser set up fails on stderr, unseen. Here `xdg-open`
is waited for in a thread of its own (it may run a browser in the foreground for as long as
that browser is open, so the thread never blocks anything and never holds the exit up), in
a session of its own (closing the app does not close the browser), and its exit status and
first line of complaint come back as `finished`.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
import tempfile
import threading

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtGui import QDesktopServices


def _xdg_open() -> str | None:
    return shutil.which("xdg-open") if sys.platform.startswith("linux") else None


def _complaint(raw: bytes, tool: str, status: int) -> str:
    for line in raw.decode("utf-8", errors="replace").splitlines():
        if line.strip():
            return line.strip()[:300]
    return f"{tool} ended with status {status}"


class SystemOpener(QObject):
    """`finished(url, ok, message)` once the handler has answered; `message` says why it
    failed (empty on success)."""

    finished = Signal(str, bool, str)

    def open(self, url: QUrl) -> None:
        text = url.toString()
        tool = _xdg_open()
        if tool is None:
            ok = QDesktopServices.openUrl(url)
            self.finished.emit(text, ok, "" if ok else "no application is set up to open it")
            return
        threading.Thread(target=self._wait_for, args=(tool, text), name="system-open",
                         daemon=True).start()

    def _wait_for(self, tool: str, url: str) -> None:
        # stderr goes to a file, not a pipe: a browser started from here inherits it and
        # would hold a pipe open for as long as it runs.
        with tempfile.TemporaryFile() as errors:
            try:
                process = subprocess.Popen(
                    [tool, url], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                    stderr=errors, start_new_session=True)
                status = process.wait()
            except OSError as exc:
                ok, message = False, f"{tool} could not be started: {exc.strerror or exc}"
            else:
                errors.seek(0)
                ok = status == 0
                message = "" if ok else _complaint(errors.read(4096), tool, status)
        with contextlib.suppress(RuntimeError):  # the preview that asked is gone
            self.finished.emit(url, ok, message)
