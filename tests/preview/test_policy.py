"""The sandbox's pure decisions: which requests may leave, engine flags, the console cap."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QtMsgType

from studio.ui.preview.console import ConsoleLog
from studio.ui.preview.engine_setup import engine_flags, harmless
from studio.ui.preview.policy import PreviewRegistry, is_local_host, request_allowed


@pytest.mark.parametrize(
    "host",
    [
        "localhost",
        "LOCALHOST.",
        "app.localhost",
        "127.0.0.1",
        "127.8.9.10",
        "[::1]",
        "::1",
        "0.0.0.0",
        "10.1.2.3",
        "192.168.0.10",
        "172.16.5.4",
        "169.254.169.254",
        "100.64.0.1",
        "::ffff:127.0.0.1",
        "fe80::1",
        "fc00::1",
        "printer.local",
        "router.lan",
        "intranet",
        "svc.internal",
        "nas.home.arpa",
        "224.0.0.251",
        "",
    ],
)
def test_local_and_private_hosts_are_local(host: str) -> None:
    assert is_local_host(host)


@pytest.mark.parametrize(
    "host",
    ["cdn.jsdelivr.net", "unpkg.com", "8.8.8.8", "2606:4700:4700::1111", "fonts.gstatic.com"],
)
def test_public_hosts_are_not_local(host: str) -> None:
    assert not is_local_host(host)


def test_network_off_allows_only_the_page_itself() -> None:
    for scheme, host in [
        ("https", "cdn.jsdelivr.net"),
        ("http", "example.com"),
        ("ws", "example.com"),
        ("wss", "example.com"),
        ("file", ""),
        ("qrc", ""),
        ("ftp", "example.com"),
        ("chrome", "gpu"),
    ]:
        assert not request_allowed(scheme, host, network=False)
    assert request_allowed("studio-preview", "p-abc", network=False)
    assert request_allowed("data", "", network=False)
    assert request_allowed("blob", "", network=False)


def test_network_on_allows_public_https_only() -> None:
    assert request_allowed("https", "cdn.jsdelivr.net", network=True)
    assert request_allowed("HTTPS", "unpkg.com", network=True)
    assert not request_allowed("http", "cdn.jsdelivr.net", network=True)
    assert not request_allowed("wss", "example.com", network=True)
    assert not request_allowed("https", "127.0.0.1", network=True)
    assert not request_allowed("https", "localhost", network=True)
    assert not request_allowed("https", "192.168.1.1", network=True)
    assert not request_allowed("file", "", network=True)


def test_registry_tokens_are_distinct_and_unguessable() -> None:
    registry = PreviewRegistry()
    entries = [registry.create() for _ in range(50)]
    tokens = {e.token for e in entries}
    assert len(tokens) == 50
    assert all(t.startswith("p-") and len(t) == 26 for t in tokens)
    entry = entries[0]
    entry.document = b"<p>x</p>"
    assert registry.get(entry.token.upper()) is entry
    registry.discard(entry.token)
    assert registry.get(entry.token) is None and entry.document == b""


def test_engine_flags_add_what_previews_need_and_keep_the_users() -> None:
    flags = engine_flags("")
    assert "--js-flags=--max-old-space-size=1024" in flags
    assert "--force-webrtc-ip-handling-policy=disable_non_proxied_udp" in flags
    mine = engine_flags(
        "--js-flags=--max-old-space-size=64 --force-webrtc-ip-handling-policy=default"
    )
    assert mine.count("--js-flags") == 1 and "=64" in mine
    assert mine.count("webrtc") == 1 and "default" in mine
    assert "--log-level=3" in flags.split()  # Chromium's log: fatal errors only
    for own in ("--log-level=0", "--enable-logging=stderr"):
        assert "--log-level=3" not in engine_flags(own).split()


def test_only_the_engines_harmless_start_notes_are_dropped() -> None:
    warning, info = QtMsgType.QtWarningMsg, QtMsgType.QtInfoMsg
    assert harmless(warning, "Failed to load vulkan: Cannot load library vulkan: vulkan: "
                             "cannot open shared object file: No such file or directory")
    assert harmless(warning, "Unable to detect GPU vendor for device: Mesa/X.org llvmpipe")
    assert not harmless(info, "Failed to load vulkan: …")
    assert not harmless(warning, "QWidget::repaint: Recursive repaint detected")
    assert not harmless(warning, "js: Failed to load vulkan")


def test_console_keeps_the_newest_entries_and_counts_the_rest() -> None:
    log = ConsoleLog(capacity=3, max_message_chars=20)
    for i in range(10):
        log.add("error" if i % 2 else "info", f"m{i}", line=i)
    assert [e.message for e in log.entries()] == ["m7", "m8", "m9"]
    assert (log.total, log.dropped, log.error_count) == (10, 7, 5)
    assert [e.message for e in log.since(log.last_seq - 1)] == ["m9"]
    log.add("info", "y" * 100)
    assert log.truncated == 1 and len(log.entries()[-1].message) < 60
    log.clear()
    assert (log.total, log.dropped, log.error_count, len(log)) == (0, 0, 0, 0)
    assert log.since(0) == []
