from __future__ import annotations

import logging

import pytest

from studio.core.redact import MASK, RedactingFilter, redact, register_secret


@pytest.mark.parametrize("text", [
    "Authorization: Bearer sk-live-abcdefghijklmnop",
    "headers={'x-api-key': 'anthropic-secret-value-123'}",
    "x-goog-api-key=AIzaSyA-very-long-google-key-0123456789",
    "GET https://generativelanguage.googleapis.com/v1beta/models?key=AIzaSecret123456789012345",
    "Incorrect API key provided: sk-proj-ABCDEFGHIJKLMNOP1234",
])
def test_key_shapes_are_masked(text: str) -> None:
    out = redact(text)
    assert MASK in out
    for secret in ("sk-live-abcdefghijklmnop", "anthropic-secret-value-123",
                   "AIzaSyA-very-long-google-key-0123456789", "AIzaSecret123456789012345",
                   "sk-proj-ABCDEFGHIJKLMNOP1234"):
        assert secret not in out


def test_registered_keys_are_masked_wherever_they_appear() -> None:
    register_secret("plainkey-7f3a9c")
    assert redact("echo plainkey-7f3a9c!") == f"echo {MASK}!"


def test_log_records_are_redacted_after_formatting(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("studio.test.redact")
    caplog.handler.addFilter(RedactingFilter())
    with caplog.at_level(logging.INFO, logger="studio.test.redact"):
        logger.info("sending %s", {"Authorization": "Bearer sk-abcdef123456789"})
    assert "sk-abcdef123456789" not in caplog.text
    assert MASK in caplog.text
