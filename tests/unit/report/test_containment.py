"""The policies that keep a report's pages in their frames (the browser tests in
tests/report prove them in QtWebEngine; these pin down what is written)."""

from __future__ import annotations

import base64
import hashlib

import pytest

from studio.report.containment import (
    BASE,
    MAX_HOSTS,
    PagePolicy,
    framed_document,
    normalize_page,
    public_hosts,
    report_csp,
    sha256_source,
)


def _hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def _directives(policy: str) -> dict[str, list[str]]:
    found = {}
    for part in policy.split(";"):
        name, *values = part.split()
        found[name] = values
    return found


def test_public_https_hosts_are_kept_and_local_ones_dropped() -> None:
    page = """<script src="https://cdn.jsdelivr.net/npm/three@0.160/build/three.module.js"></script>
<link href="https://fonts.googleapis.com/css2?family=Inter" rel="stylesheet">
<img src="https://127.0.0.1:8080/x"><img src="https://localhost/y"><img src="https://printer.local/z">
<img src="https://192.168.1.1/"><img src="https://10.0.0.2/"><img src="https://intranet/">
<img src="http://example.org/plain-http"><img src="https://Example.COM:8443/ported">
<a href="https://unpkg.com/three">"""
    assert public_hosts(page) == (
        "https://cdn.jsdelivr.net", "https://fonts.googleapis.com",
        "https://fonts.gstatic.com",  # the fonts that stylesheet loads
        "https://example.com:8443", "https://unpkg.com")


def test_the_number_of_hosts_is_bounded() -> None:
    page = " ".join(f"https://cdn{i}.example.com/x.js" for i in range(MAX_HOSTS * 2))
    assert len(public_hosts(page)) == MAX_HOSTS


def test_inline_scripts_are_hashed_as_the_browser_reads_them() -> None:
    script = "if (a &lt; b && c<d) { x = '</div>'; }"  # entities are not decoded in scripts
    page = normalize_page(
        f"<!doctype html><script>{script}</script>\r\n<script src='x.js'>ignored</script>"
        "<script type=module>\r\nimport 'https://esm.sh/x'\r\n</script>"
        "<button onclick=\"go(1 &amp;&amp; 2)\">x</button><body onload='start()'>"
        "<script>unfinished(")
    policy = PagePolicy.of(page)
    assert policy.scripts == (_hash(script), _hash("\nimport 'https://esm.sh/x'\n"),
                              _hash("unfinished("))
    # Attribute values are decoded before the browser hashes them.
    assert policy.handlers == (_hash("go(1 && 2)"), _hash("start()"))
    assert policy.hosts == ("https://esm.sh",)


def test_normalizing_a_page_does_what_the_browsers_input_stream_does() -> None:
    assert normalize_page("a\r\nb\rc\x00d") == "a\nb\nc\ufffdd"


def test_a_framed_page_starts_with_its_policy_and_keeps_its_doctype_first() -> None:
    page = "<!DOCTYPE html>\n<html><head><title>x</title></head><body>😀 x</body></html>"
    policy = PagePolicy.of(page)
    framed = framed_document(page, policy)
    assert framed.srcdoc.startswith("<!DOCTYPE html><meta http-equiv=\"Content-Security-Policy\"")
    assert BASE in framed.srcdoc
    # What the report's script cuts out gives back the page exactly (UTF-16 offsets).
    units = framed.srcdoc.encode("utf-16-le")
    restored = units[: framed.cut * 2] + units[(framed.cut + framed.added) * 2:]
    assert restored.decode("utf-16-le") == page


def test_a_page_without_doctype_gets_its_policy_at_the_very_start() -> None:
    framed = framed_document("<p>hi</p>", PagePolicy.of("<p>hi</p>"))
    assert framed.cut == 0
    assert framed.srcdoc.startswith("<meta http-equiv=\"Content-Security-Policy\"")
    assert framed.srcdoc[framed.added:] == "<p>hi</p>"


def test_the_page_policy_allows_its_hosts_over_https_and_nothing_else() -> None:
    policy = PagePolicy(("https://cdn.jsdelivr.net",), (), ())
    d = _directives(policy.csp())
    assert d["default-src"] == ["'none'"]
    assert d["script-src"] == ["'unsafe-inline'", "'unsafe-eval'", "https://cdn.jsdelivr.net"]
    assert d["connect-src"] == ["data:", "blob:", "https://cdn.jsdelivr.net"]
    assert d["frame-src"] == ["'none'"] and d["form-action"] == ["'none'"]
    every = " ".join(v for values in d.values() for v in values)
    assert "http:" not in every and "ws:" not in every and "https:" not in every.split()


def test_the_report_policy_never_allows_inline_script_by_keyword() -> None:
    own = sha256_source("reveal()")
    pages = [PagePolicy(("https://unpkg.com",), (_hash("a()"),), (_hash("b()"),)),
             PagePolicy((), (_hash("c()"),), ())]
    d = _directives(report_csp([own], pages))
    assert d["script-src"] == [own, _hash("a()"), _hash("c()"), "'unsafe-hashes'", _hash("b()"),
                               "'unsafe-eval'", "https://unpkg.com"]
    assert "'unsafe-inline'" not in d["script-src"]
    assert d["frame-src"] == ["'none'"]
    assert d["object-src"] == ["'none'"] and d["form-action"] == ["'none'"]
    assert d["img-src"] == ["data:", "blob:", "https://unpkg.com"]


def test_a_report_without_pages_allows_only_its_own_script() -> None:
    own = sha256_source("reveal()")
    d = _directives(report_csp([own], []))
    assert d["script-src"] == [own]
    assert d["connect-src"] == ["'none'"] and d["worker-src"] == ["'none'"]


@pytest.mark.parametrize("text", ["", "a", "ü ✓ 😀", "x\ny"])
def test_source_hashes_are_sha256_of_utf8(text: str) -> None:
    assert sha256_source(text) == _hash(text)
