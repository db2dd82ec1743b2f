"""Getting a preview's page out — saved as .html, a screenshot to a file or the clipboard,
a copy in the system browser — and saying in the window how each turned out.

Every action ends in a message (`reported`, and the status bar of the window around the
preview): where the file went, what was copied, or why nothing happened and what to do.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog

from studio.core.file_names import file_stem
from studio.ui.notify import tell
from studio.ui.preview.capture import PngCallback
from studio.ui.preview.export import temporary_html, write_html
from studio.ui.preview.system_open import SystemOpener

if TYPE_CHECKING:
    from studio.ui.preview.view import PreviewView

UrlOpener = Callable[[QUrl], object]
NO_PAGE = "There is no page to save yet."
NO_SCREEN = "There is no page on screen to take a screenshot of."

_last_folder = ""  # where the last page or screenshot was saved, this session


def save_folder() -> str:
    return _last_folder or str(Path.home())


def _remember_folder(path: str) -> None:
    global _last_folder
    _last_folder = str(Path(path).parent)


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


class PageOutputs(QObject):
    """The output actions of one `PreviewView`. `open_url` opens links and pages (default:
    the desktop's handler, whose answer is reported); `stem` names proposed files."""

    reported = Signal(str, bool)  # message, failed

    def __init__(self, view: PreviewView, open_url: UrlOpener | None = None) -> None:
        super().__init__(view)
        self._view = view
        self.stem = ""
        self._opener = SystemOpener(self)
        self._opener.finished.connect(self._on_opened)
        self._browser_copies: set[str] = set()  # file URLs of pages sent to the browser
        self.open_url: UrlOpener = open_url or self._opener.open
        self.dialog: QFileDialog | None = None

    def file_stem(self) -> str:
        return self.stem or file_stem(self._view.label())

    def report(self, message: str, failed: bool = False) -> None:
        self.reported.emit(message, failed)
        tell(self._view, message, failed=failed)

    # -- screenshots -----------------------------------------------------------------------

    def copy_screenshot(self) -> None:
        def to_clipboard(data: bytes) -> None:
            web = self._view.web_view()
            if not data or web is None:
                self.report(NO_SCREEN, True)
                return
            QGuiApplication.clipboard().setPixmap(web.grab())
            self.report("Copied a screenshot of the page to the clipboard.")

        self._view.grab_png(to_clipboard)

    def save_screenshot(self, path: str | Path, callback: PngCallback | None = None) -> None:
        def write(data: bytes) -> None:
            if not data:
                self.report(NO_SCREEN, True)
            else:
                try:
                    Path(path).write_bytes(data)
                except OSError as exc:
                    self.report(f"Could not save the screenshot as {path}: {_reason(exc)}. "
                                "Choose another folder.", True)
                else:
                    self.report(f"Saved a screenshot of the page as {path}.")
            if callback is not None:
                callback(data)

        self._view.grab_png(write)

    # -- the page as a file ------------------------------------------------------------------

    def _document(self) -> bytes | None:
        document = self._view.document()
        return document.encode("utf-8", "surrogatepass") if document is not None else None

    def save_html(self, path: str | Path) -> Path | None:
        document = self._document()
        if document is None:
            self.report(NO_PAGE, True)
            return None
        try:
            saved = write_html(path, document)
        except OSError as exc:
            self.report(f"Could not save the page as {path}: {_reason(exc)}. Choose another "
                        "folder.", True)
            return None
        self.report(f"Saved the page as {saved}.")
        return saved

    def ask_save_html(self) -> QFileDialog | None:
        return self._ask_path("Save page as", "HTML files (*.html *.htm)", "html",
                              self.save_html)

    def ask_save_png(self) -> QFileDialog | None:
        return self._ask_path("Save screenshot as", "PNG images (*.png)", "png",
                              self.save_screenshot)

    def _ask_path(self, title: str, filters: str, suffix: str,
                  then: Callable[[str], object]) -> QFileDialog | None:
        if self._view.document() is None:
            self.report(NO_PAGE, True)
            return None
        # Non-modal (open(), not exec()): no nested event loop under the asyncio engine.
        dialog = QFileDialog(self._view, title, save_folder(), filters)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix(suffix)
        dialog.selectFile(f"{self.file_stem()}.{suffix}")

        def chosen(name: str) -> None:
            _remember_folder(name)
            then(name)

        dialog.fileSelected.connect(chosen)
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        dialog.open()
        return dialog

    # -- the system browser ------------------------------------------------------------------

    def open_in_browser(self) -> Path | None:
        document = self._document()
        if document is None:
            self.report("There is no page to open yet.", True)
            return None
        try:
            path = temporary_html(document, self.file_stem())
        except OSError as exc:
            self.report(f"Could not write a copy of the page for the browser: {_reason(exc)}.",
                        True)
            return None
        url = QUrl.fromLocalFile(str(path))
        self._browser_copies.add(url.toString())
        self.report("Opening a copy of the page in the system browser (outside the "
                    "sandbox)…")
        self.open_url(url)
        return path

    def _on_opened(self, url: str, ok: bool, message: str) -> None:
        page = url in self._browser_copies
        self._browser_copies.discard(url)
        if ok:
            self.report("Opened the page in the system browser." if page
                        else f"Opened {url} in the system browser.")
            return
        if page:
            self.report(f"Could not open the page in the system browser ({message}). Save it "
                        "as .html (More ▸ Save as .html…) and open the file yourself.", True)
        else:
            self.report(f"Could not open {url} in the system browser ({message}). Copy the "
                        "address and open it yourself.", True)
