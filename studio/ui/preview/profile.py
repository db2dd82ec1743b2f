"""The one off-the-record profile every preview runs in, and its network gate."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QObject
from PySide6.QtWebEngineCore import (
    QWebEngineDownloadRequest,
    QWebEngineProfile,
    QWebEngineSettings,
    QWebEngineUrlRequestInfo,
    QWebEngineUrlRequestInterceptor,
)

from studio.ui.preview.policy import REGISTRY, SCHEME, PreviewRegistry, request_allowed
from studio.ui.preview.scheme import PreviewSchemeHandler, is_registered

_Attr = QWebEngineSettings.WebAttribute

# Everything a generated page needs to run (scripts, canvas, WebGL, storage for its own
# origin) stays on; every bridge out of the page is off.
SETTINGS: dict[QWebEngineSettings.WebAttribute, bool] = {
    _Attr.JavascriptEnabled: True,
    _Attr.LocalStorageEnabled: True,
    _Attr.WebGLEnabled: True,
    _Attr.Accelerated2dCanvasEnabled: True,
    _Attr.ReadingFromCanvasEnabled: True,
    _Attr.AutoLoadImages: True,
    _Attr.JavascriptCanOpenWindows: False,
    _Attr.JavascriptCanAccessClipboard: False,
    _Attr.JavascriptCanPaste: False,
    _Attr.LocalContentCanAccessRemoteUrls: False,
    _Attr.LocalContentCanAccessFileUrls: False,
    _Attr.AllowWindowActivationFromJavaScript: False,
    _Attr.AllowRunningInsecureContent: False,
    _Attr.AllowGeolocationOnInsecureOrigins: False,
    _Attr.PluginsEnabled: False,
    _Attr.PdfViewerEnabled: False,
    _Attr.ScreenCaptureEnabled: False,
    _Attr.FullScreenSupportEnabled: False,
    _Attr.HyperlinkAuditingEnabled: False,
    _Attr.DnsPrefetchEnabled: False,
    _Attr.WebRTCPublicInterfacesOnly: True,
    # Dropping a file on the view would navigate it to file://.
    _Attr.NavigateOnDropEnabled: False,
    # A preview refreshing while the answer streams must not take focus from the editor.
    _Attr.FocusOnNavigationEnabled: False,
    _Attr.ErrorPageEnabled: False,
}


class PreviewRequestInterceptor(QWebEngineUrlRequestInterceptor):
    """Blocks every request a preview's network switch does not allow.

    Requests are charged to the preview whose document is the first party; a request
    that cannot be traced to a preview gets the strictest policy (network off).
    """

    def __init__(self, registry: PreviewRegistry = REGISTRY, parent: QObject | None = None):
        super().__init__(parent)
        self._registry = registry
        self.blocked = 0

    def interceptRequest(self, info: QWebEngineUrlRequestInfo) -> None:
        url = info.requestUrl()
        first_party = info.firstPartyUrl()
        entry = self._registry.get(first_party.host()) if first_party.scheme() == SCHEME else None
        network = entry.network if entry is not None else False
        if request_allowed(url.scheme(), url.host(), network=network):
            return
        info.block(True)
        self.blocked += 1
        if entry is not None:
            reason = "network is off" if not network else "only public https is allowed"
            entry.note_blocked(url.toString()[:300], reason)


def _refuse_download(download: QWebEngineDownloadRequest) -> None:
    download.cancel()


_profile: QWebEngineProfile | None = None


def preview_profile() -> QWebEngineProfile:
    """The shared off-the-record profile, created on first use (after the QApplication)."""
    global _profile
    if _profile is None:
        _profile = _create_profile()
    return _profile


def _create_profile() -> QWebEngineProfile:
    app = QCoreApplication.instance()
    if app is None:
        raise RuntimeError("previews need a QApplication")
    if not is_registered():
        raise RuntimeError("register_preview_scheme() was not called before the first preview")
    # No storage name: off the record, nothing written to disk.
    profile = QWebEngineProfile(app)
    assert profile.isOffTheRecord()
    profile.setHttpCacheType(QWebEngineProfile.HttpCacheType.MemoryHttpCache)
    profile.setPersistentCookiesPolicy(
        QWebEngineProfile.PersistentCookiesPolicy.NoPersistentCookies
    )
    profile.setPersistentPermissionsPolicy(
        QWebEngineProfile.PersistentPermissionsPolicy.AskEveryTime
    )
    profile.setSpellCheckEnabled(False)
    profile.setPushServiceEnabled(False)
    settings = profile.settings()
    for attribute, value in SETTINGS.items():
        settings.setAttribute(attribute, value)
    handler = PreviewSchemeHandler(REGISTRY, profile)
    profile.installUrlSchemeHandler(SCHEME.encode(), handler)
    interceptor = PreviewRequestInterceptor(REGISTRY, profile)
    profile.setUrlRequestInterceptor(interceptor)
    profile.downloadRequested.connect(_refuse_download)
    # Both are parented to the profile; the references are kept for statistics.
    _parts.append((handler, interceptor))
    return profile


_parts: list[tuple[PreviewSchemeHandler, PreviewRequestInterceptor]] = []


def scheme_handler() -> PreviewSchemeHandler:
    preview_profile()
    return _parts[0][0]


def request_interceptor() -> PreviewRequestInterceptor:
    preview_profile()
    return _parts[0][1]
