"""The `studio-preview://` scheme: each preview's document served from memory, one origin each.

`register_preview_scheme()` must run before the first preview profile exists. Everything
else in this module runs on the GUI thread, where Qt 6 calls URL scheme handlers.
"""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, QUrl, QUrlQuery
from PySide6.QtWebEngineCore import (
    QWebEngineUrlRequestJob,
    QWebEngineUrlScheme,
    QWebEngineUrlSchemeHandler,
)

from studio.ui.preview.engine_setup import prepare_web_engine
from studio.ui.preview.policy import INDEX_PATH, REGISTRY, SCHEME, PreviewRegistry

_CONTENT_TYPE = b"text/html; charset=utf-8"
LOAD_KEY = "load"  # the query item that numbers a preview's loads


def register_preview_scheme() -> None:
    """Register the preview scheme; idempotent. Before the QApplication it also prepares
    the engine; after it, `prepare_web_engine()` must have run before the QApplication.
    Either way it must run before the first preview profile exists (`preview_profile()`
    checks), which is when Chromium locks its scheme registry."""
    if is_registered():
        return
    prepare_web_engine()
    scheme = QWebEngineUrlScheme(QByteArray(SCHEME.encode()))
    scheme.setSyntax(QWebEngineUrlScheme.Syntax.Host)
    # Secure: pages are a secure context, so https CDN scripts are not mixed content.
    # Not CORS-enabled, no fetch API: nothing may read a preview document cross-origin.
    scheme.setFlags(QWebEngineUrlScheme.Flag.SecureScheme)
    QWebEngineUrlScheme.registerScheme(scheme)


def is_registered() -> bool:
    return bool(QWebEngineUrlScheme.schemeByName(QByteArray(SCHEME.encode())).name())


def preview_url(token: str, load: int | None = None) -> QUrl:
    """The preview's document URL; `load` numbers one load of it (see `load_number`)."""
    url = QUrl(f"{SCHEME}://{token}{INDEX_PATH}")
    if load is not None:
        query = QUrlQuery()
        query.addQueryItem(LOAD_KEY, str(load))
        url.setQuery(query)
    return url


def load_number(url: QUrl) -> int | None:
    """Which load of the document `url` names. Qt reports the end of a load after the next
    one has begun, so only the URL tells which load a loading signal is about."""
    value = QUrlQuery(url).queryItemValue(LOAD_KEY)
    return int(value) if value.isdigit() else None


class PreviewSchemeHandler(QWebEngineUrlSchemeHandler):
    """Serves each preview only its own document; everything else fails."""

    def __init__(self, registry: PreviewRegistry = REGISTRY, parent: QObject | None = None):
        super().__init__(parent)
        self._registry = registry
        self.served = 0
        self.denied = 0

    def requestStarted(self, job: QWebEngineUrlRequestJob) -> None:
        url = job.requestUrl()
        token = url.host().lower()
        entry = self._registry.get(token)
        initiator = job.initiator()
        # Our own load() has no initiator; a page may only ever ask for its own origin.
        # An opaque initiator ("null": sandboxed or data: frames) is refused as well.
        if initiator.isValid() and not (
            initiator.scheme() == SCHEME and initiator.host().lower() == token and entry
        ):
            self._deny(job, initiator, url)
            return
        if entry is None or bytes(job.requestMethod().data()) != b"GET":
            self.denied += 1
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            return
        if url.path() not in ("", "/", INDEX_PATH):
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            return
        # The job reads the device on another thread until it is destroyed; parenting the
        # buffer to the job ties their lifetimes together.
        buffer = QBuffer(job)
        buffer.setData(QByteArray(entry.document))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.served += 1
        job.reply(QByteArray(_CONTENT_TYPE), buffer)

    def _deny(self, job: QWebEngineUrlRequestJob, initiator: QUrl, url: QUrl) -> None:
        self.denied += 1
        if initiator.scheme() == SCHEME:
            attacker = self._registry.get(initiator.host())
            if attacker is not None:
                attacker.note_blocked(
                    url.toString()[:300], "another preview's document is out of reach"
                )
        job.fail(QWebEngineUrlRequestJob.Error.RequestDenied)
