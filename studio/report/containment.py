"""How a report runs untrusted pages: sandboxed frames and Content-Security-Policies.

Each page runs in `<iframe sandbox="allow-scripts" srcdoc=…>`: scripts run, in an opaque
origin of their own, and nothing more (no same-origin access to the report, no popups, no
top-level navigation, no forms). The framed document starts with its own policy, which lets
it load from the public https hosts its source names (three.js from a CDN works when the
reader is online) and from nowhere else: no loopback, no private network, no other scheme.

Browsers give a srcdoc frame the policy of the document around it as well (measured in
QtWebEngine: a hash-only `script-src` on the report stops every script of the pages), and
both policies apply. So the report's own policy is built from what its pages need: their
inline scripts and event handlers by hash (never 'unsafe-inline'), eval, and the same public
hosts. A script that found its way into the report itself would still not run, unless it is
character for character one of the pages' own scripts. `frame-src 'none'` keeps every frame
where it is: a page's meta refresh, link or `location` change cannot load anything else into
its frame (about:srcdoc is exempt, so the frames themselves load).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser

from studio.core.hosts import is_local_host

# Stylesheets from these hosts load their fonts from the second ones.
_COMPANION_HOSTS = {
    "fonts.googleapis.com": ("fonts.gstatic.com",),
    "kit.fontawesome.com": ("ka-f.fontawesome.com", "ka-p.fontawesome.com"),
}
MAX_HOSTS = 48  # per page: enough for any real page, and the policy stays small
_HTTPS_HOST = re.compile(
    r"https://([A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*"
    r"[A-Za-z0-9])?)+)(?::(\d{1,5}))?(?![A-Za-z0-9.-])")
_DOCTYPE = re.compile(r"\A(\ufeff?\s*<!doctype[^>]*>)", re.IGNORECASE)
# Fragment links (href="#top") resolve against the base URL, which in a srcdoc frame is
# the report's: they would navigate the frame away. With this base they stay in the page.
BASE = '<base href="about:srcdoc">'


def sha256_source(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def normalize_page(html: str) -> str:
    """The page as the browser's parser will see it: CR LF and lone CR become LF (the input
    stream does that before parsing, and script hashes are taken after it)."""
    return html.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "\ufffd")


class _InlineCode(HTMLParser):
    """Collects the text of inline <script> elements and of on… event handler attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[str] = []
        self.handlers: list[str] = []
        self._script: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handlers.extend(v for k, v in attrs if k.startswith("on") and v)
        if tag == "script":
            self._script = None if any(k == "src" for k, _ in attrs) else []

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handlers.extend(v for k, v in attrs if k.startswith("on") and v)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            if self._script is not None:
                self.scripts.append("".join(self._script))
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script.append(data)

    def close(self) -> None:
        super().close()
        if self._script is not None:  # a page cut off inside a script: the browser runs
            # the rest of the text, which the parser keeps unread
            self.scripts.append("".join(self._script) + self.rawdata)
            self._script = None


def public_hosts(html: str) -> tuple[str, ...]:
    """CSP sources (`https://host[:port]`) for the public https hosts a page names."""
    found: dict[str, None] = {}
    for match in _HTTPS_HOST.finditer(html):
        host, port = match.group(1).lower(), match.group(2)
        if is_local_host(host):
            continue
        for name in (host, *_COMPANION_HOSTS.get(host, ())):
            found[f"https://{name}:{port}" if port and port != "443" else f"https://{name}"] = None
        if len(found) >= MAX_HOSTS:
            break
    return tuple(found)[:MAX_HOSTS]


@dataclass(frozen=True, slots=True)
class PagePolicy:
    """What one page needs: its public hosts and the hashes of its inline code."""

    hosts: tuple[str, ...]
    scripts: tuple[str, ...]  # 'sha256-…' of each inline <script>
    handlers: tuple[str, ...]  # 'sha256-…' of each on… attribute (needs 'unsafe-hashes')

    @classmethod
    def of(cls, html: str) -> PagePolicy:
        parser = _InlineCode()
        parser.feed(html)
        parser.close()
        return cls(public_hosts(html), _unique(map(sha256_source, parser.scripts)),
                   _unique(map(sha256_source, parser.handlers)))

    def csp(self) -> str:
        """The policy inside the framed page: https from its own hosts, inline code and
        eval, nothing else (no other host, no other scheme, no frames, no forms)."""
        hosts = " ".join(self.hosts)
        net = f" {hosts}" if hosts else ""
        return "; ".join((
            "default-src 'none'",
            f"script-src 'unsafe-inline' 'unsafe-eval'{net}",
            f"style-src 'unsafe-inline'{net}",
            f"img-src data: blob:{net}",
            f"font-src data:{net}",
            f"media-src data: blob:{net}",
            f"connect-src data: blob:{net}",
            "worker-src blob: data:",
            "frame-src 'none'",
            "object-src 'none'",
            "form-action 'none'",
        ))


@dataclass(frozen=True, slots=True)
class FramedPage:
    """A page's frame document: the page with the policy put in at `cut`, `added` long
    (both in UTF-16 code units, as the report's script slices the source back out)."""

    srcdoc: str
    cut: int
    added: int


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def framed_document(html: str, policy: PagePolicy) -> FramedPage:
    """The page with its policy first, before anything of it can load; after a doctype, so
    the page keeps its rendering mode."""
    prefix = (f'<meta http-equiv="Content-Security-Policy" content="{policy.csp()}">'
              f'<meta name="referrer" content="no-referrer">{BASE}')
    match = _DOCTYPE.match(html)
    doctype = match.group(1) if match is not None else ""
    return FramedPage(doctype + prefix + html[len(doctype):], _utf16_length(doctype),
                      len(prefix))


def report_csp(own_scripts: Iterable[str], pages: Iterable[PagePolicy]) -> str:
    """The report's policy: its own script by hash, plus exactly what its pages need (they
    get this policy too, see the module's note). No 'unsafe-inline' for scripts."""
    policies = list(pages)
    hosts = " ".join(_unique(h for p in policies for h in p.hosts))
    net = f" {hosts}" if hosts else ""
    scripts = [*_unique(own_scripts), *_unique(s for p in policies for s in p.scripts)]
    handlers = _unique(h for p in policies for h in p.handlers)
    script_src = " ".join(scripts)
    if handlers:
        script_src += " 'unsafe-hashes' " + " ".join(handlers)
    if policies:
        script_src += " 'unsafe-eval'" + net
    return "; ".join((
        "default-src 'none'",
        f"script-src {script_src}".rstrip(),
        f"style-src 'unsafe-inline'{net}",
        f"img-src data: blob:{net}",
        f"font-src data:{net}",
        f"media-src data: blob:{net}",
        f"connect-src data: blob:{net}" if policies else "connect-src 'none'",
        "worker-src blob: data:" if policies else "worker-src 'none'",
        "frame-src 'none'",
        "object-src 'none'",
        "form-action 'none'",
    ))


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))
